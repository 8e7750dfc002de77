export * from "./auth";
export * from "./teams";
export * from "./providers";
export * from "./budgets";
export * from "./requests";
export * from "./ratings";
export * from "./pipelines";

export { route, isRefusal, lambdaFor, effectiveKnob, estimateCostMicros } from "./route";
export { contextBudget, trimText, trimContext } from "./trim";
export * from "./types";

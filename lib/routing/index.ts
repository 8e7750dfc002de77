export { route, isRefusal, lambdaFor, effectiveKnob, estimateCostMicros } from "./route";
export { contextBudget, trimText, trimContext } from "./trim";
export * from "./types";
export { CAPABILITIES, capabilityWords, lacking, requiredCapabilities, supports, type Capability, type CapabilityFlags } from "./capabilities";

export { route, isRefusal, lambdaFor, effectiveKnob, estimateCostMicros, eligibilityOf } from "./route";
export { eligibleModels, combineAllowLists, answerRoom, outputLimitWhy, type Eligibility, type EligibilityRequest, type Exclusion } from "./eligible";
export { contextBudget, trimText, trimContext } from "./trim";
export * from "./types";
export {
  CAPABILITIES,
  capabilityLabels,
  capabilityReasons,
  capabilityWithout,
  capabilityWords,
  lacking,
  requiredCapabilities,
  supports,
  type Capability,
  type CapabilityFlags,
} from "./capabilities";

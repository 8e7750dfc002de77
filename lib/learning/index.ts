export * from "./snapshot";
export { warmStart, parseOutcomes, TEXT_MODEL_DEFAULTS, type OutcomeRow, type WarmStartOptions } from "./warm-start";
export { seededRng, sampleBeta, sampleGamma, sampleNormal } from "./rng";
export { textPredict, textLogit, textUpdate, type TextModelState, type TextModelArm } from "./text-model";
export { explorationChoice, type ExplorationPolicy, DEFAULT_EXPLORATION } from "./exploration";
export { emptyMemory, familiarity, memoryAdd, neighbours, neighbourEvidence, project, MEMORY_DEFAULTS, type MemorySettings, type MemoryState, type Neighbours } from "./memory";

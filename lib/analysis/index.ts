export { analyse, estimateTokens, VECTOR_DIM } from "./analyse";
export { detectPrivacy } from "./privacy";
export { hashString, type SparseVector } from "./hash";
export * from "./types";

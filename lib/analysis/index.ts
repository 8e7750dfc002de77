export { analyse, VECTOR_DIM } from "./analyse";
/** The one token estimate (lib/providers/tokens.ts), re-exported for the analyser's callers. */
export { estimateTokens } from "@/lib/providers/tokens";
export { detectPrivacy } from "./privacy";
export { hashString, type SparseVector } from "./hash";
export * from "./types";

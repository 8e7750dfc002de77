import type { RouteCandidate } from "./types";

/** A route candidate for tests: provider from the id's first word, medium tier, 128k window, no capabilities. */
export const candidate = (id: string, o: Partial<RouteCandidate> = {}): RouteCandidate => ({
  id,
  provider: o.provider ?? id.split("-")[0],
  local: false,
  enabled: true,
  contextWindow: 128_000,
  inputPerMTokMicros: 1_000_000,
  outputPerMTokMicros: 2_000_000,
  strengths: [],
  costTier: "medium",
  ...o,
});

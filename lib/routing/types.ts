import type { LearningSnapshot, ExplorationPolicy, QualityEstimate } from "@/lib/learning";
import type { Capability, CapabilityFlags } from "./capabilities";

export interface RouteCandidate extends CapabilityFlags {
  /** Model name, e.g. "gpt-4o-mini". */
  id: string;
  provider: string;
  /** Runs on the team's own hardware: the only kind a private task may reach. */
  local: boolean;
  enabled: boolean;
  /** Tokens, input + output. */
  contextWindow: number;
  /** Most output tokens one answer may have; null or absent: unknown, only the window bounds it. */
  maxOutputTokens?: number | null;
  inputPerMTokMicros: number;
  outputPerMTokMicros: number;
  /** Domains the model is known to be good at (a prior before any rating). */
  strengths: string[];
  costTier: string;
  p50LatencyMs?: number;
  /** This call's price when the caller already knows it (the replay benchmark); else tokens × prices. */
  estimatedCostMicros?: number;
}

export interface RouteSettings {
  /** 0 = cheapest acceptable … 1 = best expected quality whatever it costs. */
  qualityVsCost: number;
  /** When set (and non-empty), only these model ids may be chosen. */
  allowList?: string[];
  /**
   * The cost that weighs as much as one full point of quality at qualityVsCost 0.5. Unset: the
   * most expensive eligible candidate for this task, so the knob means the same for any prices.
   */
  costScaleMicros?: number;
  exploration?: Partial<ExplorationPolicy>;
}

export interface RouteContext {
  learned: LearningSnapshot;
  settings: RouteSettings;
  /** An explicit model id from the caller: chosen if it may take the task, else a refusal. */
  preference?: string;
  /** With an rng the router explores (Thompson sampling); without, it is deterministic. */
  rng?: () => number;
  /** What the request needs besides text (`requiredCapabilities`): models without it are ruled out. */
  needs?: Capability[];
  /** The answer's allowance the caller asked for (`OutputAsk`): models whose output limit cannot give it are ruled out. */
  output?: OutputAsk;
  /**
   * The request's images on model `id`, in prompt tokens as that model's vendor bills them. The caller
   * computes it (delegate(): `imageTokensOn` in lib/providers/images), so routing stays free of the
   * providers' tables; absent when the request has no images.
   */
  imageTokens?: (id: string) => number;
}

/**
 * An output allowance a caller asked for (its max_tokens for the answer), and what a model spends
 * beyond it at least (`beyond`: Claude's least thinking budget for reasoning_effort; else 0).
 */
export interface OutputAsk {
  tokens: number;
  beyond?: (c: RouteCandidate) => number;
}

export interface TrimPlan {
  fromTokens: number;
  toTokens: number;
  /** "trim": cut the middle of the context; "summarise": have `summariser` condense it first. */
  method: "trim" | "summarise";
  /** Cheapest eligible model for the summary (respects privacy); absent for "trim". */
  summariser?: string;
  reason: string;
}

export interface ScoredCandidate {
  id: string;
  quality: number;
  qualitySd: number;
  qualitySource: QualityEstimate["source"];
  evidence: number;
  costMicros: number;
  utility: number;
}

export interface RouteDecision {
  refused?: false;
  model: string;
  /** For a person: why this model, what it costs, what was ruled out. */
  reason: string;
  /** 0..1: probability that the chosen model really is the best trade-off among the eligible. */
  confidence: number;
  /** Next models to try, in order, if the call fails (all eligible for this task). */
  fallbacks: string[];
  estimatedCostMicros: number;
  /** True when Thompson sampling picked this model over the expected-value choice. */
  explored: boolean;
  /** Extra cost of exploring over the expected-value choice. */
  explorationCostMicros: number;
  trim?: TrimPlan;
  /** Every eligible candidate with its quality, cost and utility, best first. */
  scored: ScoredCandidate[];
  /** Candidates ruled out, with why. */
  excluded: { id: string; why: string }[];
}

export type RefusalCode =
  | "empty_task"
  | "no_candidates"
  | "private_needs_local"
  | "missing_capability"
  | "context_too_large"
  | "max_tokens_too_small"
  | "max_tokens_too_large"
  | "over_max_cost"
  | "over_max_time"
  | "preference_unavailable";

export interface RouteRefusal {
  refused: true;
  code: RefusalCode;
  /** Says why, and what to change. */
  message: string;
}

import type { Tier } from "./answers";

export type FleetVendor = "openai" | "anthropic" | "xai" | "mistral" | "ollama";

export interface ErrorRates {
  /** 429 with retry-after. */
  rateLimit: number;
  /** 500 in the vendor's error shape. */
  server: number;
  /** No answer at all: the socket is held until the client gives up or the fleet closes. */
  timeout: number;
  /** The stream stops part-way and the socket is destroyed (non-streaming: before the body). */
  drop: number;
}

export interface FleetModelConfig {
  name: string;
  vendor: FleetVendor;
  tier: Tier;
  contextWindow: number;
  /**
   * Most output tokens one answer may have (the vendor's documented limit): a request whose
   * max_tokens / max_completion_tokens is above it (Anthropic: max_tokens, thinking budget included)
   * gets the vendor's 400. Absent: no limit but the window (Ollama; vendors that document none).
   */
  maxOutputTokens?: number;
  /** Time to first token. */
  latencyMs: number;
  /** Streaming pace; 0 sends everything at once. */
  tokensPerSecond: number;
  errorRates: ErrorRates;
  /** Takes `tools`; without, a request with tools gets the vendor's 400. */
  toolCalling: boolean;
  /** Reads image parts; without, a request with an image gets the vendor's 400. */
  imageInput: boolean;
  /**
   * A reasoning model: takes `reasoning_effort` (Claude: `thinking`) and spends reasoning tokens by it;
   * without, a request with it gets the vendor's 400.
   */
  reasoningEffort: boolean;
  /**
   * Bills a prompt at one token per UTF-8 byte of its text (and of `tools`), the most any byte-level
   * tokenizer counts, instead of the estimate the app shares: a vendor whose tokenizer counts far
   * more than the app expects (budget tests). Off unless set through the control plane.
   */
  bytePromptTokens?: boolean;
}

export const NO_ERRORS: ErrorRates = { rateLimit: 0, server: 0, timeout: 0, drop: 0 };

const PACE: Record<Tier, { latencyMs: number; tokensPerSecond: number }> = {
  high: { latencyMs: 120, tokensPerSecond: 400 },
  medium: { latencyMs: 70, tokensPerSecond: 600 },
  low: { latencyMs: 40, tokensPerSecond: 800 },
  local: { latencyMs: 25, tokensPerSecond: 300 },
};

function model(name: string, vendor: FleetVendor, tier: Tier, contextWindow: number, maxOutputTokens: number | null, caps: { tools: boolean; images: boolean; reasoning?: boolean }): FleetModelConfig {
  return {
    name,
    vendor,
    tier,
    contextWindow,
    ...(maxOutputTokens === null ? {} : { maxOutputTokens }),
    ...PACE[tier],
    errorRates: { ...NO_ERRORS },
    toolCalling: caps.tools,
    imageInput: caps.images,
    reasoningEffort: caps.reasoning === true,
  };
}

const TEXT_AND_TOOLS = { tools: true, images: false };
const ALL = { tools: true, images: true };

/**
 * One entry per model of lib/providers DEFAULT_CATALOG (same names, context windows, output limits and
 * capabilities; a test keeps them in step). mock-fleet imports nothing from the app, so the list is
 * repeated here (the output limits' sources are in catalog.ts).
 */
export const DEFAULT_FLEET: FleetModelConfig[] = [
  model("gpt-4.1", "openai", "high", 1_047_576, 32_768, ALL),
  model("gpt-4.1-mini", "openai", "medium", 1_047_576, 32_768, ALL),
  model("gpt-4o-mini", "openai", "low", 128_000, 16_384, ALL),
  model("claude-sonnet-4-20250514", "anthropic", "high", 200_000, 64_000, { ...ALL, reasoning: true }),
  model("claude-3-5-haiku-20241022", "anthropic", "medium", 200_000, 8_192, TEXT_AND_TOOLS),
  model("grok-3", "xai", "high", 131_072, null, TEXT_AND_TOOLS),
  model("grok-3-mini", "xai", "medium", 131_072, null, { ...TEXT_AND_TOOLS, reasoning: true }),
  model("mistral-large-latest", "mistral", "high", 131_072, null, TEXT_AND_TOOLS),
  model("mistral-small-latest", "mistral", "low", 131_072, null, ALL),
  model("codestral-latest", "mistral", "medium", 256_000, null, TEXT_AND_TOOLS),
  model("llama3.1:8b", "ollama", "local", 131_072, null, TEXT_AND_TOOLS),
  model("qwen2.5-coder:7b", "ollama", "local", 32_768, null, TEXT_AND_TOOLS),
];

export function defaultFleet(): FleetModelConfig[] {
  return DEFAULT_FLEET.map((m) => ({ ...m, errorRates: { ...m.errorRates } }));
}

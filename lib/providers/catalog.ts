import prices from "./prices.json";

export type ProviderKind = "openai" | "anthropic" | "xai" | "mistral" | "ollama";
export const PROVIDER_KINDS: readonly ProviderKind[] = ["openai", "anthropic", "xai", "mistral", "ollama"];

/** The task domains used by analysis, routing and learning (one vocabulary, defined in lib/analysis). */
export { DOMAINS, type Domain } from "@/lib/analysis/types";
import type { Domain } from "@/lib/analysis/types";

export type CostTier = "low" | "medium" | "high" | "free";

export interface CatalogModel {
  provider: ProviderKind;
  model: string;
  displayName: string;
  contextWindow: number;
  /** Most output tokens one answer may have (the vendor's documented limit); null where the vendor documents none. */
  maxOutputTokens: number | null;
  /** Integer micro-dollars per million tokens. */
  inputPerMTokMicros: number;
  outputPerMTokMicros: number;
  cachedInputPerMTokMicros: number | null;
  strengths: Domain[];
  costTier: CostTier;
  /** Domains where this model is the best value, not merely capable. */
  optimalFor: Domain[];
  local: boolean;
  /** Accepts function tools (`tools` / `tool_choice`), per the vendor's model documentation. */
  toolCalling: boolean;
  /** Reads images in user messages, per the vendor's model documentation. */
  imageInput: boolean;
  /** A reasoning model, per the vendor's model documentation: takes OpenAI's `reasoning_effort`, or has Anthropic's extended thinking. */
  reasoningEffort: boolean;
}

export interface ModelPrices {
  inputPerMTokMicros: number;
  outputPerMTokMicros: number;
  cachedInputPerMTokMicros: number | null;
}

type PriceRow = { input: number; output: number; cachedInput: number | null };
const PRICE_TABLE = prices.models as Record<string, PriceRow>;
export const PRICE_SOURCE = { source: prices.source, retrieved: prices.retrieved };

/** Looks up `provider/model` in prices.json; throws so a typo never becomes a free model. */
export function pricesFor(provider: ProviderKind, model: string): ModelPrices {
  const row = PRICE_TABLE[`${provider}/${model}`];
  if (!row) throw new Error(`No price for ${provider}/${model} in lib/providers/prices.json`);
  return { inputPerMTokMicros: row.input, outputPerMTokMicros: row.output, cachedInputPerMTokMicros: row.cachedInput };
}

/**
 * Cost tier from the output price, which dominates typical bills:
 * free = 0, low < $2/M, medium < $10/M, high otherwise.
 */
export function costTierFor(p: ModelPrices): CostTier {
  if (p.inputPerMTokMicros === 0 && p.outputPerMTokMicros === 0) return "free";
  if (p.outputPerMTokMicros < 2_000_000) return "low";
  if (p.outputPerMTokMicros < 10_000_000) return "medium";
  return "high";
}

type Spec = Omit<CatalogModel, keyof ModelPrices | "costTier">;

/*
 * toolCalling / imageInput / reasoningEffort from the vendors' model pages: every model here takes
 * function tools (Ollama lists "tools" for llama3.1 and qwen2.5-coder); images are read by GPT-4.1 /
 * 4.1 mini / 4o mini, Claude Sonnet 4 and Mistral Small (3.1 and later), not by Claude 3.5 Haiku
 * (launched text-only), Grok 3 / 3 mini (xAI's vision models are the -vision ones), Mistral Large
 * 24.11 (Pixtral Large is its vision sibling), Codestral, or the two local text models. Reasoning
 * effort: Grok 3 mini takes `reasoning_effort` (grok-3 refuses it; OpenAI's o-series and gpt-5 take it
 * and are not listed), and Claude Sonnet 4 has extended thinking, which a reasoning_effort becomes for
 * Anthropic models (lib/providers/call.ts; Claude 3.5 Haiku has none). They seed the `models` row's
 * flags of a new installation, which an admin changes in Admin → Models and the router reads.
 *
 * maxOutputTokens, the most one answer may have, from the vendors' model pages: GPT-4.1 and 4.1 mini
 * 32,768, GPT-4o mini 16,384, Claude Sonnet 4 64,000, Claude 3.5 Haiku 8,192. xAI and Mistral state
 * no output limit apart from the context window for these models, and Ollama has none (num_predict is
 * bounded by the window), so theirs is null — unknown: only the window bounds a request to them.
 */
const SPECS: Spec[] = [
  {
    provider: "openai",
    model: "gpt-4.1",
    displayName: "GPT-4.1",
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    strengths: ["code", "debug", "analysis", "planning", "docs", "math"],
    optimalFor: ["code", "planning"],
    local: false,
    toolCalling: true,
    imageInput: true,
    reasoningEffort: false,
  },
  {
    provider: "openai",
    model: "gpt-4.1-mini",
    displayName: "GPT-4.1 mini",
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    strengths: ["code", "docs", "summary", "analysis", "chat"],
    optimalFor: ["docs", "summary"],
    local: false,
    toolCalling: true,
    imageInput: true,
    reasoningEffort: false,
  },
  {
    provider: "openai",
    model: "gpt-4o-mini",
    displayName: "GPT-4o mini",
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    strengths: ["chat", "summary", "translation"],
    optimalFor: ["chat", "translation"],
    local: false,
    toolCalling: true,
    imageInput: true,
    reasoningEffort: false,
  },
  {
    provider: "anthropic",
    model: "claude-sonnet-4-20250514",
    displayName: "Claude Sonnet 4",
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    strengths: ["code", "debug", "analysis", "planning", "creative", "docs"],
    optimalFor: ["debug", "analysis"],
    local: false,
    toolCalling: true,
    imageInput: true,
    reasoningEffort: true,
  },
  {
    provider: "anthropic",
    model: "claude-3-5-haiku-20241022",
    displayName: "Claude 3.5 Haiku",
    contextWindow: 200_000,
    maxOutputTokens: 8_192,
    strengths: ["summary", "chat", "code", "translation"],
    optimalFor: ["summary"],
    local: false,
    toolCalling: true,
    imageInput: false,
    reasoningEffort: false,
  },
  {
    provider: "xai",
    model: "grok-3",
    displayName: "Grok 3",
    contextWindow: 131_072,
    maxOutputTokens: null,
    strengths: ["analysis", "math", "planning", "creative", "chat"],
    optimalFor: ["creative"],
    local: false,
    toolCalling: true,
    imageInput: false,
    reasoningEffort: false,
  },
  {
    provider: "xai",
    model: "grok-3-mini",
    displayName: "Grok 3 mini",
    contextWindow: 131_072,
    maxOutputTokens: null,
    strengths: ["math", "analysis", "chat"],
    optimalFor: ["math"],
    local: false,
    toolCalling: true,
    imageInput: false,
    reasoningEffort: true,
  },
  {
    provider: "mistral",
    model: "mistral-large-latest",
    displayName: "Mistral Large",
    contextWindow: 131_072,
    maxOutputTokens: null,
    strengths: ["translation", "analysis", "docs", "code", "creative"],
    optimalFor: ["translation"],
    local: false,
    toolCalling: true,
    imageInput: false,
    reasoningEffort: false,
  },
  {
    provider: "mistral",
    model: "mistral-small-latest",
    displayName: "Mistral Small",
    contextWindow: 131_072,
    maxOutputTokens: null,
    strengths: ["chat", "summary", "translation"],
    optimalFor: ["chat", "summary"],
    local: false,
    toolCalling: true,
    imageInput: true,
    reasoningEffort: false,
  },
  {
    provider: "mistral",
    model: "codestral-latest",
    displayName: "Codestral",
    contextWindow: 256_000,
    maxOutputTokens: null,
    strengths: ["code", "debug"],
    optimalFor: ["code"],
    local: false,
    toolCalling: true,
    imageInput: false,
    reasoningEffort: false,
  },
  {
    provider: "ollama",
    model: "llama3.1:8b",
    displayName: "Llama 3.1 8B (local)",
    contextWindow: 131_072,
    maxOutputTokens: null,
    strengths: ["chat", "summary"],
    optimalFor: ["chat"],
    local: true,
    toolCalling: true,
    imageInput: false,
    reasoningEffort: false,
  },
  {
    provider: "ollama",
    model: "qwen2.5-coder:7b",
    displayName: "Qwen2.5 Coder 7B (local)",
    contextWindow: 32_768,
    maxOutputTokens: null,
    strengths: ["code", "debug"],
    optimalFor: ["code"],
    local: true,
    toolCalling: true,
    imageInput: false,
    reasoningEffort: false,
  },
];

/** The models Mission Control knows out of the box; prices come from prices.json. */
export const DEFAULT_CATALOG: CatalogModel[] = SPECS.map((s) => {
  const p = pricesFor(s.provider, s.model);
  return { ...s, ...p, costTier: costTierFor(p) };
});

export interface ProviderDefinition {
  kind: ProviderKind;
  name: string;
  /** Base URL the SDK is given when talking to the mock fleet at `mockFleetUrl`. */
  baseUrl(mockFleetUrl: string): string;
  /** The vendor's real endpoint, for deployments with internet access. */
  vendorBaseUrl: string;
  local: boolean;
}

const trim = (u: string) => u.replace(/\/+$/, "");

// The OpenAI SDK appends paths to a baseURL ending in /v1; the Anthropic SDK adds /v1 itself.
export const DEFAULT_PROVIDERS: ProviderDefinition[] = [
  { kind: "openai", name: "OpenAI", baseUrl: (u) => `${trim(u)}/v1`, vendorBaseUrl: "https://api.openai.com/v1", local: false },
  { kind: "anthropic", name: "Anthropic", baseUrl: (u) => trim(u), vendorBaseUrl: "https://api.anthropic.com", local: false },
  { kind: "xai", name: "xAI", baseUrl: (u) => `${trim(u)}/v1`, vendorBaseUrl: "https://api.x.ai/v1", local: false },
  { kind: "mistral", name: "Mistral", baseUrl: (u) => `${trim(u)}/v1`, vendorBaseUrl: "https://api.mistral.ai/v1", local: false },
  { kind: "ollama", name: "Ollama (local)", baseUrl: (u) => `${trim(u)}/v1`, vendorBaseUrl: "http://127.0.0.1:11434/v1", local: true },
];

export interface ResolvedProvider {
  kind: ProviderKind;
  name: string;
  baseUrl: string;
  local: boolean;
}

/** The default providers pointed at a running mock fleet (e.g. "http://127.0.0.1:4010"). */
export function defaultProviders(mockFleetUrl: string): ResolvedProvider[] {
  return DEFAULT_PROVIDERS.map((p) => ({ kind: p.kind, name: p.name, baseUrl: p.baseUrl(mockFleetUrl), local: p.local }));
}

export function findCatalogModel(model: string, catalog: CatalogModel[] = DEFAULT_CATALOG): CatalogModel | undefined {
  return catalog.find((m) => m.model === model);
}

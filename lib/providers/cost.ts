import type { ModelPrices } from "./catalog";

export { estimateTokens, estimateMessagesTokens, estimateToolsTokens, promptTokensAtMost } from "./tokens";

export interface TokenUsage {
  /** All prompt tokens, cached ones included (OpenAI's prompt_tokens; Anthropic's input + cache reads). */
  inputTokens: number;
  outputTokens: number;
  /** The part of inputTokens served from the prompt cache, billed at the cached price. */
  cachedInputTokens?: number;
}

const MICROS_PER_MTOK = 1_000_000n;

function count(name: string, n: number): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
  return BigInt(n);
}

/** Sum of tokens × micro-dollars-per-million-tokens; exact, in BigInt so large totals cannot lose precision. */
function scaledCost(usage: TokenUsage, prices: ModelPrices): bigint {
  const input = count("inputTokens", usage.inputTokens);
  const cached = count("cachedInputTokens", usage.cachedInputTokens ?? 0);
  if (cached > input) throw new RangeError(`cachedInputTokens (${cached}) exceeds inputTokens (${input})`);
  const cachedPrice = prices.cachedInputPerMTokMicros ?? prices.inputPerMTokMicros;
  return (
    (input - cached) * count("inputPerMTokMicros", prices.inputPerMTokMicros) +
    cached * count("cachedInputPerMTokMicros", cachedPrice) +
    count("outputTokens", usage.outputTokens) * count("outputPerMTokMicros", prices.outputPerMTokMicros)
  );
}

/**
 * Cost of one call in integer micro-dollars, rounded half up once at the end (never per part),
 * so 1 token at $0.15/M (0.15 µ$) costs 0 and 4 tokens (0.6 µ$) cost 1.
 */
export function costMicros(usage: TokenUsage, prices: ModelPrices): number {
  const scaled = scaledCost(usage, prices);
  return Number((scaled + MICROS_PER_MTOK / 2n) / MICROS_PER_MTOK);
}

/**
 * The most output tokens a call may be allowed so that it costs at most `budgetMicros` with
 * `promptTokens` at the full input price (`maxCostMicros` of the two ≤ the budget): 0 when the
 * prompt alone costs more, Infinity when the model's output is free.
 */
export function outputTokensWithin(budgetMicros: number, promptTokens: number, prices: ModelPrices): number {
  const left = BigInt(Math.max(0, Math.floor(budgetMicros))) * MICROS_PER_MTOK - count("promptTokens", promptTokens) * count("inputPerMTokMicros", prices.inputPerMTokMicros);
  if (left < 0n) return 0;
  const out = count("outputPerMTokMicros", prices.outputPerMTokMicros);
  return out === 0n ? Infinity : Number(left / out);
}

/**
 * Upper bound for a budget reservation: every prompt token at the full input price and the whole
 * output allowance used, rounded up, so settlement never exceeds what was reserved.
 */
export function maxCostMicros(promptTokens: number, maxOutputTokens: number, prices: ModelPrices): number {
  const scaled = scaledCost({ inputTokens: promptTokens, outputTokens: maxOutputTokens }, prices);
  return Number((scaled + MICROS_PER_MTOK - 1n) / MICROS_PER_MTOK);
}

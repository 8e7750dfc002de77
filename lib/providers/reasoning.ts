/**
 * What a model's reasoning effort flag means for each provider kind, in one place for the adapters,
 * the router's fleet, Admin → Models and budget holds. Pure: no SDK, so client components import it.
 */

/** OpenAI's reasoning_effort: how long a reasoning model thinks before answering. */
export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh";

/**
 * Extended thinking's `budget_tokens` for each reasoning_effort (Anthropic takes no effort, only a
 * budget of at least 1,024, its floor, which minimal and low both get). xhigh stays under Claude Opus
 * 4's 32,000 output tokens with room for the answer.
 */
export const THINKING_BUDGET_TOKENS: Readonly<Record<Exclude<ReasoningEffort, "none">, number>> = { minimal: 1_024, low: 1_024, medium: 4_096, high: 16_384, xhigh: 24_576 };

/**
 * The output tokens a call may spend beyond its max_tokens, which the answer keeps for itself: an
 * Anthropic model's thinking budget when reasoning_effort asks it to think, else 0. Budget holds add
 * it, as the tokens are billed as output.
 */
export function thinkingBudget(kind: string, effort: ReasoningEffort | undefined): number {
  return kind === "anthropic" && effort !== undefined && effort !== "none" ? THINKING_BUDGET_TOKENS[effort] : 0;
}

/**
 * The least a call spends beyond its answer's allowance: Anthropic's floor of 1,024 thinking tokens,
 * to which a Claude model's budget may shrink to fit (lib/providers/call.ts `fitThinkingBudget`), when
 * it thinks; else 0. A model's output limit must hold it beside the answer.
 */
export function leastThinkingBudget(kind: string, effort: ReasoningEffort | undefined): number {
  return thinkingBudget(kind, effort) ? THINKING_BUDGET_TOKENS.minimal : 0;
}

/**
 * How long Mission Control keeps the thinking of a Claude answer that called tools (by the team and
 * the tool call ids), for the conversation's next turn to send back; older thinking is not looked up
 * and is pruned. An agent loop's next turn follows within seconds or minutes.
 */
export const THINKING_KEPT_HOURS = 24;

/**
 * The most hidden reasoning a call can have been billed for when it ended early, before the provider
 * reported its usage: a Claude model's whole thinking budget — the one it was sent (`sentBudget`, which
 * may be shrunk to fit the context window), else the effort's — as it thinks before the answer and only
 * a summary is streamed; an OpenAI-compatible reasoning model's output allowance beyond the answer
 * tokens received (its reasoning counts inside max_completion_tokens); else 0.
 */
export function reasoningAtMost(kind: string, effort: ReasoningEffort | undefined, maxOutputTokens: number, answerTokens: number, sentBudget?: number): number {
  if (effort === undefined || effort === "none") return 0;
  if (kind === "anthropic") return sentBudget ?? thinkingBudget(kind, effort);
  return takesReasoningEffort(kind) ? Math.max(0, maxOutputTokens - answerTokens) : 0;
}

/**
 * Mistral's reasoning models answer with thinking chunks inside the message's content, which the
 * adapter does not tell apart from the answer: no reasoning_effort is sent to a Mistral model, and
 * its flag cannot be ticked.
 */
export const takesReasoningEffort = (kind: string): boolean => kind !== "mistral";

const n = (x: number) => x.toLocaleString("en-US");
/** The budgets as the docs and the admin form state them. */
export const THINKING_BUDGETS_IN_WORDS = `${n(THINKING_BUDGET_TOKENS.low)} tokens (minimal, low), ${n(THINKING_BUDGET_TOKENS.medium)} (medium), ${n(THINKING_BUDGET_TOKENS.high)} (high) or ${n(THINKING_BUDGET_TOKENS.xhigh)} (xhigh)`;

/** What ticking "Reasoning effort" means for a model of this provider kind (Admin → Models), or why it cannot be ticked. */
export function reasoningEffortHelp(kind: string): string {
  if (!takesReasoningEffort(kind)) {
    return "Reasoning effort cannot be ticked for Mistral models: Mistral's reasoning models answer with their thinking inside the message, which Mission Control cannot keep out of the answer, so it sends them no reasoning_effort.";
  }
  if (kind === "anthropic") {
    return (
      `Reasoning effort on Claude models is extended thinking: a request's reasoning_effort is sent as thinking with a budget of ${THINKING_BUDGETS_IN_WORDS}, ` +
      "added to max_tokens and billed as output; the thinking is not part of the answer. Claude Sonnet 4, Opus 4 and 3.7 Sonnet have it; Claude 3.5 Haiku does not."
    );
  }
  return "Reasoning effort: a reasoning model whose endpoint takes OpenAI's reasoning_effort (how long it thinks before answering), sent as it is, as o4-mini, gpt-5 and grok-3-mini take it.";
}

/**
 * Token estimate for prompts before a call (budget reservations, context-window checks).
 * No tokenizer ships with the app, so this is ceil(chars / 4) plus a small per-message
 * overhead; the mock fleet bills with the same rule (a test keeps them identical), and real
 * vendors' counts land within a few tens of percent for English text and code.
 */
export const CHARS_PER_TOKEN = 4;
export const MESSAGE_OVERHEAD_TOKENS = 4;
export const REQUEST_OVERHEAD_TOKENS = 3;

export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Estimated prompt tokens of a whole chat request, system message included. */
export function estimateMessagesTokens(messages: { content: string }[]): number {
  let n = REQUEST_OVERHEAD_TOKENS;
  for (const m of messages) n += MESSAGE_OVERHEAD_TOKENS + estimateTokens(m.content);
  return n;
}

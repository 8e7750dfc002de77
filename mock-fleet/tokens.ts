/**
 * Deterministic token estimate used by the mock fleet to bill requests: about 4 characters per
 * token, one per wide character (CJK, kana, hangul — as real vendors' tokenizers come close to),
 * plus a small per-message overhead like the chat formats of real vendors. No tokenizer is
 * installed, so this is a heuristic; lib/providers/tokens.ts implements the same rule and a test
 * keeps the two in agreement.
 */
export const CHARS_PER_TOKEN = 4;
export const MESSAGE_OVERHEAD_TOKENS = 4;
export const REQUEST_OVERHEAD_TOKENS = 3;
/** Billed per image, whatever its size (the same figure as lib/providers/tokens.ts). */
export const IMAGE_TOKENS = 1_600;

export function estimateTokens(text: string): number {
  let wide = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x2e80) wide++;
  return Math.ceil((text.length - wide) / CHARS_PER_TOKEN + wide);
}

type Counted = { content: string; name?: string; images?: number };

/** The one walk both counts share: overheads, images, and each text (content; a name costs its tokens plus one) counted by `text`. */
function countMessages(messages: Counted[], text: (s: string) => number): number {
  let n = REQUEST_OVERHEAD_TOKENS;
  for (const m of messages) n += MESSAGE_OVERHEAD_TOKENS + text(m.content) + (m.name ? text(m.name) + 1 : 0) + IMAGE_TOKENS * (m.images ?? 0);
  return n;
}

export function estimateMessagesTokens(messages: Counted[]): number {
  return countMessages(messages, estimateTokens);
}

/** Prompt tokens at one per UTF-8 byte of the text (a model with `bytePromptTokens`), overheads and images as above. */
export function bytePromptTokens(messages: Counted[], tools: unknown): number {
  return countMessages(messages, (s) => Buffer.byteLength(s)) + (tools === undefined ? 0 : Buffer.byteLength(JSON.stringify(tools)));
}

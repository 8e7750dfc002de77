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

export function estimateMessagesTokens(messages: { content: string; name?: string; images?: number }[]): number {
  let n = REQUEST_OVERHEAD_TOKENS;
  // A participant's name (OpenAI's messages[].name) costs its tokens plus one.
  for (const m of messages) n += MESSAGE_OVERHEAD_TOKENS + estimateTokens(m.content) + (m.name ? estimateTokens(m.name) + 1 : 0) + IMAGE_TOKENS * (m.images ?? 0);
  return n;
}

/** Prompt tokens at one per UTF-8 byte of the text (a model with `bytePromptTokens`), overheads and images as above. */
export function bytePromptTokens(messages: { content: string; name?: string; images?: number }[], tools: unknown): number {
  let n = REQUEST_OVERHEAD_TOKENS + (tools === undefined ? 0 : Buffer.byteLength(JSON.stringify(tools)));
  for (const m of messages) n += MESSAGE_OVERHEAD_TOKENS + Buffer.byteLength(m.content) + (m.name ? Buffer.byteLength(m.name) + 1 : 0) + IMAGE_TOKENS * (m.images ?? 0);
  return n;
}

import { imageTokens, type BilledImage } from "./images";

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

export function estimateTokens(text: string): number {
  let wide = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x2e80) wide++;
  return Math.ceil((text.length - wide) / CHARS_PER_TOKEN + wide);
}

type Counted = { content: string; name?: string; images?: BilledImage[] };

/**
 * The one walk both counts share: overheads, images (as `model`'s vendor bills them, images.ts), and
 * each text (content; a name costs its tokens plus one) counted by `text`.
 */
function countMessages(messages: Counted[], model: string, text: (s: string) => number): number {
  let n = REQUEST_OVERHEAD_TOKENS;
  for (const m of messages) {
    n += MESSAGE_OVERHEAD_TOKENS + text(m.content) + (m.name ? text(m.name) + 1 : 0);
    for (const image of m.images ?? []) n += imageTokens(model, image);
  }
  return n;
}

/** A request's prompt tokens on `model` (left out: a model with no known image rule). */
export function estimateMessagesTokens(messages: Counted[], model = ""): number {
  return countMessages(messages, model, estimateTokens);
}

/** Prompt tokens at one per UTF-8 byte of the text (a model with `bytePromptTokens`), overheads and images as above. */
export function bytePromptTokens(messages: Counted[], tools: unknown, model = ""): number {
  return countMessages(messages, model, (s) => Buffer.byteLength(s)) + (tools === undefined ? 0 : Buffer.byteLength(JSON.stringify(tools)));
}

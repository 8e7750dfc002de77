/**
 * Token estimate for prompts before a call (budget reservations, context-window checks).
 * No tokenizer ships with the app, so this is ceil(chars / 4) plus a small per-message
 * overhead; the mock fleet bills with the same rule (a test keeps them identical), and real
 * vendors' counts land within a few tens of percent for English text and code.
 */
export const CHARS_PER_TOKEN = 4;
export const MESSAGE_OVERHEAD_TOKENS = 4;
export const REQUEST_OVERHEAD_TOKENS = 3;
/**
 * An image, whatever its size: about what Anthropic bills for one of 1.15 megapixels, the most it
 * reads without scaling down (OpenAI bills a high-detail 1024×1024 image at 765 with GPT-4o).
 */
export const IMAGE_TOKENS = 1_600;

export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Images (`image_url` parts) in a chat request's messages. */
export function countImages(messages: readonly { content: string; parts?: readonly { type: string }[] }[]): number {
  let n = 0;
  for (const m of messages) for (const p of m.parts ?? []) if (p.type === "image_url") n++;
  return n;
}

/** Estimated prompt tokens of `images` images: the one rule for budget holds and the router's sizing. */
export const imageTokens = (images: number): number => images * IMAGE_TOKENS;

/** Estimated prompt tokens of a whole chat request, system message and images included. */
export function estimateMessagesTokens(messages: { content: string; parts?: readonly { type: string }[] }[]): number {
  let n = REQUEST_OVERHEAD_TOKENS + imageTokens(countImages(messages));
  for (const m of messages) n += MESSAGE_OVERHEAD_TOKENS + estimateTokens(m.content);
  return n;
}

import { imageEstimateOn, imageTokensOn, imagesOf, type ImagePart } from "./images";

/**
 * Token estimate for prompts before a call (budget reservations, context-window checks, the
 * analyser's sizing: one rule for all). No tokenizer ships with the app, so this is about
 * 4 characters per token for prose and code, one token per wide character (CJK ideographs, kana,
 * hangul, full-width forms; an emoji's two UTF-16 halves count two), plus a small per-message
 * overhead. The mock fleet bills with the same rule (a test keeps them identical); real vendors'
 * counts land within a few tens of percent for English text and code, and near one token per
 * character for Chinese and Japanese — where chars / 4 alone held a quarter of the real cost.
 */
export const CHARS_PER_TOKEN = 4;
export const MESSAGE_OVERHEAD_TOKENS = 4;
export const REQUEST_OVERHEAD_TOKENS = 3;
/** Code units from here up count one token each. */
export const WIDE_CHAR_FROM = 0x2e80;
const WIDE = /[\u2e80-\uffff]/;

export function estimateTokens(text: string): number {
  if (!text) return 0;
  // Most texts have no wide character: the regex engine rules that out faster than a JS loop.
  if (!WIDE.test(text)) return Math.ceil(text.length / CHARS_PER_TOKEN);
  let wide = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= WIDE_CHAR_FROM) wide++;
  return Math.ceil((text.length - wide) / CHARS_PER_TOKEN + wide);
}

type CountedMessage = { content: string; name?: string; parts?: readonly ImagePart[]; tool_calls?: unknown };

/**
 * The one walk over a request's messages that both counts share: the request's and each message's
 * overhead, images (as `model`'s vendor bills them: images.ts), and each text (content, a
 * participant's name — its tokens plus one, as OpenAI counts it — and, for the bound, the tool
 * calls' JSON) counted by `text`.
 */
function countMessages(messages: readonly CountedMessage[], text: (s: string) => number, toolCalls: boolean, model: string | undefined, images: typeof imageTokensOn): number {
  let n = REQUEST_OVERHEAD_TOKENS + images(model, imagesOf(messages));
  for (const m of messages) {
    n += MESSAGE_OVERHEAD_TOKENS + text(m.content) + (m.name ? text(m.name) + 1 : 0);
    if (toolCalls && m.tool_calls !== undefined) n += text(JSON.stringify(m.tool_calls));
  }
  return n;
}

/**
 * Estimated prompt tokens of a whole chat request on `model`, system message, names and images
 * included (images at `imageEstimateFor`: the vendor's count, or a typical one for a model with no known rule).
 */
export function estimateMessagesTokens(messages: readonly CountedMessage[], model?: string): number {
  return countMessages(messages, estimateTokens, false, model, imageEstimateOn);
}

/** Estimated prompt tokens of a request's tool definitions (billed as prompt; `estimateMessagesTokens` leaves them out). */
export function estimateToolsTokens(tools: unknown): number {
  return tools === undefined ? 0 : estimateTokens(JSON.stringify(tools));
}

const NON_ASCII = /[^\x00-\x7f]/;

/** UTF-8 length of `text` (Buffer is not in the browser, where this file also runs). */
export function utf8Bytes(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A surrogate half is half of a 4-byte character.
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3;
  }
  return n;
}

/**
 * The most prompt tokens a vendor can bill for this request's text — what a budget hold is sized by,
 * where `estimateMessagesTokens` (the estimate) sizes everything else. Every tokenizer these providers
 * use (byte-level BPE: OpenAI, Anthropic, xAI, Mistral's Tekken, Llama 3; SentencePiece with byte
 * fallback) makes each token of text out of at least one UTF-8 byte, so a text's bytes bound its
 * tokens, with the chat format's per-message tokens on top. The estimate is not a bound: a real
 * tokenizer counts about 2× it for JSON with ids, 2.7× for base64, 1.7× for digits and 2.3–4× for
 * Devanagari (measured with OpenAI's o200k and cl100k encodings), so a hold sized by it could be
 * passed by what the call is billed. Tool definitions and the tool calls in the conversation are
 * billed as prompt too and count here; the estimate leaves them out. Images count as `model`'s vendor
 * bills them (images.ts): the exact count for a size read from a data URL, else the rule's most.
 */
export function promptTokensAtMost(messages: readonly CountedMessage[], tools?: unknown, model?: string): number {
  return countMessages(messages, utf8Bytes, true, model, imageTokensOn) + (tools === undefined ? 0 : utf8Bytes(JSON.stringify(tools)));
}

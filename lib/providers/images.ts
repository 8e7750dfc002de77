/**
 * An image's prompt tokens per model, as its vendor bills them: the budget hold must be a true bound
 * of what a call can cost, and vendors bill one picture anywhere from 85 tokens (OpenAI, detail
 * "low") to 48,169 (gpt-4o-mini, a large image at high detail). Each image counts by its model's
 * rule applied to its size when the size can be read (a base64 data URL's header), else at that
 * rule's most. The mock fleet bills with the same rules (mock-fleet/images.ts; a test keeps them equal).
 */

export type ImageDetail = "auto" | "low" | "high";
export type ImageSize = { width: number; height: number };
/** An image of a request as the rules need it: its size (null when it cannot be read) and OpenAI's `detail`. */
export type ImageRef = { size: ImageSize | null; detail?: ImageDetail };

type Rule =
  | { kind: "tiles"; base: number; perTile: number }
  | { kind: "patches"; multiplier: number }
  | { kind: "area" }
  | { kind: "flat"; tokens: number };

/*
 * The rules, as the vendors' vision pages give them (checked here against what quotes them:
 * community.openai.com/t/1230130 and /1262691, a64.in/tools/openai-vision-cost-calculator.html,
 * pypi.org/project/pictoken, visionsqueezer.com/providers/claude, and for Mistral Scaleway's
 * Pixtral 12B page and mistralai.github.io/mistral-common/usage/images):
 * - OpenAI tiles (platform.openai.com/docs/guides/images-vision, "Calculating costs"): detail "low"
 *   bills the base; "high" / "auto" scale the image to fit 2048×2048, then its shortest side down to
 *   768, and bill base + per tile for each 512-px tile (1024×1024 → 85 + 4 × 170 = 765; 2048×4096 →
 *   1,105). GPT-4o mini bills the same tiles at 2,833 + 5,667 each, so that an image costs what it
 *   costs on GPT-4o. Scaled sides are rounded, as bills show (2049×513: 8 tiles; 2050×513: 4).
 * - OpenAI patches (same page: GPT-4.1 mini / nano, o4-mini): 32-px patches, at most 1,536 (a larger
 *   image is scaled down to whole patches: 1800×2400 → 1,452), times 1.62 / 2.46 / 1.72; detail does
 *   not change it.
 * - Anthropic (docs.anthropic.com, "Vision", "Calculate image costs"): width × height / 750, after an
 *   image with a long edge over 1,568 px or over ~1,600 tokens is scaled down, so at most 1,600.
 * - Mistral: no per-image rule for Mistral Small could be found. Its documented neighbour, Pixtral
 *   12B, reads 16-px patches of an image scaled to fit 1024×1024 (at most 4,096 tokens), and
 *   mistral-common's tokenizer adds an [IMG_BREAK] per row and an [IMG_END]: 64 more. Every Mistral
 *   Small image is held at that 4,160, whatever its size, as a bound rather than a count.
 */
const OPENAI_TILES: Rule = { kind: "tiles", base: 85, perTile: 170 };
const RULES: Record<string, Rule> = {
  "gpt-4o": OPENAI_TILES,
  "gpt-4.1": OPENAI_TILES,
  "gpt-4o-mini": { kind: "tiles", base: 2_833, perTile: 5_667 },
  "gpt-4.1-mini": { kind: "patches", multiplier: 1.62 },
  "gpt-4.1-nano": { kind: "patches", multiplier: 2.46 },
  "o4-mini": { kind: "patches", multiplier: 1.72 },
  "mistral-small-latest": { kind: "flat", tokens: 4_160 },
};

const MAX_TILES = 8; // 2048 × 768 after scaling: 4 × 2 tiles
const MAX_PATCHES = 1_536;
const ANTHROPIC_MAX = 1_600;

/** The most a rule bills for one image of any size, at high detail. */
function mostOf(rule: Rule): number {
  if (rule.kind === "tiles") return rule.base + rule.perTile * MAX_TILES;
  if (rule.kind === "patches") return Math.ceil(MAX_PATCHES * rule.multiplier);
  if (rule.kind === "area") return ANTHROPIC_MAX;
  return rule.tokens;
}

/**
 * A model with no known rule (one an admin added, any OpenAI-compatible endpoint) is held at the most
 * any known rule bills for an image (gpt-4o-mini's 48,169): whatever serves it, no documented vendor
 * bills an image more, and a smaller figure could be passed by the bill.
 */
export const UNKNOWN_MODEL_IMAGE_TOKENS = Math.max(...Object.values(RULES).map(mostOf));
const UNKNOWN: Rule = { kind: "flat", tokens: UNKNOWN_MODEL_IMAGE_TOKENS };

/** A model's rule: by its name, a dated snapshot (`gpt-4o-mini-2024-07-18`) as its family; every Claude model by Anthropic's. */
function ruleFor(model: string): Rule {
  const name = model.replace(/-\d{4}-\d{2}-\d{2}$/, "");
  return RULES[name] ?? (name.startsWith("claude-") ? { kind: "area" } : UNKNOWN);
}

/** An OpenAI tile model's 512-px tiles for a high-detail image (pixel sizes rounded as OpenAI bills them). */
function tiles(size: ImageSize): number {
  const fit = Math.min(1, 2048 / Math.max(size.width, size.height));
  let w = Math.max(1, Math.round(size.width * fit));
  let h = Math.max(1, Math.round(size.height * fit));
  const short = Math.min(1, 768 / Math.min(w, h));
  w = Math.max(1, Math.round(w * short));
  h = Math.max(1, Math.round(h * short));
  return Math.ceil(w / 512) * Math.ceil(h / 512);
}

/** An OpenAI patch model's 32-px patches, an image over the cap scaled down to whole patches as OpenAI's page shows. */
function patches(size: ImageSize): number {
  const { width: w, height: h } = size;
  const raw = Math.ceil(w / 32) * Math.ceil(h / 32);
  if (raw <= MAX_PATCHES) return raw;
  const shrink = Math.sqrt((32 * 32 * MAX_PATCHES) / (w * h));
  const across = (w * shrink) / 32;
  const down = (h * shrink) / 32;
  const s = shrink * Math.min(Math.floor(across) / across, Math.floor(down) / down);
  // The scaled sides land on whole patches up to float error (44.00000000000001): that error is not a patch more.
  const whole = (x: number) => Math.max(1, Math.ceil(x - 1e-9));
  return Math.min(MAX_PATCHES, whole((w * s) / 32) * whole((h * s) / 32));
}

/** Anthropic's count: long edge to 1,568 at most, then pixels / 750, at most 1,600. */
function area(size: ImageSize): number {
  const s = Math.min(1, 1568 / Math.max(size.width, size.height));
  return Math.min(ANTHROPIC_MAX, Math.ceil((size.width * s * size.height * s) / 750));
}

/** A model's rule, or the unknown model's bound when there is no model. */
const ruleOf = (model: string | undefined): Rule => (model === undefined ? UNKNOWN : ruleFor(model));

/** One image's prompt tokens under `rule`: its count for the image's size, or the rule's most when the size is unknown. */
function countBy(rule: Rule, image: ImageRef): number {
  if (rule.kind === "flat") return rule.tokens;
  if (rule.kind === "tiles" && image.detail === "low") return rule.base;
  if (!image.size) return mostOf(rule);
  if (rule.kind === "tiles") return rule.base + rule.perTile * tiles(image.size);
  if (rule.kind === "patches") return Math.ceil(patches(image.size) * rule.multiplier);
  return area(image.size);
}

/** One image's prompt tokens on `model`: its vendor's count for its size, or the rule's most when the size is unknown. */
export const imageTokensFor = (model: string, image: ImageRef): number => countBy(ruleFor(model), image);

/**
 * One image's estimated prompt tokens on `model`: the vendor's count where its rule is known (as
 * `imageTokensFor`); for a model with no known rule (an admin-added local vision model, say) a typical
 * count, Anthropic's area rule on its size or 1,600 when the size is unknown — not the 48,169 bound,
 * which would refuse every image on a small window. What sizes windows, routing and rate limits; the
 * budget hold keeps the bound (`imageTokensOn`).
 */
export function imageEstimateFor(model: string | undefined, image: ImageRef): number {
  const rule = ruleOf(model);
  if (rule !== UNKNOWN) return countBy(rule, image);
  return image.size ? area(image.size) : ANTHROPIC_MAX;
}

/** The estimated prompt tokens of a request's images on `model` (`imageEstimateFor` each). */
export function imageEstimateOn(model: string | undefined, images: readonly ImageRef[]): number {
  let n = 0;
  for (const image of images) n += imageEstimateFor(model, image);
  return n;
}

/** The prompt tokens of a request's images on `model`, at most as its vendor can bill them (no model: the unknown model's bound). */
export function imageTokensOn(model: string | undefined, images: readonly ImageRef[]): number {
  const rule = ruleOf(model);
  let n = 0;
  for (const image of images) n += countBy(rule, image);
  return n;
}

export type ImagePart = { type: string; image_url?: { url: string; detail?: ImageDetail } };

// A request's messages are counted once per candidate model: each image's header is read once.
const sizes = new WeakMap<object, ImageSize | null>();

/** The images (`image_url` parts) of a request's messages, each with its size when a data URL shows it. */
export function imagesOf(messages: readonly { content: string; parts?: readonly ImagePart[] }[]): ImageRef[] {
  const out: ImageRef[] = [];
  for (const m of messages) {
    for (const p of m.parts ?? []) {
      if (p.type !== "image_url") continue;
      let size = sizes.get(p);
      if (size === undefined) sizes.set(p, (size = p.image_url ? imageSize(p.image_url.url) : null));
      out.push(p.image_url?.detail ? { size, detail: p.image_url.detail } : { size });
    }
  }
  return out;
}

/** Reads `n` bytes at `offset` of an image's bytes; fewer (or none) past its end. */
type ByteReader = (offset: number, n: number) => Uint8Array;

/** A base64 data URL's image size from its header bytes (PNG, JPEG, GIF, WebP), decoding only what is read; null otherwise. */
export function imageSize(url: string): ImageSize | null {
  const comma = url.indexOf(",");
  if (!url.startsWith("data:") || comma < 0 || !/;base64$/i.test(url.slice(0, comma))) return null;
  let b64 = url.slice(comma + 1);
  // Offsets into the text assume 4 characters per 3 bytes: whitespace (line-wrapped base64) would shift them.
  if (/\s/.test(b64)) b64 = b64.replace(/\s+/g, "");
  const read: ByteReader = (offset, n) => {
    const from = Math.floor(offset / 3) * 4;
    const bin = atob(b64.slice(from, Math.ceil((offset + n) / 3) * 4));
    const skip = offset - (from / 4) * 3;
    const out = new Uint8Array(Math.max(0, Math.min(n, bin.length - skip)));
    for (let i = 0; i < out.length; i++) out[i] = bin.charCodeAt(skip + i);
    return out;
  };
  try {
    return sizeFromHeader(read);
  } catch {
    return null; // not base64: the size is unknown
  }
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

/** An image's width and height from its format's header; null for another format, a cut header or a zero side. */
export function sizeFromHeader(read: ByteReader): ImageSize | null {
  const head = read(0, 30);
  let size: ImageSize | null = null;
  if (head.length >= 24 && head[0] === 0x89 && ascii(head, 1, 4) === "PNG" && ascii(head, 12, 16) === "IHDR") size = { width: u32be(head, 16), height: u32be(head, 20) };
  else if (head.length >= 10 && /^GIF8[79]a$/.test(ascii(head, 0, 6))) size = { width: u16le(head, 6), height: u16le(head, 8) };
  else if (head.length >= 30 && ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WEBP") size = webpSize(head);
  else if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) size = jpegSize(read);
  return size && size.width > 0 && size.height > 0 ? size : null;
}

/** WebP's three kinds: lossy (`VP8 `, 14-bit sizes), lossless (`VP8L`, 14-bit sizes − 1), extended (`VP8X`, 24-bit sizes − 1). */
function webpSize(b: Uint8Array): ImageSize | null {
  const chunk = ascii(b, 12, 16);
  if (chunk === "VP8 ") return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  if (chunk === "VP8L") {
    const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8X") return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  return null;
}

/** A JPEG's size from its first start-of-frame segment (SOF0–SOF15 but DHT, JPG and DAC), walking the segments before it. */
function jpegSize(read: ByteReader): ImageSize | null {
  let at = 2;
  // A real JPEG has a few dozen segments before its frame header; a run of fill bytes longer than
  // this is a crafted file, and each step decodes afresh: give up (the size is then unknown).
  for (let steps = 0; steps < 1_000; steps++) {
    const seg = read(at, 9);
    if (seg.length < 4 || seg[0] !== 0xff) return null;
    const marker = seg[1];
    if (marker === 0xff) at += 1; // fill byte
    else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) at += 2; // no length
    else if (marker === 0xd9 || marker === 0xda) return null; // image data before any frame header
    else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return seg.length < 9 ? null : { width: u16be(seg, 7), height: u16be(seg, 5) };
    } else at += 2 + u16be(seg, 2);
  }
  return null;
}

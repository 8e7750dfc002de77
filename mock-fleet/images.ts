/**
 * Bills an image as its vendor does, by model and size (rules and sources: lib/providers/images.ts,
 * which the app holds budgets by; mock-fleet imports nothing from the app, so they are repeated here
 * and a test keeps the two equal). The size is read from the image's header bytes (PNG, JPEG, GIF,
 * WebP) when the request carries them (a base64 data URL, an Anthropic base64 block, Ollama's
 * `images`); an http(s) URL, which the fleet cannot fetch, or bytes whose size cannot be read are
 * billed the model's most.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

export type ImageSize = { width: number; height: number };
export type BilledImage = { size: ImageSize | null; detail?: string };

type Rule = { kind: "tiles"; base: number; perTile: number } | { kind: "patches"; multiplier: number } | { kind: "area" } | { kind: "flat"; tokens: number };

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
const MAX_TILES = 8;
const MAX_PATCHES = 1_536;
const ANTHROPIC_MAX = 1_600;

function mostOf(rule: Rule): number {
  if (rule.kind === "tiles") return rule.base + rule.perTile * MAX_TILES;
  if (rule.kind === "patches") return Math.ceil(MAX_PATCHES * rule.multiplier);
  if (rule.kind === "area") return ANTHROPIC_MAX;
  return rule.tokens;
}

/** A model without a known rule (one added through the control plane) bills the most any rule bills: the worst case the app must hold. */
const UNKNOWN: Rule = { kind: "flat", tokens: Math.max(...Object.values(RULES).map(mostOf)) };

function ruleFor(model: string): Rule {
  const name = model.replace(/-\d{4}-\d{2}-\d{2}$/, "");
  return RULES[name] ?? (name.startsWith("claude-") ? { kind: "area" } : UNKNOWN);
}

function tiles({ width, height }: ImageSize): number {
  const fit = Math.min(1, 2048 / Math.max(width, height));
  const w1 = Math.max(1, Math.round(width * fit));
  const h1 = Math.max(1, Math.round(height * fit));
  const short = Math.min(1, 768 / Math.min(w1, h1));
  return Math.ceil(Math.max(1, Math.round(w1 * short)) / 512) * Math.ceil(Math.max(1, Math.round(h1 * short)) / 512);
}

function patches({ width, height }: ImageSize): number {
  const raw = Math.ceil(width / 32) * Math.ceil(height / 32);
  if (raw <= MAX_PATCHES) return raw;
  const shrink = Math.sqrt((32 * 32 * MAX_PATCHES) / (width * height));
  const [x, y] = [(width * shrink) / 32, (height * shrink) / 32];
  const s = shrink * Math.min(Math.floor(x) / x, Math.floor(y) / y);
  // The scaled sides land on whole patches up to float error (44.00000000000001): that error is not a patch more.
  const whole = (x: number) => Math.max(1, Math.ceil(x - 1e-9));
  return Math.min(MAX_PATCHES, whole((width * s) / 32) * whole((height * s) / 32));
}

function area({ width, height }: ImageSize): number {
  const s = Math.min(1, 1568 / Math.max(width, height));
  return Math.min(ANTHROPIC_MAX, Math.ceil((width * s * height * s) / 750));
}

/** The prompt tokens `model` bills for one image. */
export function imageTokens(model: string, image: BilledImage): number {
  const rule = ruleFor(model);
  if (rule.kind === "flat") return rule.tokens;
  if (rule.kind === "tiles" && image.detail === "low") return rule.base;
  if (!image.size) return mostOf(rule);
  if (rule.kind === "tiles") return rule.base + rule.perTile * tiles(image.size);
  if (rule.kind === "patches") return Math.ceil(patches(image.size) * rule.multiplier);
  return area(image.size);
}

/** The images of one wire message: OpenAI `image_url` parts, Anthropic `image` blocks, Ollama's `images`. */
export function imagesIn(message: unknown): BilledImage[] {
  if (!isObj(message)) return [];
  const out: BilledImage[] = [];
  if (Array.isArray(message.images)) for (const b of message.images) out.push({ size: typeof b === "string" ? sizeOfBytes(Buffer.from(b, "base64")) : null });
  if (!Array.isArray(message.content)) return out;
  for (const p of message.content) {
    if (!isObj(p)) continue;
    if (p.type === "image_url") {
      const ref = typeof p.image_url === "string" ? { url: p.image_url } : isObj(p.image_url) ? p.image_url : {};
      out.push({ size: typeof ref.url === "string" ? sizeOfDataUrl(ref.url) : null, ...(typeof ref.detail === "string" ? { detail: ref.detail } : {}) });
    } else if (p.type === "image") {
      const src = isObj(p.source) ? p.source : {};
      out.push({ size: src.type === "base64" && typeof src.data === "string" ? sizeOfBytes(Buffer.from(src.data, "base64")) : null });
    }
  }
  return out;
}

function sizeOfDataUrl(url: string): ImageSize | null {
  const m = /^data:[^,]*;base64,/i.exec(url.slice(0, 200));
  return m ? sizeOfBytes(Buffer.from(url.slice(m[0].length), "base64")) : null;
}

const ascii = (b: Buffer, from: number, to: number) => b.toString("latin1", from, to);

/** Width and height from an image's header: PNG IHDR, GIF, WebP (VP8, VP8L, VP8X), JPEG's first SOFn. */
export function sizeOfBytes(b: Buffer): ImageSize | null {
  let size: ImageSize | null = null;
  if (b.length >= 24 && b[0] === 0x89 && ascii(b, 1, 4) === "PNG" && ascii(b, 12, 16) === "IHDR") size = { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  else if (b.length >= 10 && /^GIF8[79]a$/.test(ascii(b, 0, 6))) size = { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  else if (b.length >= 30 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") {
    const chunk = ascii(b, 12, 16);
    if (chunk === "VP8 ") size = { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
    else if (chunk === "VP8L") size = { width: (b.readUInt32LE(21) & 0x3fff) + 1, height: ((b.readUInt32LE(21) >>> 14) & 0x3fff) + 1 };
    else if (chunk === "VP8X") size = { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  } else if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) size = jpegSize(b);
  return size && size.width > 0 && size.height > 0 ? size : null;
}

function jpegSize(b: Buffer): ImageSize | null {
  let at = 2;
  while (at + 4 <= b.length && b[at] === 0xff) {
    const marker = b[at + 1];
    if (marker === 0xff) at += 1;
    else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) at += 2;
    else if (marker === 0xd9 || marker === 0xda) return null;
    else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return at + 9 <= b.length ? { width: b.readUInt16BE(at + 7), height: b.readUInt16BE(at + 5) } : null;
    } else at += 2 + b.readUInt16BE(at + 2);
  }
  return null;
}

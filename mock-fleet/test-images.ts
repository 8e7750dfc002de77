/**
 * Image headers of a chosen size for tests: the bytes a size reader looks at, no pixels (neither the
 * fleet nor the app decodes an image).
 */

const u32be = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const u16be = (n: number) => Buffer.from([n >>> 8, n & 255]);
const u16le = (n: number) => Buffer.from([n & 255, n >>> 8]);
const u24le = (n: number) => Buffer.from([n & 255, (n >>> 8) & 255, (n >>> 16) & 255]);

export function png(width: number, height: number): Buffer {
  const ihdr = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), u32be(13), Buffer.from("IHDR"), ihdr, u32be(0)]);
}

/** A JPEG: JFIF, an EXIF segment of `exifBytes` (where SOF can sit far from the start), then SOF0 (baseline) or SOF2 (progressive). */
export function jpeg(width: number, height: number, opts: { progressive?: boolean; exifBytes?: number } = {}): Buffer {
  const segment = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker]), u16be(body.length + 2), body]);
  const exif = opts.exifBytes ? [segment(0xe1, Buffer.alloc(opts.exifBytes, 0x45))] : [];
  const sof = segment(opts.progressive ? 0xc2 : 0xc0, Buffer.concat([Buffer.from([8]), u16be(height), u16be(width), Buffer.from([1, 1, 0x11, 0])]));
  return Buffer.concat([Buffer.from([0xff, 0xd8]), segment(0xe0, Buffer.from("JFIF\0\x01\x01\0\0\x01\0\x01\0\0", "latin1")), ...exif, sof, Buffer.from([0xff, 0xd9])]);
}

export function gif(width: number, height: number): Buffer {
  return Buffer.concat([Buffer.from("GIF89a"), u16le(width), u16le(height), Buffer.from([0, 0, 0])]);
}

export function webp(width: number, height: number, kind: "VP8 " | "VP8L" | "VP8X"): Buffer {
  const payload =
    kind === "VP8 "
      ? Buffer.concat([Buffer.from([0, 0, 0, 0x9d, 0x01, 0x2a]), u16le(width), u16le(height)])
      : kind === "VP8L"
        ? (() => {
            const bits = ((width - 1) | ((height - 1) << 14)) >>> 0;
            return Buffer.from([0x2f, bits & 255, (bits >>> 8) & 255, (bits >>> 16) & 255, bits >>> 24, 0, 0, 0, 0, 0]);
          })()
        : Buffer.concat([Buffer.from([0, 0, 0, 0]), u24le(width - 1), u24le(height - 1)]);
  const chunk = Buffer.concat([Buffer.from(kind), Buffer.from([payload.length, 0, 0, 0]), payload]);
  return Buffer.concat([Buffer.from("RIFF"), Buffer.from([chunk.length + 4, 0, 0, 0]), Buffer.from("WEBP"), chunk]);
}

export const dataUrl = (bytes: Buffer, type = "image/png") => `data:${type};base64,${bytes.toString("base64")}`;

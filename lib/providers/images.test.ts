import { describe, expect, it } from "vitest";
import * as fleetImages from "../../mock-fleet/images";
import { dataUrl, gif, jpeg, png, webp } from "../../mock-fleet/test-images";
import { DEFAULT_CATALOG } from "./catalog";
import { imageEstimateFor, imageEstimateOn, imagesOf, imageSize, imageTokensFor, imageTokensOn, UNKNOWN_MODEL_IMAGE_TOKENS, type ImageDetail } from "./images";
import { estimateMessagesTokens, promptTokensAtMost } from "./tokens";

const IMAGES = [
  ["PNG", dataUrl(png(1024, 1024))],
  ["JPEG", dataUrl(jpeg(3000, 2000), "image/jpeg")],
  ["progressive JPEG after a large EXIF segment", dataUrl(jpeg(1800, 2400, { progressive: true, exifBytes: 65_000 }), "image/jpeg")],
  ["GIF", dataUrl(gif(320, 200), "image/gif")],
  ["lossy WebP", dataUrl(webp(800, 600, "VP8 "), "image/webp")],
  ["lossless WebP", dataUrl(webp(2049, 513, "VP8L"), "image/webp")],
  ["extended WebP", dataUrl(webp(5000, 40, "VP8X"), "image/webp")],
] as const;

const picture = (url: string, detail?: ImageDetail) => ({ role: "user" as const, content: "Describe it.", parts: [{ type: "text" as const, text: "Describe it." }, { type: "image_url" as const, image_url: { url, ...(detail ? { detail } : {}) } }] });

describe("imageSize: the size of a data URL's image from its header", () => {
  it.each(IMAGES)("reads a %s as the mock fleet does", (_, url) => {
    const size = imageSize(url);
    expect(size).not.toBeNull();
    expect(size).toEqual(fleetImages.sizeOfBytes(Buffer.from(url.slice(url.indexOf(",") + 1), "base64")));
  });

  it("gives up on a JPEG whose frame header is behind thousands of fill bytes (a crafted file) instead of walking them all", () => {
    const jpg = jpeg(640, 480);
    const padded = Buffer.concat([jpg.subarray(0, 2), Buffer.alloc(5_000, 0xff), jpg.subarray(2)]);
    expect(imageSize(dataUrl(padded, "image/jpeg"))).toBeNull();
    expect(imageSize(dataUrl(Buffer.concat([jpg.subarray(0, 2), Buffer.alloc(50, 0xff), jpg.subarray(2)]), "image/jpeg"))).toEqual({ width: 640, height: 480 });
  });

  it("reads base64 wrapped in lines, and gives no size for an http(s) URL, text that is not base64 or an unknown format", () => {
    const wrapped = dataUrl(jpeg(640, 480, { exifBytes: 3000 }), "image/jpeg").replace(/(.{76})/g, "$1\n");
    expect(imageSize(wrapped)).toEqual({ width: 640, height: 480 });
    expect(imageSize("https://example.com/cat.png")).toBeNull();
    expect(imageSize("data:image/png;base64,***not base64***")).toBeNull();
    expect(imageSize(`data:image/png;base64,${Buffer.from("plain text, not an image at all").toString("base64")}`)).toBeNull();
  });
});

describe("imageTokensFor: an image's prompt tokens as its model's vendor bills them", () => {
  it("gives the vendors' documented counts", () => {
    const square = { size: { width: 1024, height: 1024 } };
    expect(imageTokensFor("gpt-4.1", square)).toBe(765);
    expect(imageTokensFor("gpt-4.1", { ...square, detail: "low" })).toBe(85);
    expect(imageTokensFor("gpt-4o-mini", square)).toBe(25_501);
    expect(imageTokensFor("gpt-4o-mini-2024-07-18", { size: null })).toBe(48_169);
    expect(imageTokensFor("gpt-4.1-mini", { size: { width: 1800, height: 2400 } })).toBe(Math.ceil(1452 * 1.62));
    expect(imageTokensFor("claude-sonnet-4-20250514", { size: { width: 1000, height: 1000 } })).toBe(1334);
    expect(imageTokensFor("mistral-small-latest", square)).toBe(4_160);
  });

  it("holds a model with no known rule at the most any known rule bills", () => {
    expect(UNKNOWN_MODEL_IMAGE_TOKENS).toBe(48_169);
    expect(imageTokensFor("my-vision-model", { size: { width: 16, height: 16 } })).toBe(UNKNOWN_MODEL_IMAGE_TOKENS);
    expect(imageTokensOn(undefined, [{ size: null }, { size: null }])).toBe(2 * UNKNOWN_MODEL_IMAGE_TOKENS);
  });

  it("counts whole patches when a patch model scales an image down (no extra row from float error)", () => {
    // 3000×4000 scales to 33 × 44 patches (1,452), as a 4032×3024 photo does; before, 44.00000000000001 made 45 rows.
    expect(imageTokensFor("gpt-4.1-mini", { size: { width: 3000, height: 4000 } })).toBe(Math.ceil(1452 * 1.62));
    expect(imageTokensFor("gpt-4.1-mini", { size: { width: 4032, height: 3024 } })).toBe(Math.ceil(1452 * 1.62));
    // A 2560×1440 screenshot: 52 × 29 patches.
    expect(imageTokensFor("gpt-4.1-mini", { size: { width: 2560, height: 1440 } })).toBe(Math.ceil(52 * 29 * 1.62));
  });

  it("estimates an image on a model with no known rule at a typical count, while the hold keeps the bound", () => {
    // A local vision model an admin added (llava, a 32K window): a 640×480 picture is not 48,169 tokens.
    expect(imageEstimateFor("llava:13b", { size: { width: 640, height: 480 } })).toBe(Math.ceil((640 * 480) / 750));
    expect(imageEstimateFor("llava:13b", { size: null })).toBe(1_600);
    expect(imageEstimateOn(undefined, [{ size: null }, { size: { width: 750, height: 1 } }])).toBe(1_601);
    expect(imageTokensFor("llava:13b", { size: { width: 640, height: 480 } })).toBe(UNKNOWN_MODEL_IMAGE_TOKENS);
    // Known rules estimate what they bill.
    expect(imageEstimateFor("gpt-4o-mini", { size: { width: 1024, height: 1024 } })).toBe(25_501);
    const llava = [picture(dataUrl(png(640, 480)))];
    expect(promptTokensAtMost(llava, undefined, "llava:13b") - estimateMessagesTokens(llava, "llava:13b")).toBeGreaterThan(UNKNOWN_MODEL_IMAGE_TOKENS - 500);
  });

  it("agrees exactly with the mock fleet's bill for every catalog model, size and detail", () => {
    const sizes = [null, { width: 3000, height: 4000 }, { width: 2560, height: 1440 }, { width: 386, height: 3795 }, { width: 1, height: 1 }, { width: 512, height: 512 }, { width: 1024, height: 1024 }, { width: 2049, height: 513 }, { width: 2050, height: 513 }, { width: 4000, height: 1474 }, { width: 1800, height: 2400 }, { width: 5000, height: 40 }, { width: 20_000, height: 20_000 }];
    const models = [...DEFAULT_CATALOG.map((m) => m.model), "gpt-4o", "gpt-4.1-nano", "o4-mini", "claude-opus-4-1", "custom-vision"];
    for (const model of models) {
      for (const size of sizes) {
        for (const detail of [undefined, "auto", "low", "high"] as const) {
          expect(imageTokensFor(model, { size, detail }), `${model} ${JSON.stringify(size)} ${detail}`).toBe(fleetImages.imageTokens(model, { size, detail }));
        }
      }
    }
  });
});

describe("a request's prompt counts its images per model", () => {
  it("in the estimate and the bound, the same figure the fleet bills for the same wire message", () => {
    for (const [, url] of IMAGES) {
      for (const detail of [undefined, "low"] as const) {
        const m = picture(url, detail);
        for (const model of ["gpt-4.1", "gpt-4o-mini", "gpt-4.1-mini", "claude-sonnet-4-20250514", "mistral-small-latest"]) {
          const billed = fleetImages.imagesIn({ content: m.parts }).reduce((n, image) => n + fleetImages.imageTokens(model, image), 0);
          expect(estimateMessagesTokens([m], model) - estimateMessagesTokens([{ content: m.content }], model)).toBe(billed);
          expect(promptTokensAtMost([m], undefined, model) - promptTokensAtMost([{ content: m.content }], undefined, model)).toBe(billed);
        }
      }
    }
  });

  it("an image that cannot be sized counts at the model's most: a URL on gpt-4o-mini is 48,169, on gpt-4.1 1,445", () => {
    const m = picture("https://example.com/cat.png");
    expect(imagesOf([m])).toEqual([{ size: null }]);
    expect(estimateMessagesTokens([m], "gpt-4o-mini") - estimateMessagesTokens([{ content: m.content }], "gpt-4o-mini")).toBe(48_169);
    expect(estimateMessagesTokens([m], "gpt-4.1") - estimateMessagesTokens([{ content: m.content }], "gpt-4.1")).toBe(1_445);
  });
});

import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imagesIn, imageTokens, sizeOfBytes } from "./images";
import { startMockFleet, type FleetUsage, type MockFleet } from "./server";
import { dataUrl, gif, jpeg, png, webp } from "./test-images";
import { estimateMessagesTokens } from "./tokens";

const square = { size: { width: 1024, height: 1024 } };

describe("the image size reader: header bytes, no decoding", () => {
  it("reads PNG, JPEG (baseline, progressive, after a large EXIF segment), GIF and the three WebP kinds", () => {
    expect(sizeOfBytes(png(1024, 768))).toEqual({ width: 1024, height: 768 });
    expect(sizeOfBytes(jpeg(640, 480))).toEqual({ width: 640, height: 480 });
    expect(sizeOfBytes(jpeg(3000, 2000, { progressive: true }))).toEqual({ width: 3000, height: 2000 });
    expect(sizeOfBytes(jpeg(1200, 900, { exifBytes: 60_000 }))).toEqual({ width: 1200, height: 900 });
    expect(sizeOfBytes(gif(320, 200))).toEqual({ width: 320, height: 200 });
    for (const kind of ["VP8 ", "VP8L", "VP8X"] as const) expect(sizeOfBytes(webp(800, 600, kind))).toEqual({ width: 800, height: 600 });
  });

  it("gives no size for what it cannot read: another format, a cut header, a zero side", () => {
    expect(sizeOfBytes(Buffer.from("%PDF-1.7 not an image at all, not an image at all"))).toBeNull();
    expect(sizeOfBytes(png(1024, 768).subarray(0, 20))).toBeNull();
    expect(sizeOfBytes(jpeg(640, 480).subarray(0, 24))).toBeNull();
    expect(sizeOfBytes(png(0, 768))).toBeNull();
  });

  it("finds the images of each wire format, with OpenAI's detail, and no size for a URL it cannot fetch", () => {
    const url = dataUrl(png(1024, 1024));
    expect(imagesIn({ role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url, detail: "low" } }, { type: "image_url", image_url: { url: "https://example.com/a.png" } }] })).toEqual([
      { size: { width: 1024, height: 1024 }, detail: "low" },
      { size: null },
    ]);
    expect(imagesIn({ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/jpeg", data: jpeg(1000, 1000).toString("base64") } }] })).toEqual([{ size: { width: 1000, height: 1000 } }]);
    expect(imagesIn({ role: "user", content: "hi", images: [gif(10, 20).toString("base64")] })).toEqual([{ size: { width: 10, height: 20 } }]);
  });
});

describe("what each vendor bills for an image", () => {
  it("OpenAI tile models: 85 + 170 a 512-px tile at high detail (auto too), 85 at low; the most is 1,445", () => {
    expect(imageTokens("gpt-4.1", square)).toBe(765);
    expect(imageTokens("gpt-4.1", { ...square, detail: "high" })).toBe(765);
    expect(imageTokens("gpt-4.1", { ...square, detail: "low" })).toBe(85);
    expect(imageTokens("gpt-4o-2024-08-06", { size: { width: 2048, height: 4096 } })).toBe(1105); // OpenAI's own example
    expect(imageTokens("gpt-4.1", { size: null })).toBe(1445);
  });

  it("GPT-4o mini: the same tiles at 2,833 + 5,667 each, up to 48,169 for one image", () => {
    expect(imageTokens("gpt-4o-mini", square)).toBe(2_833 + 4 * 5_667);
    expect(imageTokens("gpt-4o-mini", { ...square, detail: "low" })).toBe(2_833);
    expect(imageTokens("gpt-4o-mini", { size: null })).toBe(48_169);
  });

  it("OpenAI patch models: 32-px patches, at most 1,536 (scaled down), times the model's multiplier; detail changes nothing", () => {
    expect(imageTokens("gpt-4.1-mini", square)).toBe(Math.ceil(1024 * 1.62));
    expect(imageTokens("gpt-4.1-mini", { ...square, detail: "low" })).toBe(Math.ceil(1024 * 1.62));
    expect(imageTokens("gpt-4.1-nano", { size: { width: 1800, height: 2400 } })).toBe(Math.ceil(1452 * 2.46)); // OpenAI's example: 1,452 patches
    expect(imageTokens("o4-mini", { size: null })).toBe(Math.ceil(1536 * 1.72));
  });

  it("Claude: width × height / 750 after scaling to a 1,568-px long edge, at most 1,600", () => {
    expect(imageTokens("claude-sonnet-4-20250514", { size: { width: 1000, height: 1000 } })).toBe(1334);
    expect(imageTokens("claude-sonnet-4-20250514", { size: { width: 200, height: 200 } })).toBe(54);
    expect(imageTokens("claude-sonnet-4-20250514", { size: { width: 4000, height: 3000 } })).toBe(1600);
    expect(imageTokens("claude-sonnet-4-20250514", { size: null })).toBe(1600);
  });

  it("Mistral Small and a model with no known rule: a fixed bound, whatever the size", () => {
    expect(imageTokens("mistral-small-latest", square)).toBe(4_160);
    expect(imageTokens("llava:13b", { size: { width: 10, height: 10 } })).toBe(48_169);
  });
});

describe("the fleet bills images by model and size", () => {
  let fleet: MockFleet;
  const usage = async () => (await (await fetch(`${fleet.url}/__fleet/usage`)).json()) as FleetUsage;
  beforeAll(async () => {
    fleet = await startMockFleet({ port: 0 });
    await fetch(`${fleet.url}/__fleet/config`, { method: "POST", body: JSON.stringify({ defaults: { latencyMs: 0, tokensPerSecond: 0 } }) });
  });
  afterAll(() => fleet.close());
  const text = "What is in this picture?";
  const ask = async (model: string, image: OpenAI.ChatCompletionContentPartImage["image_url"]) => {
    const openai = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: "sk-test", maxRetries: 0, logLevel: "off" });
    const r = await openai.chat.completions.create({ model, messages: [{ role: "user", content: [{ type: "text", text }, { type: "image_url", image_url: image }] }] });
    return r.usage!.prompt_tokens - estimateMessagesTokens([{ content: text }]);
  };

  it("on the OpenAI wire: the size from a data URL, detail honoured, an http(s) URL at the model's most", async () => {
    const url = dataUrl(png(1024, 1024));
    expect(await ask("gpt-4.1", { url })).toBe(765);
    expect(await ask("gpt-4.1", { url, detail: "low" })).toBe(85);
    expect(await ask("gpt-4o-mini", { url })).toBe(25_501);
    expect(await ask("gpt-4.1-mini", { url: dataUrl(jpeg(1024, 1024), "image/jpeg") })).toBe(1659);
    expect(await ask("gpt-4o-mini", { url: "https://example.com/cat.png" })).toBe(48_169);
    expect(await ask("mistral-small-latest", { url })).toBe(4_160);
  });

  it("on Anthropic's: a base64 block by its size, a URL block at 1,600; billed as reported", async () => {
    const anthropic = new Anthropic({ baseURL: fleet.url, apiKey: "sk-ant-test", maxRetries: 0, logLevel: "off" });
    const send = (source: Anthropic.ImageBlockParam["source"]) =>
      anthropic.messages.create({ model: "claude-sonnet-4-20250514", max_tokens: 50, messages: [{ role: "user", content: [{ type: "image", source }, { type: "text", text }] }] });
    const base = estimateMessagesTokens([{ content: text }]);
    const sized = await send({ type: "base64", media_type: "image/png", data: png(1000, 1000).toString("base64") });
    expect(sized.usage.input_tokens - base).toBe(1334);
    const byUrl = await send({ type: "url", url: "https://example.com/cat.png" });
    expect(byUrl.usage.input_tokens - base).toBe(1600);
    expect((await usage()).models["claude-sonnet-4-20250514"].bill.prompt_tokens).toBe(sized.usage.input_tokens + byUrl.usage.input_tokens);
  });
});

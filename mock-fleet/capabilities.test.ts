import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockFleet, type FleetUsage, type MockFleet } from "./server";
import { estimateMessagesTokens, estimateTokens } from "./tokens";

let fleet: MockFleet;
let openai: OpenAI;
let anthropic: Anthropic;
const usage = async () => (await (await fetch(`${fleet.url}/__fleet/usage`)).json()) as FleetUsage;
const png = "data:image/png;base64,iVBORw0KGgo=";
const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } }];
const withImage: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: [{ type: "text", text: "What is in this picture?" }, { type: "image_url", image_url: { url: png } }] }];

beforeAll(async () => {
  fleet = await startMockFleet({ port: 0 });
  await fetch(`${fleet.url}/__fleet/config`, {
    method: "POST",
    body: JSON.stringify({ defaults: { latencyMs: 0, tokensPerSecond: 0 }, models: { "gemma-text": { vendor: "ollama", toolCalling: false, imageInput: false } } }),
  });
  openai = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: "sk-test", maxRetries: 0, logLevel: "off" });
  anthropic = new Anthropic({ baseURL: fleet.url, apiKey: "sk-ant-test", maxRetries: 0, logLevel: "off" });
});
afterAll(() => fleet.close());

describe("models without a capability answer like the vendors: 400, nothing billed", () => {
  it("tools to a model without tool calling: Ollama's 400", async () => {
    const err = await openai.chat.completions.create({ model: "gemma-text", messages: [{ role: "user", content: "hi" }], tools }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/gemma-text does not support tools/);
    expect((await usage()).models["gemma-text"]).toMatchObject({ ok: 0, errors: expect.objectContaining({ bad_request: 1 }), prompt_tokens: 0 });
  });

  it("an image to a text-only model: 400 on the OpenAI route and on Anthropic's", async () => {
    const a = await openai.chat.completions.create({ model: "grok-3", messages: withImage }).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(OpenAI.BadRequestError);
    expect((a as Error).message).toMatch(/image_url is only supported by certain models; grok-3/);
    const b = await anthropic.messages
      .create({ model: "claude-3-5-haiku-20241022", max_tokens: 100, messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }, { type: "text", text: "What is this?" }] }] })
      .catch((e: unknown) => e);
    expect(b).toBeInstanceOf(Anthropic.BadRequestError);
    expect((b as Error).message).toMatch(/claude-3-5-haiku-20241022 does not support image input/);
  });

  it("a model with image input answers and bills each image by its vendor's rule (a header too short to size: the model's most)", async () => {
    const r = await openai.chat.completions.create({ model: "gpt-4.1-mini", messages: withImage });
    expect(r.choices[0].message.content!.length).toBeGreaterThan(0);
    expect(r.usage!.prompt_tokens).toBe(estimateMessagesTokens([{ content: "What is in this picture?", images: [{ size: null }] }], "gpt-4.1-mini"));
    expect(r.usage!.completion_tokens).toBe(estimateTokens(r.choices[0].message.content!));
  });

  it("refuses a capability flag that is not a boolean", async () => {
    const r = await fetch(`${fleet.url}/__fleet/config`, { method: "POST", body: JSON.stringify({ models: { "gpt-4.1": { imageInput: "yes" } } }) });
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toBe("imageInput must be true or false");
  });
});

describe("an output allowance above the model's limit gets the vendor's 400, nothing billed", () => {
  const hi = [{ role: "user" as const, content: "hi" }];

  it("OpenAI: max_tokens or max_completion_tokens above gpt-4o-mini's 16,384, in OpenAI's words naming the field sent", async () => {
    const a = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: hi, max_tokens: 16_385 }).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(OpenAI.BadRequestError);
    expect((a as Error).message).toMatch(/max_tokens is too large: 16385\. This model supports at most 16384 completion tokens, whereas you provided 16385\./);
    const b = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: hi, max_completion_tokens: 50_000 }).catch((e: unknown) => e);
    expect((b as Error).message).toMatch(/max_completion_tokens is too large: 50000\. This model supports at most 16384/);
    expect((await usage()).models["gpt-4o-mini"]).toMatchObject({ ok: 0, errors: expect.objectContaining({ bad_request: 2 }), bill: { requests: 0, prompt_tokens: 0, completion_tokens: 0 } });
    expect((await openai.chat.completions.create({ model: "gpt-4o-mini", messages: hi, max_tokens: 16_384 })).choices[0].message.content!.length).toBeGreaterThan(0);
  });

  it("Anthropic: max_tokens above Claude 3.5 Haiku's 8,192; with thinking, max_tokens (budget included) above Sonnet 4's 64,000", async () => {
    const a = await anthropic.messages.create({ model: "claude-3-5-haiku-20241022", max_tokens: 10_000, messages: hi }).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(Anthropic.BadRequestError);
    expect((a as Error).message).toMatch(/max_tokens: 10000 > 8192, which is the maximum allowed number of output tokens for claude-3-5-haiku-20241022/);
    const sonnet = "claude-sonnet-4-20250514";
    // A timeout of its own, as the app sends: without, the SDK refuses so large a max_tokens unstreamed.
    const think = (max_tokens: number) => anthropic.messages.create({ model: sonnet, max_tokens, thinking: { type: "enabled", budget_tokens: 40_000 }, messages: hi }, { timeout: 10_000 });
    const b = await think(64_001).catch((e: unknown) => e);
    expect((b as Error).message).toMatch(/max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-20250514/);
    expect((await think(64_000)).usage.output_tokens).toBeGreaterThan(40_000);
  });

  it("no limit but the window for a model without one (Ollama, or one cleared through the control plane); the limit is set through it too", async () => {
    expect((await openai.chat.completions.create({ model: "llama3.1:8b", messages: hi, max_tokens: 100_000 })).choices[0].message.content!.length).toBeGreaterThan(0);
    const set = (maxOutputTokens: unknown) => fetch(`${fleet.url}/__fleet/config`, { method: "POST", body: JSON.stringify({ models: { "llama3.1:8b": { maxOutputTokens } } }) });
    expect((await set(2048)).status).toBe(200);
    try {
      const err = await openai.chat.completions.create({ model: "llama3.1:8b", messages: hi, max_tokens: 2049 }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/supports at most 2048 completion tokens/);
      const bad = await set(0);
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.message).toBe("maxOutputTokens must be a whole number >= 1, or null for none");
    } finally {
      expect((await set(null)).status).toBe(200);
    }
    expect((await openai.chat.completions.create({ model: "llama3.1:8b", messages: hi, max_tokens: 2049 })).choices[0].message.content!.length).toBeGreaterThan(0);
  });
});

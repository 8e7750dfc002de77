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

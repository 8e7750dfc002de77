import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockFleet, type FleetUsage, type MockFleet } from "./server";
import { estimateMessagesTokens, estimateTokens } from "./tokens";

let fleet: MockFleet;
let client: Anthropic;
const MODEL = "claude-sonnet-4-20250514";
const usage = async () => (await (await fetch(`${fleet.url}/__fleet/usage`)).json()) as FleetUsage;

beforeAll(async () => {
  fleet = await startMockFleet({ port: 0 });
  await fetch(`${fleet.url}/__fleet/config`, { method: "POST", body: JSON.stringify({ defaults: { latencyMs: 0, tokensPerSecond: 0 } }) });
  // Anthropic's baseURL has no /v1: the SDK adds it.
  client = new Anthropic({ baseURL: fleet.url, apiKey: "sk-ant-test", maxRetries: 0, logLevel: "off" });
});
afterAll(() => fleet.close());
beforeEach(async () => {
  await fetch(`${fleet.url}/__fleet/reset`, { method: "POST" });
});

describe("POST /v1/messages with @anthropic-ai/sdk", () => {
  it("answers without streaming, counting the system prompt as input", async () => {
    const m = await client.messages.create({
      model: MODEL,
      max_tokens: 512,
      system: "Answer briefly.",
      messages: [{ role: "user", content: "Reverse the word planet" }],
    });
    expect(m.type).toBe("message");
    expect(m.stop_reason).toBe("end_turn");
    const text = m.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    expect(text).toBe('The word "planet" reversed is "tenalp".');
    expect(m.usage.input_tokens).toBe(estimateMessagesTokens([{ content: "Answer briefly." }, { content: "Reverse the word planet" }]));
    expect(m.usage.output_tokens).toBe(estimateTokens(text));
    expect((await usage()).models[MODEL]).toMatchObject({ ok: 1, prompt_tokens: m.usage.input_tokens, completion_tokens: m.usage.output_tokens });
  });

  it("streams Anthropic's event sequence with usage in message_start and message_delta", async () => {
    const stream = await client.messages.create({
      model: MODEL,
      max_tokens: 512,
      messages: [{ role: "user", content: "How should a team plan a database migration?" }],
      stream: true,
    });
    const types: string[] = [];
    let text = "";
    let input = 0;
    let output = 0;
    for await (const ev of stream) {
      if (types.at(-1) !== ev.type) types.push(ev.type);
      if (ev.type === "message_start") input = ev.message.usage.input_tokens;
      if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") text += ev.delta.text;
      if (ev.type === "message_delta") output = ev.usage.output_tokens;
    }
    expect(types).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(text).toContain(MODEL);
    expect(text).toContain("Key points:"); // a high-tier model answers in more detail
    expect(output).toBe(estimateTokens(text));
    expect((await usage()).models[MODEL]).toMatchObject({ ok: 1, prompt_tokens: input, completion_tokens: output });
  });

  it("works with the SDK's MessageStream helper", async () => {
    const final = await client.messages
      .stream({ model: "claude-3-5-haiku-20241022", max_tokens: 100, messages: [{ role: "user", content: "Say hello." }] })
      .finalMessage();
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it("accepts x-api-key as well as Bearer", async () => {
    const res = await fetch(`${fleet.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "k", "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, max_tokens: 50, messages: [{ role: "user", content: [{ type: "text", text: "What is 2 + 3?" }] }] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { content: { text: string }[] }).content[0].text).toMatch(/= 5$/);
  });

  it("lists Anthropic models in Anthropic's shape", async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual([MODEL, "claude-3-5-haiku-20241022"]);
  });
});

describe("Anthropic-shaped errors", () => {
  const ask = (extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}, headers: Record<string, string> = {}) =>
    client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: "user", content: "hi" }], ...extra }, { headers }).catch((e: unknown) => e);

  it("401 authentication_error for bad-key, 404 not_found_error for an unknown model", async () => {
    const bad = new Anthropic({ baseURL: fleet.url, apiKey: "bad-key", maxRetries: 0 });
    const auth = await bad.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((auth as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const nf = await ask({ model: "claude-9" });
    expect(nf).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it("400 prompt is too long over the context window", async () => {
    await fetch(`${fleet.url}/__fleet/config`, { method: "POST", body: JSON.stringify({ models: { [MODEL]: { contextWindow: 100 } } }) });
    try {
      const err = await ask({ messages: [{ role: "user", content: "y".repeat(1000) }] });
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect((err as Error).message).toMatch(/prompt is too long: \d+ tokens > 100 maximum/);
    } finally {
      await fetch(`${fleet.url}/__fleet/config`, { method: "POST", body: JSON.stringify({ models: { [MODEL]: { contextWindow: 200_000 } } }) });
    }
  });

  it("429 rate_limit_error with retry-after, 500 api_error", async () => {
    const rl = await ask({}, { "x-mock-fail": "429" });
    expect(rl).toBeInstanceOf(Anthropic.RateLimitError);
    expect((rl as InstanceType<typeof Anthropic.APIError>).headers?.get("retry-after")).toBe("1");
    const se = await ask({}, { "x-mock-fail": "500" });
    expect(se).toBeInstanceOf(Anthropic.InternalServerError);
    expect((se as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: "api_error" } });
  });

  it("a dropped stream never reaches message_stop and bills nothing", async () => {
    const stream = await client.messages.create(
      { model: MODEL, max_tokens: 500, messages: [{ role: "user", content: "Plan a launch." }], stream: true },
      { headers: { "x-mock-fail": "drop" } },
    );
    const types: string[] = [];
    await expect(
      (async () => {
        for await (const ev of stream) types.push(ev.type);
      })(),
    ).rejects.toThrow();
    expect(types).toContain("content_block_delta");
    expect(types).not.toContain("message_stop");
    expect((await usage()).models[MODEL]).toMatchObject({ ok: 0, prompt_tokens: 0, completion_tokens: 0, errors: expect.objectContaining({ drop: 1 }) });
  });
});

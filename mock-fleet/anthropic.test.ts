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

describe("tools on /v1/messages, checked as the Messages API checks them", () => {
  const weather: Anthropic.Tool = { name: "get_weather", description: "Weather by city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
  const question: Anthropic.MessageParam = { role: "user", content: "What is the weather in Paris?" };
  const ask = (extra: Partial<Anthropic.MessageCreateParamsNonStreaming>) =>
    client.messages.create({ model: MODEL, max_tokens: 200, messages: [question], ...extra }).catch((e: unknown) => e);
  const refusal = async (p: Promise<unknown>) => {
    const err = await p;
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    return (err as Error).message;
  };

  it("answers with a tool_use block when tool_choice forces a tool, and in text under auto", async () => {
    const forced = (await ask({ tools: [weather], tool_choice: { type: "any" } })) as Anthropic.Message;
    expect(forced.stop_reason).toBe("tool_use");
    expect(forced.content).toEqual([{ type: "tool_use", id: expect.stringMatching(/^toolu_/), name: "get_weather", input: { city: "Paris" } }]);
    const named = (await ask({ tools: [{ ...weather, name: "other" }, weather], tool_choice: { type: "tool", name: "get_weather" } })) as Anthropic.Message;
    expect(named.content[0]).toMatchObject({ type: "tool_use", name: "get_weather" });
    const auto = (await ask({ tools: [weather], tool_choice: { type: "auto" } })) as Anthropic.Message;
    expect(auto.stop_reason).toBe("end_turn");
    expect(auto.content[0].type).toBe("text");
  });

  it("streams a forced tool call as a tool_use block whose input_json_delta pieces join to its input", async () => {
    const stream = await client.messages.create({ model: MODEL, max_tokens: 200, messages: [question], tools: [weather], tool_choice: { type: "any" }, stream: true });
    let json = "";
    let start: unknown;
    let stop: string | null = null;
    for await (const ev of stream) {
      if (ev.type === "content_block_start") start = ev.content_block;
      if (ev.type === "content_block_delta" && ev.delta.type === "input_json_delta") json += ev.delta.partial_json;
      if (ev.type === "message_delta") stop = ev.delta.stop_reason;
    }
    expect(start).toMatchObject({ type: "tool_use", name: "get_weather", input: {} });
    expect(JSON.parse(json)).toEqual({ city: "Paris" });
    expect(stop).toBe("tool_use");
  });

  it("accepts the follow-up turn: tool_use answered by tool_result in the next user message", async () => {
    const m = (await ask({
      tools: [weather],
      messages: [
        question,
        { role: "assistant", content: [{ type: "text", text: "Checking." }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "Sunny, 21 degrees" }] },
      ],
    })) as Anthropic.Message;
    expect(m.stop_reason).toBe("end_turn");
    expect(m.content[0].type).toBe("text");
  });

  it("refuses OpenAI-shaped tools, string tool_choice, and a tool_choice naming no tool", async () => {
    const openaiTool = { type: "function", function: { name: "get_weather", parameters: { type: "object" } } };
    expect(await refusal(ask({ tools: [openaiTool as never] }))).toMatch(/tools\.0: Input tag 'function'/);
    expect(await refusal(ask({ tools: [{ name: "get_weather" } as never] }))).toMatch(/tools\.0\.custom\.input_schema: Field required/);
    expect(await refusal(ask({ tools: [weather], tool_choice: "required" as never }))).toMatch(/tool_choice: Input should be a valid dictionary/);
    expect(await refusal(ask({ tools: [weather], tool_choice: { type: "tool", name: "nope" } }))).toMatch(/Tool 'nope' not found/);
    expect(await refusal(ask({ tool_choice: { type: "any" } }))).toMatch(/only be specified while providing tools/);
  });

  it("refuses OpenAI's tool turns: role tool, an emptied assistant turn, unpaired tool_use and tool_result", async () => {
    const toolUse: Anthropic.MessageParam = { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] };
    const result = (id: string): Anthropic.MessageParam => ({ role: "user", content: [{ type: "tool_result", tool_use_id: id, content: "Sunny" }] });
    expect(await refusal(ask({ tools: [weather], messages: [question, toolUse, { role: "tool", tool_call_id: "toolu_1", content: "Sunny" } as never] }))).toMatch(/messages\.2\.role: Input should be 'user' or 'assistant'/);
    expect(await refusal(ask({ messages: [question, { role: "assistant", content: "" }, { role: "user", content: "and?" }] }))).toMatch(/messages\.1: all messages must have non-empty content/);
    expect(await refusal(ask({ tools: [weather], messages: [question, toolUse, { role: "user", content: "and?" }] }))).toMatch(/ids were found without `tool_result` blocks immediately after: toolu_1/);
    const both: Anthropic.MessageParam = { role: "user", content: [...(result("toolu_1").content as Anthropic.ToolResultBlockParam[]), ...(result("toolu_2").content as Anthropic.ToolResultBlockParam[])] };
    expect(await refusal(ask({ tools: [weather], messages: [question, toolUse, both] }))).toMatch(/unexpected `tool_use_id` found in `tool_result` blocks: toolu_2/);
    expect(await refusal(ask({ messages: [{ role: "system", content: "Be brief." } as never, question] }))).toMatch(/top-level `system` parameter/);
    expect((await usage()).models[MODEL].errors.bad_request).toBe(5);
  });

  it("refuses OpenAI's field names and ranges as the API does: stop, seed, response_format, temperature above 1, whitespace stop sequences", async () => {
    expect(await refusal(ask({ stop: ["END"] } as never))).toMatch(/"stop: Extra inputs are not permitted"/);
    expect(await refusal(ask({ seed: 3 } as never))).toMatch(/"seed: Extra inputs are not permitted"/);
    expect(await refusal(ask({ response_format: { type: "json_object" } } as never))).toMatch(/"response_format: Extra inputs/);
    expect(await refusal(ask({ temperature: 1.5 } as never))).toMatch(/temperature: Input should be less than or equal to 1/);
    expect(await refusal(ask({ stop_sequences: ["\n"] }))).toMatch(/stop_sequences: each stop sequence must contain non-whitespace/);
    expect(await refusal(ask({ messages: [{ role: "user", content: " " }, question] }))).toMatch(/messages\.0: text content blocks must contain non-whitespace text/);
  });

  it("ends the answer at a stop sequence with stop_reason stop_sequence, streamed or not", async () => {
    const full = await client.messages.create({ model: MODEL, max_tokens: 512, messages: [question] });
    const text = (m: Anthropic.Message) => m.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    const word = text(full).split(" ")[2];
    const cut = await client.messages.create({ model: MODEL, max_tokens: 512, messages: [question], stop_sequences: [word] });
    expect(text(cut)).toBe(text(full).slice(0, text(full).indexOf(word)));
    expect(cut).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: word });
    const streamed = await client.messages.stream({ model: MODEL, max_tokens: 512, messages: [question], stop_sequences: [word] }).finalMessage();
    expect(streamed).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: word, content: [{ type: "text", text: text(cut) }] });
  });
});

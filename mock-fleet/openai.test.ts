import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockFleet, type FleetUsage, type MockFleet } from "./server";
import { estimateMessagesTokens, estimateTokens } from "./tokens";

let fleet: MockFleet;
let client: OpenAI;
const usage = async () => (await (await fetch(`${fleet.url}/__fleet/usage`)).json()) as FleetUsage;
const messages = [{ role: "user" as const, content: "What is 17 * 23?" }];

beforeAll(async () => {
  fleet = await startMockFleet({ port: 0 });
  await fetch(`${fleet.url}/__fleet/config`, { method: "POST", body: JSON.stringify({ defaults: { latencyMs: 0, tokensPerSecond: 0 } }) });
  client = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: "sk-test", maxRetries: 0, logLevel: "off" });
});
afterAll(() => fleet.close());
beforeEach(async () => {
  await fetch(`${fleet.url}/__fleet/reset`, { method: "POST" });
});

describe("POST /v1/chat/completions with the openai SDK", () => {
  it("answers without streaming, with usage that matches the token estimate and the counters", async () => {
    const r = await client.chat.completions.create({ model: "gpt-4.1", messages });
    const text = r.choices[0].message.content!;
    expect(text).toBe("17 * 23 = 391"); // gpt-4.1 solves this one
    expect(r.usage).toMatchObject({
      prompt_tokens: estimateMessagesTokens(messages),
      completion_tokens: estimateTokens(text),
      total_tokens: estimateMessagesTokens(messages) + estimateTokens(text),
    });
    const u = (await usage()).models["gpt-4.1"];
    expect(u).toMatchObject({ requests: 1, ok: 1, prompt_tokens: r.usage!.prompt_tokens, completion_tokens: r.usage!.completion_tokens });
  });

  it("streams SSE chunks and a final usage chunk with empty choices when include_usage is set", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Describe a good code review." }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let chunks = 0;
    let finish: string | null = null;
    let final: OpenAI.Chat.Completions.ChatCompletionChunk | undefined;
    for await (const c of stream) {
      chunks++;
      text += c.choices[0]?.delta?.content ?? "";
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) final = c;
    }
    expect(chunks).toBeGreaterThan(5);
    expect(finish).toBe("stop");
    expect(final?.choices).toEqual([]);
    expect(final?.usage?.completion_tokens).toBe(estimateTokens(text));
    expect((await usage()).models["gpt-4o-mini"].completion_tokens).toBe(estimateTokens(text));
  });

  it("ends with data: [DONE] on the wire", async () => {
    const res = await fetch(`${fleet.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages, stream: true }),
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const body = await res.text();
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(body).not.toContain('"usage":{');
  });

  it("bills nothing for a completed stream that did not report usage", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true });
    for await (const c of stream) expect(c.usage ?? null).toBeNull();
    const u = (await usage()).models["gpt-4o-mini"];
    expect(u).toMatchObject({ requests: 1, ok: 1, prompt_tokens: 0, completion_tokens: 0 });
  });

  it("lists models", async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(expect.arrayContaining(["gpt-4.1", "grok-3", "llama3.1:8b"]));
  });
});

describe("OpenAI-shaped errors", () => {
  it("401 without a key and with bad-key", async () => {
    const res = await fetch(`${fleet.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "gpt-4.1", messages }) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/API key/);
    const bad = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: "bad-key", maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: "gpt-4.1", messages })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await usage()).totals.errors.auth).toBe(2);
  });

  it("404 model_not_found for an unknown model", async () => {
    const err = await client.chat.completions.create({ model: "gpt-9", messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });

  it("400 context_length_exceeded when prompt plus max_tokens exceeds the window", async () => {
    // A max_tokens within gpt-4o-mini's 16,384 output tokens (above it is refused for that first), with a prompt of ~120,000 tokens.
    const err = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "word ".repeat(96_000) }], max_tokens: 16_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.code).toBe("context_length_exceeded");
    expect(e.message).toMatch(/maximum context length is 128000 tokens/);
    expect((await usage()).totals.errors.bad_request).toBe(1);
  });

  it("x-mock-fail: 429 carries retry-after, 500 is a server error", async () => {
    const rl = await client.chat.completions.create({ model: "gpt-4.1", messages }, { headers: { "x-mock-fail": "429" } }).catch((e: unknown) => e);
    expect(rl).toBeInstanceOf(OpenAI.RateLimitError);
    expect((rl as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("1");
    const se = await client.chat.completions.create({ model: "gpt-4.1", messages }, { headers: { "x-mock-fail": "500" } }).catch((e: unknown) => e);
    expect(se).toBeInstanceOf(OpenAI.InternalServerError);
    expect((await usage()).models["gpt-4.1"].errors).toMatchObject({ rate_limit: 1, server: 1 });
  });

  it("x-mock-fail: garbage answers 200 with a body that is not JSON", async () => {
    const err = await client.chat.completions.create({ model: "gpt-4.1", messages }, { headers: { "x-mock-fail": "garbage" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyntaxError);
  });

  it("x-mock-fail: drop destroys the socket mid-stream, after some content", async () => {
    const stream = await client.chat.completions.create(
      { model: "gpt-4.1", messages: [{ role: "user", content: "Write a plan for a product launch." }], stream: true, stream_options: { include_usage: true } },
      { headers: { "x-mock-fail": "drop" } },
    );
    let text = "";
    let sawUsage = false;
    const run = async () => {
      for await (const c of stream) {
        text += c.choices[0]?.delta?.content ?? "";
        if (c.usage) sawUsage = true;
      }
    };
    await expect(run()).rejects.toThrow();
    expect(text.length).toBeGreaterThan(0);
    expect(sawUsage).toBe(false);
    const u = (await usage()).models["gpt-4.1"];
    expect(u).toMatchObject({ ok: 0, prompt_tokens: 0, completion_tokens: 0 });
    expect(u.errors.drop).toBe(1);
  });

  it("x-mock-fail: timeout never answers; the client gives up", async () => {
    const started = Date.now();
    const err = await client.chat.completions
      .create({ model: "gpt-4.1", messages }, { headers: { "x-mock-fail": "timeout" }, timeout: 200 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect((await usage()).models["gpt-4.1"].errors.timeout).toBe(1);
  });
});

describe("tools on /v1/chat/completions", () => {
  const tools: OpenAI.ChatCompletionTool[] = [
    { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
    { type: "function", function: { name: "get_time" } },
  ];
  const question = [{ role: "user" as const, content: "What is the weather in Paris?" }];

  it('calls a tool when tool_choice is "required" or names a function, and answers in text under "auto"', async () => {
    const required = await client.chat.completions.create({ model: "gpt-4.1-mini", messages: question, tools, tool_choice: "required" });
    expect(required.choices[0].finish_reason).toBe("tool_calls");
    expect(required.choices[0].message.content).toBeNull();
    expect(required.choices[0].message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
    const named = await client.chat.completions.create({ model: "gpt-4.1-mini", messages: question, tools, tool_choice: { type: "function", function: { name: "get_time" } } });
    expect(named.choices[0].message.tool_calls?.[0]).toMatchObject({ function: { name: "get_time", arguments: "{}" } });
    const auto = await client.chat.completions.create({ model: "gpt-4.1-mini", messages: question, tools, tool_choice: "auto" });
    expect(auto.choices[0].finish_reason).toBe("stop");
    expect(auto.choices[0].message.tool_calls).toBeUndefined();
  });

  it("streams a forced call as tool_calls deltas: id and name first, then the arguments in pieces", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-4.1-mini", messages: question, tools, tool_choice: "required", stream: true, stream_options: { include_usage: true } });
    let args = "";
    let name = "";
    let finish: string | null = null;
    let pieces = 0;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += d.function?.name ?? "";
        args += d.function?.arguments ?? "";
        pieces++;
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect({ name, args: JSON.parse(args), finish }).toEqual({ name: "get_weather", args: { city: "Paris" }, finish: "tool_calls" });
    expect(pieces).toBeGreaterThan(2);
  });

  it("refuses tool_choice without tools or naming a missing function, and a tool message answering no call", async () => {
    const bad = (body: Record<string, unknown>) => client.chat.completions.create({ model: "gpt-4.1-mini", messages: question, ...body } as never).catch((e: unknown) => e);
    expect(await bad({ tool_choice: "required" })).toBeInstanceOf(OpenAI.BadRequestError);
    expect(((await bad({ tools, tool_choice: { type: "function", function: { name: "nope" } } })) as Error).message).toMatch(/no function named 'nope'/);
    expect(((await bad({ tools: [{ name: "get_weather", input_schema: {} }] })) as Error).message).toMatch(/tools\[0\]\.type/);
    const stray = await bad({ messages: [...question, { role: "tool", tool_call_id: "call_1", content: "Sunny" }] });
    expect((stray as Error).message).toMatch(/must be a response to a preceeding message with 'tool_calls'/);
    const unanswered = await bad({ tools, messages: [...question, { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } }] }, { role: "user", content: "?" }] });
    expect((unanswered as Error).message).toMatch(/did not have response messages: call_1/);
  });

  it("ends the answer before a stop sequence, and answers in JSON under response_format", async () => {
    const full = (await client.chat.completions.create({ model: "gpt-4.1-mini", messages: question })).choices[0].message.content!;
    const word = full.split(" ")[2];
    const cut = await client.chat.completions.create({ model: "gpt-4.1-mini", messages: question, stop: word });
    expect(cut.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: full.slice(0, full.indexOf(word)) } });
    const json = await client.chat.completions.create({ model: "gpt-4.1-mini", messages: [{ role: "user", content: "The weather in Paris as JSON" }], response_format: { type: "json_object" } });
    expect(JSON.parse(json.choices[0].message.content!)).toEqual({ answer: expect.any(String) });
    const schema = { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city", "days"] };
    const typed = await client.chat.completions.create({ model: "gpt-4.1-mini", messages: [{ role: "user", content: "Weather for 3 days in Paris" }], response_format: { type: "json_schema", json_schema: { name: "forecast", schema } } });
    expect(JSON.parse(typed.choices[0].message.content!)).toEqual({ city: "Paris", days: 3 });
  });

  it("refuses what the vendors refuse: json_object without 'json' in the messages, 5 stop sequences, parallel_tool_calls without tools, Mistral's unknown fields", async () => {
    const bad = (body: Record<string, unknown>, model = "gpt-4.1-mini") => client.chat.completions.create({ model, messages: question, ...body } as never).then(() => new Error("answered"), (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
    expect((await bad({ response_format: { type: "json_object" } })).message).toMatch(/must contain the word 'json'/);
    expect((await bad({ stop: ["a", "b", "c", "d", "e"] })).message).toMatch(/maximum length 4/);
    expect((await bad({ parallel_tool_calls: false })).message).toMatch(/only allowed when 'tools' are specified/);
    const mistral = await bad({ seed: 1 }, "mistral-small-latest");
    expect(mistral).toMatchObject({ status: 422, message: expect.stringMatching(/body\.seed: Extra inputs are not permitted/) });
    expect(await client.chat.completions.create({ model: "mistral-small-latest", messages: question, random_seed: 1 } as never)).toHaveProperty("choices");
  });

  it("Mistral's tool call ids are 9 letters or digits, and it refuses others in the history", async () => {
    const r = await client.chat.completions.create({ model: "mistral-small-latest", messages: question, tools, tool_choice: "required" });
    const call = r.choices[0].message.tool_calls![0];
    expect(call.id).toMatch(/^[a-zA-Z0-9]{9}$/);
    const turn = (id: string) => [...question, { role: "assistant" as const, content: null, tool_calls: [{ ...call, id }] }, { role: "tool" as const, tool_call_id: id, content: "Sunny" }];
    expect((await client.chat.completions.create({ model: "mistral-small-latest", messages: turn(call.id), tools })).choices[0].finish_reason).toBe("stop");
    const err = await client.chat.completions.create({ model: "mistral-small-latest", messages: turn("call_abc123"), tools }).then(() => new Error("answered"), (e: unknown) => e as Error);
    expect(err.message).toMatch(/Tool call id was call_abc123 but must be a-z, A-Z, 0-9, with a length of 9/);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockFleet, type MockFleet } from "../../mock-fleet/server";
import { REDACTED_THINKING_TRIGGER, thinkingFor } from "../../mock-fleet/answers";
import { dataUrl, png as pngOf } from "../../mock-fleet/test-images";
import { anthropicRequest, callModel, completeModel, mistralToolCallId, testConnection, THINKING_BUDGET_TOKENS, type CallOptions, type ChatMessage, type ThinkingBlock, type ToolCallOut } from "./call";
import { defaultProviders, type ProviderKind } from "./catalog";
import { anthropicClient, openaiClient, resetProviderClients } from "./client";
import { estimateMessagesTokens } from "./cost";
import { ProviderError } from "./errors";

let fleet: MockFleet;

const MODEL: Record<ProviderKind, string> = {
  openai: "gpt-4.1-mini",
  anthropic: "claude-3-5-haiku-20241022",
  xai: "grok-3-mini",
  mistral: "mistral-small-latest",
  ollama: "llama3.1:8b",
};
const KINDS = Object.keys(MODEL) as ProviderKind[];

function provider(kind: ProviderKind, apiKey = "test-key") {
  const p = defaultProviders(fleet.url).find((x) => x.kind === kind)!;
  return { kind, baseUrl: p.baseUrl, apiKey };
}

function opts(kind: ProviderKind, extra: Partial<CallOptions> = {}): CallOptions {
  return {
    provider: provider(kind),
    model: MODEL[kind],
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Explain how a budget reservation protects a team from overspending." },
    ],
    timeoutMs: 5_000,
    ...extra,
  };
}

const usage = () => fleet.usage();
const configure = (body: unknown) => fleet.configure(body);

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

beforeAll(async () => {
  // Zero latency and pace: these tests check behaviour, not timing.
  fleet = await startMockFleet({ port: 0, seed: 7 });
  await configure({ defaults: { latencyMs: 0, tokensPerSecond: 0 } });
});
afterAll(async () => {
  await resetProviderClients();
  await fleet.close();
});
beforeEach(async () => {
  await fleet.reset();
});

describe.each(KINDS)("callModel through the %s SDK path", (kind) => {
  it("streams deltas whose concatenation is the final text, with the provider's usage", async () => {
    const deltas: string[] = [];
    let done: Extract<Awaited<ReturnType<typeof completeModel>>, { type: "done" }> | undefined;
    for await (const ev of callModel(opts(kind))) {
      if (ev.type === "delta") deltas.push(ev.text);
      else done = ev;
    }
    expect(done).toBeDefined();
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe(done!.text);
    expect(done!.text).toContain(MODEL[kind]);
    expect(done!.finishReason).toBe(kind === "anthropic" ? "end_turn" : "stop");

    const u = (await usage()).models[MODEL[kind]];
    expect(u.requests).toBe(1);
    expect(u.ok).toBe(1);
    expect(done!.usage).toEqual({ inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens, cachedInputTokens: 0 });
    expect(done!.usage.inputTokens).toBeGreaterThan(15);
  });

  it("completeModel returns the same deterministic answer as the stream", async () => {
    const a = await completeModel(opts(kind));
    const b = await completeModel(opts(kind));
    expect(b.text).toBe(a.text);
    const u = (await usage()).totals;
    expect(u.completion_tokens).toBe(a.usage.outputTokens + b.usage.outputTokens);
  });

  it("honours maxTokens and reports a length stop", async () => {
    const done = await completeModel(opts(kind, { maxTokens: 5 }));
    expect(done.usage.outputTokens).toBeLessThanOrEqual(5);
    expect(done.finishReason).toBe(kind === "anthropic" ? "max_tokens" : "length");
  });

  it.each([
    ["429", "rate_limit", true, 429],
    ["500", "server", true, 500],
    ["drop", "stream_dropped", true, undefined],
    ["garbage", "bad_response", true, undefined],
  ] as const)("x-mock-fail %s is classified as %s", async (fail, kindOut, retryable, status) => {
    const err = await failure(completeModel(opts(kind, { headers: { "x-mock-fail": fail } })));
    expect(err.kind).toBe(kindOut);
    expect(err.retryable).toBe(retryable);
    expect(err.status).toBe(status);
    if (fail === "429") expect(err.retryAfterMs).toBe(1000);
    // Failures bill nothing, so the app's records and the fleet's counters agree.
    const t = (await usage()).totals;
    expect(t.ok).toBe(0);
    expect(t.prompt_tokens + t.completion_tokens).toBe(0);
  });

  it("a provider that never answers times out after timeoutMs", async () => {
    const started = Date.now();
    const err = await failure(completeModel(opts(kind, { timeoutMs: 300, headers: { "x-mock-fail": "timeout" } })));
    expect(err.kind).toBe("timeout");
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("a stream that stalls mid-way times out too (timeoutMs is an idle limit)", async () => {
    await configure({ models: { [MODEL[kind]]: { tokensPerSecond: 2 } } });
    try {
      const seen: string[] = [];
      const err = await failure(
        (async () => {
          for await (const ev of callModel(opts(kind, { timeoutMs: 250 }))) if (ev.type === "delta") seen.push(ev.text);
        })(),
      );
      expect(seen.length).toBeGreaterThan(0);
      expect(err.kind).toBe("timeout");
    } finally {
      await configure({ models: { [MODEL[kind]]: { tokensPerSecond: 0 } } });
    }
  });

  it("an unknown model is not_found and not retryable", async () => {
    const err = await failure(completeModel(opts(kind, { model: "no-such-model" })));
    expect(err.kind).toBe("not_found");
    expect(err.status).toBe(404);
    expect(err.retryable).toBe(false);
  });

  it.skipIf(kind === "ollama")("a bad key is an auth error", async () => {
    const err = await failure(completeModel({ ...opts(kind), provider: provider(kind, "bad-key") }));
    expect(err.kind).toBe("auth");
    expect(err.status).toBe(401);
    expect(err.retryable).toBe(false);
  });

  it("a prompt over the context window is context_length", async () => {
    await configure({ models: { [MODEL[kind]]: { contextWindow: 50 } } });
    try {
      const err = await failure(completeModel(opts(kind, { messages: [{ role: "user", content: "x".repeat(400) }] })));
      expect(err.kind).toBe("context_length");
      expect(err.status).toBe(400);
    } finally {
      await configure({ models: { [MODEL[kind]]: { contextWindow: 100_000 } } });
    }
  });

  it("the caller's abort signal stops the call as aborted", async () => {
    await configure({ models: { [MODEL[kind]]: { latencyMs: 0, tokensPerSecond: 50 } } });
    try {
      const ac = new AbortController();
      const seen: string[] = [];
      const err = await failure(
        (async () => {
          for await (const ev of callModel(opts(kind, { signal: ac.signal }))) {
            if (ev.type === "delta") seen.push(ev.text);
            if (seen.length === 2) ac.abort();
          }
        })(),
      );
      expect(err.kind).toBe("aborted");
      expect(err.retryable).toBe(false);
    } finally {
      await configure({ models: { [MODEL[kind]]: { tokensPerSecond: 0 } } });
    }
  });

  it("testConnection lists models, and reports a bad key", async () => {
    const ok = await testConnection(provider(kind));
    expect(ok.ok).toBe(true);
    expect(ok.models).toContain(MODEL[kind]);
    if (kind !== "ollama") {
      const bad = await testConnection(provider(kind, "bad-key"));
      expect(bad).toMatchObject({ ok: false, errorKind: "auth" });
    }
  });
});

describe("provider plumbing", () => {
  it("a provider that quotes the key it was sent back in its error does not pass the key on", async () => {
    // The mock, like OpenAI-compatible servers, answers "Incorrect API key provided: <key>".
    const call = await failure(completeModel(opts("openai", { provider: provider("openai", "bad-key") })));
    const check = await testConnection(provider("openai", "bad-key"));
    expect([call.kind, call.message]).toEqual(["auth", "401 Incorrect API key provided: [the provider's key]."]);
    expect(check.error).toBe("401 Incorrect API key provided: [the provider's key].");
  });

  it("random faults from the fleet's error rates are all classified and never billed", async () => {
    await configure({ models: { "gpt-4o-mini": { errorRates: { rateLimit: 0.2, server: 0.2, drop: 0.2 } } } });
    try {
      const kinds: Record<string, number> = {};
      let billedOutput = 0;
      for (let i = 0; i < 40; i++) {
        try {
          const d = await completeModel(opts("openai", { model: "gpt-4o-mini" }));
          kinds.ok = (kinds.ok ?? 0) + 1;
          billedOutput += d.usage.outputTokens;
        } catch (e) {
          expect(e).toBeInstanceOf(ProviderError);
          const k = (e as ProviderError).kind;
          kinds[k] = (kinds[k] ?? 0) + 1;
        }
      }
      const u = (await usage()).models["gpt-4o-mini"];
      expect(kinds.ok).toBe(u.ok);
      expect(kinds.rate_limit ?? 0).toBe(u.errors.rate_limit);
      expect(kinds.server ?? 0).toBe(u.errors.server);
      expect(kinds.stream_dropped ?? 0).toBe(u.errors.drop);
      expect(u.ok).toBeGreaterThan(0);
      expect(u.errors.rate_limit + u.errors.server + u.errors.drop).toBeGreaterThan(0);
      expect(billedOutput).toBe(u.completion_tokens);
      expect(u.requests).toBe(40);
      expect(u.ok + Object.values(u.errors).reduce((a, b) => a + b, 0)).toBe(u.requests);
    } finally {
      await configure({ models: { "gpt-4o-mini": { errorRates: { rateLimit: 0, server: 0, drop: 0 } } } });
    }
  });

  it("a missing API key fails fast as auth without a request", async () => {
    const err = await failure(completeModel({ ...opts("openai"), provider: provider("openai", "") }));
    expect(err.kind).toBe("auth");
    expect((await usage()).totals.requests).toBe(0);
  });

  it("a provider that is not listening is a retryable server error", async () => {
    const dead = await startMockFleet({ port: 0 });
    const url = dead.url;
    await dead.close();
    const err = await failure(completeModel({ ...opts("openai"), provider: { kind: "openai", baseUrl: `${url}/v1`, apiKey: "k" } }));
    expect(err.kind).toBe("server");
    expect(err.retryable).toBe(true);
  });

  it("SDK clients are built once per (kind, baseUrl, key)", () => {
    expect(openaiClient(provider("openai"))).toBe(openaiClient(provider("openai")));
    expect(openaiClient(provider("openai"))).not.toBe(openaiClient(provider("xai", "other")));
    expect(anthropicClient(provider("anthropic"))).toBe(anthropicClient(provider("anthropic")));
  });
});

describe("tools through every SDK path", () => {
  const weather = { type: "function", function: { name: "get_weather", description: "Weather by city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };
  const clock = { type: "function", function: { name: "get_time" } };
  const question: ChatMessage = { role: "user", content: "What is the weather in Paris?" };
  const callsOf = (d: { raw?: unknown }) => (d.raw as { toolCalls?: ToolCallOut[] } | undefined)?.toolCalls;
  const TOOL_STOP: Record<ProviderKind, string> = { openai: "tool_calls", anthropic: "tool_use", xai: "tool_calls", mistral: "tool_calls", ollama: "tool_calls" };

  describe.each(KINDS.filter((k) => k !== "ollama"))("%s", (kind) => {
    it.each([true, false])('toolChoice "required" reaches the provider and its call comes back (stream: %s)', async (stream) => {
      const d = await completeModel(opts(kind, { messages: [question], tools: [weather, clock], toolChoice: "required", stream }));
      expect(d.finishReason).toBe(TOOL_STOP[kind]);
      expect(d.text).toBe("");
      expect(callsOf(d)).toEqual([{ id: expect.any(String), name: "get_weather", arguments: expect.any(String) }]);
      expect(JSON.parse(callsOf(d)![0].arguments)).toEqual({ city: "Paris" });
    });

    it("a named function is the one called; without toolChoice the model answers in text", async () => {
      const named = await completeModel(opts(kind, { messages: [question], tools: [weather, clock], toolChoice: { type: "function", function: { name: "get_time" } } }));
      expect(callsOf(named)).toEqual([{ id: expect.any(String), name: "get_time", arguments: "{}" }]);
      const free = await completeModel(opts(kind, { messages: [question], tools: [weather, clock] }));
      expect(callsOf(free)).toBeUndefined();
      expect(free.text.length).toBeGreaterThan(0);
    });

    it.each([true, false])("the follow-up turn with two tool results is accepted and answered (stream: %s)", async (stream) => {
      const d = await completeModel(
        opts(kind, {
          stream,
          tools: [weather, clock],
          messages: [
            { role: "system", content: "You are terse." },
            question,
            {
              role: "assistant",
              content: "",
              tool_calls: [
                { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
                { id: "call_2", type: "function", function: { name: "get_time", arguments: "" } },
              ],
            },
            { role: "tool", tool_call_id: "call_1", content: "Sunny, 21 degrees" },
            { role: "tool", tool_call_id: "call_2", content: "14:05" },
          ],
        }),
      );
      expect(d.finishReason).toBe(kind === "anthropic" ? "end_turn" : "stop");
      expect(d.text.length).toBeGreaterThan(0);
      expect((await usage()).models[MODEL[kind]].errors.bad_request).toBe(0);
    });
  });

  it("Anthropic gets its own shapes: tools with input_schema, tool_choice objects, tool_use and merged tool_result blocks", () => {
    const req = anthropicRequest({
      tools: [weather, clock],
      toolChoice: "required",
      messages: [
        { role: "system", content: "Be brief." },
        question,
        { role: "assistant", content: "Checking.", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }, { id: "call_2", type: "function", function: { name: "get_time", arguments: "" } }] },
        { role: "tool", tool_call_id: "call_1", content: "Sunny" },
        { role: "tool", tool_call_id: "call_2", content: "14:05" },
        { role: "user", content: "Thanks." },
      ],
    });
    expect(req.system).toBe("Be brief.");
    expect(req.tools).toEqual([
      { name: "get_weather", description: "Weather by city", input_schema: weather.function.parameters },
      { name: "get_time", input_schema: { type: "object", properties: {} } },
    ]);
    expect(req.tool_choice).toEqual({ type: "any" });
    expect(req.messages).toEqual([
      { role: "user", content: "What is the weather in Paris?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "call_2", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "Sunny" },
          { type: "tool_result", tool_use_id: "call_2", content: "14:05" },
        ],
      },
      { role: "user", content: "Thanks." },
    ]);
    const choice = (c: CallOptions["toolChoice"]) => anthropicRequest({ messages: [question], tools: [weather], toolChoice: c }).tool_choice;
    expect([choice("auto"), choice("none"), choice({ type: "function", function: { name: "get_weather" } })]).toEqual([{ type: "auto" }, { type: "none" }, { type: "tool", name: "get_weather" }]);
    expect(anthropicRequest({ messages: [question], toolChoice: "required" }).tool_choice).toBeUndefined();
  });

  it("empty turns, which OpenAI takes and Anthropic refuses, are left out for Anthropic", async () => {
    const messages: ChatMessage[] = [{ role: "user", content: "hi" }, { role: "assistant", content: "" }, { role: "user", content: " " }, { role: "user", content: "What is 2 + 2?" }];
    expect(anthropicRequest({ messages }).messages).toEqual([{ role: "user", content: "hi" }, { role: "user", content: "What is 2 + 2?" }]);
    for (const stream of [true, false]) expect((await completeModel(opts("anthropic", { messages, stream }))).text).toContain("4");
    expect((await usage()).totals.errors.bad_request).toBe(0);
  });

  it("a tool call history from another provider is accepted by Mistral: its ids become 9 letters or digits, pairs kept", async () => {
    const history = (id: string): ChatMessage[] => [question, { role: "assistant", content: "", tool_calls: [{ id, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] }, { role: "tool", tool_call_id: id, content: "Sunny" }];
    for (const id of ["call_mock_3_0", "toolu_01AbC", "abcdefghi"]) {
      const d = await completeModel(opts("mistral", { tools: [weather], messages: history(id) }));
      expect(d.finishReason).toBe("stop");
    }
    expect((await usage()).totals.errors.bad_request).toBe(0);
    expect(mistralToolCallId("call_mock_3_0")).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(mistralToolCallId("call_mock_3_0")).toBe(mistralToolCallId("call_mock_3_0"));
    expect(mistralToolCallId("call_mock_3_0")).not.toBe(mistralToolCallId("call_mock_4_0"));
    expect(mistralToolCallId("abcdefghi")).toBe("abcdefghi");
  });

  it("tool-call arguments that are not a JSON object are refused before an Anthropic call", async () => {
    const err = await failure(
      completeModel(
        opts("anthropic", {
          tools: [weather],
          messages: [question, { role: "assistant", content: "", tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: "Paris" } }] }, { role: "tool", tool_call_id: "c1", content: "Sunny" }],
        }),
      ),
    );
    expect(err.kind).toBe("bad_request");
    expect(err.message).toMatch(/c1 \(get_weather\) has arguments that are not a JSON object/);
    expect((await usage()).totals.requests).toBe(0);
  });
});

describe("images through the SDK paths", () => {
  const png = dataUrl(pngOf(1000, 1000));
  const look: ChatMessage = { role: "user", content: "What is in this picture?", parts: [{ type: "text", text: "What is in this picture?" }, { type: "image_url", image_url: { url: png } }] };

  it.each([
    ["openai", "gpt-4.1-mini"],
    ["mistral", "mistral-small-latest"],
    ["anthropic", "claude-sonnet-4-20250514"],
  ] as const)("%s: the image reaches %s as that vendor's image part and is billed", async (kind, model) => {
    for (const stream of [true, false]) {
      const d = await completeModel(opts(kind, { model, messages: [look], stream }));
      expect(d.text.length).toBeGreaterThan(0);
      // The fleet bills an image only when it found one in the vendor's own shape, by its size as that vendor does.
      expect(d.usage.inputTokens).toBe(estimateMessagesTokens([look], model));
    }
  });

  it("a vendor's 400 for a model that cannot read images is a bad_request, not retried", async () => {
    const err = await failure(completeModel(opts("xai", { model: "grok-3", messages: [look] })));
    expect(err.kind).toBe("bad_request");
    expect(err.retryable).toBe(false);
  });

  it("Anthropic gets base64 and URL image blocks in the parts' order; other image types are refused", () => {
    const req = anthropicRequest({ messages: [{ ...look, parts: [{ type: "image_url", image_url: { url: "https://example.com/a.jpg" } }, ...look.parts!] }] });
    expect(req.messages[0].content).toEqual([
      { type: "image", source: { type: "url", url: "https://example.com/a.jpg" } },
      { type: "text", text: "What is in this picture?" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: png.slice(png.indexOf(",") + 1) } },
    ]);
    expect(() => anthropicRequest({ messages: [{ ...look, parts: [{ type: "image_url", image_url: { url: "data:image/bmp;base64,Qk0=" } }] }] })).toThrow(/image\/bmp; Anthropic models read image\/jpeg, image\/png/);
  });
  it("a tool history sent without tools defines the tools it called for Claude, which may call none of them", () => {
    const call = { id: "toolu_1", type: "function" as const, function: { name: "get_weather", arguments: '{"city":"Paris"}' } };
    const history: ChatMessage[] = [{ role: "user", content: "Weather?" }, { role: "assistant", content: "", tool_calls: [call] }, { role: "tool", tool_call_id: "toolu_1", content: "Sunny" }];
    const req = anthropicRequest({ messages: history });
    expect(req.tools).toEqual([{ name: "get_weather", description: "Called earlier in this conversation; not available now.", input_schema: { type: "object" } }]);
    expect(req.tool_choice).toEqual({ type: "none" });
    // With tools of its own, the request is sent as it is.
    const own = anthropicRequest({ messages: history, tools: [{ type: "function", function: { name: "get_weather" } }], toolChoice: "auto" });
    expect(own.tool_choice).toEqual({ type: "auto" });
    expect(anthropicRequest({ messages: [history[0]] }).tools).toBeUndefined();
  });

  it("a named speaker opens its message's text for Claude, images and all; reasoning_effort becomes extended thinking there, not dropped", () => {
    const req = anthropicRequest({ messages: [{ role: "system", name: "ops", content: "Be brief." }, { ...look, name: "Ada" }, { role: "assistant", name: "bot", content: "A cat." }] });
    expect(req.system).toBe("ops: Be brief.");
    expect(req.messages[0].content).toEqual([{ type: "text", text: "Ada: What is in this picture?" }, { type: "image", source: { type: "base64", media_type: "image/png", data: png.slice(png.indexOf(",") + 1) } }]);
    expect(req.messages[1]).toEqual({ role: "assistant", content: "bot: A cat." });
    expect(anthropicRequest({ messages: [look], reasoningEffort: "high" }).thinking).toEqual({ type: "enabled", budget_tokens: THINKING_BUDGET_TOKENS.high });
    expect(anthropicRequest({ messages: [look], reasoningEffort: "none" })).not.toHaveProperty("thinking");
  });
});

describe("OpenAI's generation options through every SDK path", () => {
  const question: ChatMessage = { role: "user", content: "Name the capital of France, in JSON." };
  const city = { type: "json_schema" as const, json_schema: { name: "capital", schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };

  describe.each(KINDS)("%s", (kind) => {
    it.each([true, false])("stop ends the answer before the first stop sequence (stream: %s)", async (stream) => {
      const full = await completeModel(opts(kind, { stream }));
      const word = full.text.split(" ")[3];
      const d = await completeModel(opts(kind, { stream, stop: [word, "never-in-the-answer"] }));
      expect(d.text).toBe(full.text.slice(0, full.text.indexOf(word)));
      expect(d.finishReason).toBe(kind === "anthropic" ? "stop_sequence" : "stop");
      expect((await usage()).totals.errors.bad_request).toBe(0);
    });

    it.each([true, false])("a json_schema response_format is answered with JSON matching the schema (stream: %s)", async (stream) => {
      const d = await completeModel(opts(kind, { stream, messages: [question], responseFormat: city }));
      expect(JSON.parse(d.text)).toEqual({ city: expect.any(String) });
      expect(d.finishReason).toBe(kind === "anthropic" ? "end_turn" : "stop");
      expect((d.raw as { toolCalls?: unknown }).toolCalls).toBeUndefined();
    });

    it("a json_object response_format is answered with a JSON object; seed and top_p are accepted", async () => {
      const d = await completeModel(opts(kind, { messages: [question], responseFormat: { type: "json_object" }, seed: 7, topP: 0.5, temperature: 0.2 }));
      expect(JSON.parse(d.text)).toBeTypeOf("object");
      expect((await usage()).totals.errors.bad_request).toBe(0);
    });
  });

  it("Anthropic gets stop_sequences, top_p, disable_parallel_tool_use and no seed", () => {
    const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } };
    const req = anthropicRequest({ messages: [question], stop: ["END"], topP: 0.5, temperature: 0.3, seed: 4, tools: [weather], parallelToolCalls: false });
    expect(req).toMatchObject({ stop_sequences: ["END"], top_p: 0.5, temperature: 0.3, tool_choice: { type: "auto", disable_parallel_tool_use: true } });
    expect(req).not.toHaveProperty("seed");
    expect(anthropicRequest({ messages: [question], tools: [weather], toolChoice: "required", parallelToolCalls: false }).tool_choice).toEqual({ type: "any", disable_parallel_tool_use: true });
  });

  it.each([
    [{ temperature: 1.5 }, /temperature 1.5 is above 1/],
    [{ stop: ["\n"] }, /only whitespace/],
    [{ responseFormat: city, tools: [{ type: "function", function: { name: "f" } }] }, /response_format together with tools/],
  ] as [Partial<CallOptions>, RegExp][])("what Anthropic cannot take (%o) is refused before the call, retryable for a fallback", async (extra, message) => {
    const err = await failure(completeModel(opts("anthropic", extra)));
    expect(err).toMatchObject({ kind: "bad_request", retryable: true });
    expect(err.message).toMatch(message);
    expect((await usage()).totals.requests).toBe(0);
  });
});

describe("reasoning_effort on a Claude model is extended thinking", () => {
  const SONNET = "claude-sonnet-4-20250514";
  const task = "Explain how a budget reservation protects a team from overspending.";

  it.each([true, false])("thinks with the effort's budget on top of max_tokens; the answer is the text alone, the thinking billed as output (stream: %s)", async (stream) => {
    const base = opts("anthropic", { model: SONNET, stream, maxTokens: 256 });
    const plain = await completeModel(base);
    const deltas: string[] = [];
    let done: Extract<Awaited<ReturnType<typeof completeModel>>, { type: "done" }> | undefined;
    for await (const ev of callModel({ ...base, reasoningEffort: "medium" })) {
      if (ev.type === "delta") deltas.push(ev.text);
      else done = ev;
    }
    expect(done!.text).toBe(plain.text);
    expect(deltas.join("")).toBe(plain.text);
    expect(deltas.join("")).not.toContain(thinkingFor(task));
    // The fleet thinks its whole budget, billed as output; the answer kept its 256 tokens (not cut).
    expect(done!.usage.outputTokens).toBe(plain.usage.outputTokens + THINKING_BUDGET_TOKENS.medium);
    expect(done!.finishReason).toBe("end_turn");
    expect((await usage()).totals.errors.bad_request).toBe(0);
  });

  it.each([
    [{ temperature: 0.5 }, /takes no temperature other than 1/],
    [{ topP: 0.5 }, /takes top_p only from 0\.95 to 1/],
    [{ responseFormat: { type: "json_object" } }, /cannot be combined with a JSON response_format/],
    [{ tools: [{ type: "function", function: { name: "calc" } }], toolChoice: "required" }, /tool_choice may be "auto" or "none"/],
    [
      {
        messages: [
          { role: "user", content: "What is 17 * 23?" },
          { role: "assistant", content: "", tool_calls: [{ id: "call_1", type: "function", function: { name: "calc", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "call_1", content: "391" },
        ],
      },
      /needs the thinking of the last assistant turn that called tools sent back, and that turn's thinking is not known to Mission Control: .* for 24 hours, by the ids of its tool calls/,
    ],
  ] as [Partial<CallOptions>, RegExp][])("what thinking cannot take (%o) is refused before the call, retryable for a fallback", async (extra, message) => {
    const err = await failure(completeModel(opts("anthropic", { model: SONNET, reasoningEffort: "high", ...extra })));
    expect(err).toMatchObject({ kind: "bad_request", retryable: true });
    expect(err.message).toMatch(message);
    expect((await usage()).totals.requests).toBe(0);
    // The same request without reasoning_effort is sent.
    await completeModel(opts("anthropic", { model: SONNET, ...extra }));
    expect((await usage()).totals.ok).toBe(1);
  });

  describe("near the context window", () => {
    const WINDOW = 12_000;
    const messages: ChatMessage[] = [{ role: "user", content: `${task} ${"word ".repeat(6_000)}` }];
    const prompt = estimateMessagesTokens(messages);
    beforeEach(async () => {
      await configure({ models: { [SONNET]: { contextWindow: WINDOW } } });
    });
    afterAll(async () => {
      await configure({ models: { [SONNET]: { contextWindow: 200_000 } } });
    });

    it.each([true, false])("the thinking budget shrinks to what the window leaves beside the prompt and the answer, and Claude answers (stream: %s)", async (stream) => {
      const base = opts("anthropic", { model: SONNET, stream, messages, maxTokens: 1_000 });
      // Prompt + answer + the full xhigh budget would pass the window: Anthropic would refuse it.
      expect(prompt + 1_000 + THINKING_BUDGET_TOKENS.xhigh).toBeGreaterThan(WINDOW);
      const plain = await completeModel({ ...base, contextWindow: WINDOW });
      const done = await completeModel({ ...base, contextWindow: WINDOW, reasoningEffort: "xhigh" });
      expect(done.text).toBe(plain.text);
      // The fleet thinks its whole budget, billed as output: the budget Claude received is what the window leaves.
      const shrunk = WINDOW - prompt - 1_000;
      expect(shrunk).toBeGreaterThanOrEqual(1_024);
      expect(done.usage.outputTokens).toBe(plain.usage.outputTokens + shrunk);
      expect(anthropicRequest({ ...base, contextWindow: WINDOW, reasoningEffort: "xhigh" })).toMatchObject({ max_tokens: 1_000 + shrunk, thinking: { type: "enabled", budget_tokens: shrunk } });
      // The caller's estimate of the prompt, where it sends one (delegate's), is the one the budget leaves room for.
      expect(anthropicRequest({ ...base, contextWindow: WINDOW, reasoningEffort: "xhigh", promptTokens: prompt + 100 })).toMatchObject({ thinking: { budget_tokens: shrunk - 100 } });
      // A budget that fits is sent as it is.
      expect(anthropicRequest({ ...base, contextWindow: WINDOW, reasoningEffort: "low" })).toMatchObject({ max_tokens: 1_000 + THINKING_BUDGET_TOKENS.low, thinking: { budget_tokens: THINKING_BUDGET_TOKENS.low } });
      expect((await usage()).totals.errors.bad_request).toBe(0);
    });

    it("when not even Anthropic's 1,024 thinking tokens fit, the call is refused before it is sent, saying what to change, retryable for a fallback", async () => {
      const maxTokens = WINDOW - prompt - 1_000;
      const err = await failure(completeModel(opts("anthropic", { model: SONNET, messages, maxTokens, contextWindow: WINDOW, reasoningEffort: "minimal" })));
      expect(err).toMatchObject({ kind: "context_length", retryable: true });
      expect(err.message).toBe(
        `reasoning_effort on an Anthropic model is extended thinking, which needs at least 1,024 thinking tokens in the context window beside the prompt and the answer: ` +
          `${SONNET}'s window is 12,000 tokens, and the prompt (about ${prompt.toLocaleString("en-US")}) with the answer's max_tokens (${maxTokens.toLocaleString("en-US")}) leaves 1,000. ` +
          "Send a shorter prompt or a lower max_tokens, leave reasoning_effort out, or choose a model with a larger context window.",
      );
      expect((await usage()).totals.requests).toBe(0);
      // Without reasoning_effort the same call fits and is answered.
      await completeModel(opts("anthropic", { model: SONNET, messages, maxTokens, contextWindow: WINDOW }));
      expect((await usage()).totals.ok).toBe(1);
    });
  });

  describe("near the output limit (Claude Sonnet 4 answers at most 64,000 tokens, thinking included)", () => {
    const LIMIT = 64_000;

    it.each([true, false])("the thinking budget shrinks to what the output limit leaves beside the answer, and Claude answers instead of the vendor's 400 (stream: %s)", async (stream) => {
      const base = opts("anthropic", { model: SONNET, stream, maxTokens: 50_000, contextWindow: 200_000 });
      expect(50_000 + THINKING_BUDGET_TOKENS.xhigh).toBeGreaterThan(LIMIT);
      const plain = await completeModel(base);
      const done = await completeModel({ ...base, maxOutputTokens: LIMIT, reasoningEffort: "xhigh" });
      expect(done.text).toBe(plain.text);
      expect(done.usage.outputTokens).toBe(plain.usage.outputTokens + (LIMIT - 50_000));
      expect(anthropicRequest({ ...base, maxOutputTokens: LIMIT, reasoningEffort: "xhigh" })).toMatchObject({ max_tokens: LIMIT, thinking: { budget_tokens: LIMIT - 50_000 } });
      expect((await usage()).totals.errors.bad_request).toBe(0);
    });

    it("when not even 1,024 thinking tokens fit beside the answer, the call is refused before it is sent, saying what to change, retryable for a fallback", async () => {
      const err = await failure(completeModel(opts("anthropic", { model: SONNET, maxTokens: 63_500, maxOutputTokens: LIMIT, reasoningEffort: "low" })));
      expect(err).toMatchObject({ kind: "bad_request", retryable: true });
      expect(err.message).toBe(
        "reasoning_effort on an Anthropic model is extended thinking, which needs at least 1,024 thinking tokens within the model's output limit beside the answer: " +
          `${SONNET} answers at most 64,000 tokens in one response, thinking included, and the answer's max_tokens (63,500) leaves 500. ` +
          "Send a max_tokens of at most 62,976, leave reasoning_effort out, or choose a model with a larger output limit.",
      );
      expect((await usage()).totals.requests).toBe(0);
    });

    it("Anthropic's default allowance (4,096) is lowered to a smaller output limit", () => {
      expect(anthropicRequest({ messages: [{ role: "user", content: "hi" }], maxOutputTokens: 2_048 }).max_tokens).toBe(2_048);
      expect(anthropicRequest({ messages: [{ role: "user", content: "hi" }], maxOutputTokens: LIMIT }).max_tokens).toBe(4_096);
    });
  });

  describe("a tool loop: the thinking of a turn that called tools comes back in raw.thinking, and goes first in that turn when sent with thinkingBlocks", () => {
    const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];
    const asked = `Use the get_weather tool for Paris ${REDACTED_THINKING_TRIGGER}`;
    const first = (stream: boolean) => completeModel(opts("anthropic", { model: SONNET, stream, reasoningEffort: "low", tools, toolChoice: "auto", messages: [{ role: "user", content: asked }] }));
    const loop = (call: ToolCallOut): ChatMessage[] => [
      { role: "user", content: asked },
      { role: "assistant", content: "", tool_calls: [{ id: call.id!, type: "function", function: { name: call.name!, arguments: call.arguments } }] },
      { role: "tool", tool_call_id: call.id!, content: "18 °C" },
    ];

    it.each([true, false])("stream: %s — thinking and redacted thinking kept whole, none in the answer; turn 2 with them is answered by the model", async (stream) => {
      const done = await first(stream);
      expect(done.finishReason).toBe("tool_use");
      const { toolCalls, thinking } = done.raw as { toolCalls: ToolCallOut[]; thinking: ThinkingBlock[] };
      expect(thinking).toEqual([
        { type: "thinking", thinking: thinkingFor(asked), signature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) },
        { type: "redacted_thinking", data: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) },
      ]);
      expect(done.text).toBe("");
      const next = await completeModel(opts("anthropic", { model: SONNET, stream, reasoningEffort: "low", tools, messages: loop(toolCalls[0]), thinkingBlocks: new Map([[toolCalls[0].id!, thinking]]) }));
      expect(next.finishReason).toBe("end_turn");
      expect(next.text).not.toBe("");
      expect((await usage()).totals.errors.bad_request).toBe(0);
    });

    it("blocks kept for other tool call ids do not count: refused before the call, as without any", async () => {
      const done = await first(false);
      const { toolCalls, thinking } = done.raw as { toolCalls: ToolCallOut[]; thinking: ThinkingBlock[] };
      const err = await failure(completeModel(opts("anthropic", { model: SONNET, reasoningEffort: "low", tools, messages: loop(toolCalls[0]), thinkingBlocks: new Map([["toolu_other", thinking]]) })));
      expect(err).toMatchObject({ kind: "bad_request", retryable: true });
      expect((await usage()).totals.requests).toBe(1);
    });

    it("the blocks are sent only with thinking: without reasoning_effort the turn goes as it is", () => {
      const call = { id: "toolu_1", name: "get_weather", arguments: "{}" };
      const kept = new Map([["toolu_1", [{ type: "thinking" as const, thinking: "t", signature: "s" }]]]);
      expect(anthropicRequest({ messages: loop(call), thinkingBlocks: kept }).messages[1].content).toEqual([{ type: "tool_use", id: "toolu_1", name: "get_weather", input: {} }]);
      expect(anthropicRequest({ messages: loop(call), thinkingBlocks: kept, reasoningEffort: "low" }).messages[1].content).toEqual([{ type: "thinking", thinking: "t", signature: "s" }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} }]);
    });
  });
});

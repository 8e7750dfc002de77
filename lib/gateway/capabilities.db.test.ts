import OpenAI from "openai";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { budgets, models, providers, requests, type Model } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { invalidateBudgets } from "@/lib/budgets";
import { createModel, createProvider, updateModel } from "@/lib/execution/admin";
import { formatUsd } from "@/lib/format";
import { THINKING_BUDGET_TOKENS } from "@/lib/providers/call";
import { DEFAULT_CATALOG, pricesFor } from "@/lib/providers/catalog";
import { costMicros, estimateMessagesTokens, estimateToolsTokens, maxCostMicros } from "@/lib/providers/cost";
import { thinkingFor } from "@/mock-fleet/answers";
import { driverName } from "@/test/db";
import { startGatewayFixture, type GatewayFixture } from "./test-server";

let fx: GatewayFixture;
let client: OpenAI;
const CUSTOM = "gemma-text";

beforeAll(async () => {
  fx = await startGatewayFixture();
  client = new OpenAI({ baseURL: fx.api, apiKey: fx.key, maxRetries: 0 });
  // A model an admin added to the Ollama provider that calls no tools and reads no images, as the fleet serves it.
  await fx.fleet.configure({ models: { [CUSTOM]: { vendor: "ollama", tier: "local", toolCalling: false, imageInput: false, latencyMs: 0 } } });
  const [ollama] = await fx.db.select().from(providers).where(eq(providers.kind, "ollama"));
  await createModel(fx.db, { teamId: fx.team.id, userId: fx.user.id }, { providerId: ollama.id, name: CUSTOM, displayName: "Gemma (text)", enabled: true, contextWindow: 8192, inputPriceMicros: 0, outputPriceMicros: 0, cachedInputPriceMicros: null, strengths: ["chat"], optimalFor: [], costTier: "free", toolCalling: false, imageInput: false, reasoningEffort: false });
});
afterAll(async () => {
  await fx?.close();
});

const post = (body: unknown, key = fx.key, path = "/chat/completions") =>
  fetch(`${fx.api}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
const keyFor = async (allow: string[]) => (await createApiKey(fx.db, { teamId: fx.team.id, name: `allow ${allow.join(",")}`, createdBy: fx.user.id, modelAllowList: allow })).key;
const rowOf = async (id: string) => (await fx.db.select().from(requests).where(eq(requests.id, id)))[0];
const badRequests = async () => {
  const u = (await fx.fleet.usage()).models;
  return Object.fromEntries(Object.entries(u).filter(([, v]) => v.errors.bad_request > 0).map(([k, v]) => [k, v.errors.bad_request]));
};

const PNG = "data:image/png;base64,iVBORw0KGgo=";
const picture = { role: "user" as const, content: [{ type: "text" as const, text: "What is in this picture?" }, { type: "image_url" as const, image_url: { url: PNG } }] };
const weather: OpenAI.ChatCompletionTool = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };
const question = { role: "user" as const, content: "What is the weather in Paris?" };
const canSee = new Set(DEFAULT_CATALOG.filter((m) => m.imageInput).map((m) => m.model));
const blind = DEFAULT_CATALOG.filter((m) => !m.imageInput).map((m) => m.model);

describe(`capability-aware routing on /chat/completions (${driverName})`, () => {
  it('model "auto" with an image goes to a model that reads images, says so, and no provider saw an image it cannot read', async () => {
    // The free local models and the cheapest blind ones are allowed too: without the filter they win a plain question.
    const key = await keyFor(["gpt-4o-mini", "mistral-small-latest", "llama3.1:8b", "qwen2.5-coder:7b", "claude-3-5-haiku-20241022", "grok-3-mini"]);
    const { data: r, response } = await new OpenAI({ baseURL: fx.api, apiKey: key, maxRetries: 0 }).chat.completions.create({ model: "auto", messages: [picture] }).withResponse();
    expect(canSee.has(r.model)).toBe(true);
    expect(r.choices[0].message.content?.length).toBeGreaterThan(0);
    // The image reached the provider and was billed (the fleet counts it only in the vendor's shape).
    expect(r.usage!.prompt_tokens).toBe(estimateMessagesTokens([{ content: "What is in this picture?", parts: picture.content }], r.model));
    const row = await rowOf(response.headers.get("x-mc-request-id")!);
    expect(row.selectionReason).toMatch(/Needs image input \(a message has image_url parts\): only models that support it were considered\./);
    expect(await badRequests()).toEqual({});
  });

  it("the fallback chain holds only models that read images: when they fail, no blind model is tried", async () => {
    const key = await keyFor(["gpt-4o-mini", "mistral-small-latest", "llama3.1:8b", "claude-3-5-haiku-20241022", "grok-3-mini"]);
    await fx.fleet.configure({ models: { "gpt-4o-mini": { errorRates: { server: 1 } }, "mistral-small-latest": { errorRates: { server: 1 } } } });
    try {
      const res = await post({ model: "auto", messages: [picture] }, key);
      expect(res.status).toBe(502);
      const row = await rowOf(res.headers.get("x-mc-request-id")!);
      expect(row.fallbacksTried.map((t) => t.model).sort()).toEqual(["gpt-4o-mini", "mistral-small-latest"]);
      expect(await badRequests()).toEqual({});
    } finally {
      await fx.fleet.configure({ models: { "gpt-4o-mini": { errorRates: { server: 0 } }, "mistral-small-latest": { errorRates: { server: 0 } } } });
    }
  });

  it("an explicit model that cannot read images: 400 in OpenAI's error shape naming the model and the capability, nothing sent", async () => {
    const before = (await fx.fleet.usage()).totals.requests;
    for (const stream of [false, true]) {
      const res = await post({ model: "grok-3", messages: [picture], stream });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body).toEqual({ error: { type: "model_unavailable", code: "model_unavailable", param: "messages", message: expect.any(String) } });
      expect(body.error.message).toMatch(/^Model "grok-3" does not support image input, which this request needs \(a message has image_url parts\)\. Use a model that supports it \(.*gpt-4\.1-mini.*\) or "auto", or remove the images\.$/);
      expect((await rowOf(res.headers.get("x-mc-request-id")!)).status).toBe("refused");
    }
    const sdk = await client.chat.completions.create({ model: "claude-3-5-haiku-20241022", messages: [picture] }).catch((e: unknown) => e);
    expect(sdk).toBeInstanceOf(OpenAI.BadRequestError);
    expect((await fx.fleet.usage()).totals.requests).toBe(before);
  });

  it("an image reaches a Claude model as an image block", async () => {
    const r = await client.chat.completions.create({ model: "claude-sonnet-4-20250514", messages: [{ role: "system", content: "Be brief." }, picture] });
    expect(r.choices[0].finish_reason).toBe("stop");
    expect(r.usage!.prompt_tokens).toBe(estimateMessagesTokens([{ content: "Be brief." }, { content: "What is in this picture?", parts: picture.content }], r.model));
  });

  it("tools to an explicit model without tool calling: 400 naming it; with tool_choice none it answers and the tools are not sent", async () => {
    const res = await post({ model: CUSTOM, messages: [question], tools: [weather] });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.param).toBe("tools");
    expect(error.message).toMatch(/^Model "gemma-text" does not support tool calling, which this request needs \(it sends tools\)\. Use a model that supports it \(.*\) or "auto", or remove the tools \(or send tool_choice "none"\)\.$/);
    const ok = await client.chat.completions.create({ model: CUSTOM, messages: [question], tools: [weather], tool_choice: "none" });
    expect(ok.choices[0].message.content?.length).toBeGreaterThan(0);
    expect(await badRequests()).toEqual({});
  });

  it('model "auto" with tools when only models without tool calling are allowed: the refusal says what to change', async () => {
    const key = await keyFor([CUSTOM]);
    const res = await post({ model: "auto", messages: [question], tools: [weather], tool_choice: "required" }, key);
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error.type).toBe("routing_refused");
    expect(error.code).toBe("missing_capability");
    expect(error.message).toMatch(
      new RegExp(`^This request needs tool calling \\(it sends tools\\), and no enabled, allowed model supports it: ${CUSTOM} lacks tool calling\\. gpt-4\\.1 \\(not allowed\\), .*, and \\d+ more have it: allow one of them \\(Admin → Routing, or the API key's models\\), or add another model that supports tool calling, or remove the tools \\(or send tool_choice "none"\\)\\.$`),
    );
  });

  it('model "auto" with tools and an image: the 422 names which allowed models lack what, and the models that have both', async () => {
    const key = await keyFor(["grok-3", "llama3.1:8b", CUSTOM]);
    const res = await post({ model: "auto", messages: [picture], tools: [weather] }, key);
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error).toMatchObject({ type: "routing_refused", code: "missing_capability" });
    const haveBoth = DEFAULT_CATALOG.filter((m) => m.toolCalling && m.imageInput).map((m) => m.model);
    expect(error.message).toContain(
      "This request needs tool calling and image input (it sends tools; a message has image_url parts), and no enabled, allowed model supports both: grok-3, llama3.1:8b lack image input; gemma-text lacks tool calling and image input. ",
    );
    for (const m of haveBoth) expect(error.message).toContain(`${m} (not allowed)`);
    expect(error.message).toMatch(/have both: allow one of them \(Admin → Routing, or the API key's models\), or add another model that supports tool calling and image input, or remove the tools \(or send tool_choice "none"\) and remove the images\.$/);
  });

  describe("a conversation with tool calls and results but no tools", () => {
    const history = async (c: OpenAI) => {
      const first = await c.chat.completions.create({ model: "gpt-4.1-mini", messages: [question], tools: [weather], tool_choice: "required" });
      const call = first.choices[0].message.tool_calls![0];
      return [question, first.choices[0].message, { role: "tool" as const, tool_call_id: call.id, content: "Sunny, 21 degrees" }];
    };

    it('model "auto" goes to a model with tool calling, which reads the tool result (streamed or not)', async () => {
      // The free local model without tool calling wins a plain question: without the filter it would answer, blind to the result.
      const key = await keyFor([CUSTOM, "gpt-4.1-mini"]);
      const c = new OpenAI({ baseURL: fx.api, apiKey: key, maxRetries: 0 });
      const messages = await history(c);
      const { data: r, response } = await c.chat.completions.create({ model: "auto", messages }).withResponse();
      expect(r.model).toBe("gpt-4.1-mini");
      expect(r.choices[0].message.content).toContain("Sunny, 21 degrees");
      expect((await rowOf(response.headers.get("x-mc-request-id")!)).selectionReason).toMatch(/Needs tool calling \(the conversation has tool calls or tool results\): only models that support it were considered\./);
      let streamed = "";
      for await (const chunk of await c.chat.completions.create({ model: "auto", messages, stream: true })) streamed += chunk.choices[0]?.delta.content ?? "";
      expect(streamed).toContain("Sunny, 21 degrees");
      expect(await badRequests()).toEqual({});
    });

    it("a Claude model continues it: the tools it called are defined for it, and it answers from the result", async () => {
      const r = await client.chat.completions.create({ model: "claude-3-5-haiku-20241022", messages: await history(client) });
      expect(r.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: expect.stringContaining("Sunny, 21 degrees") } });
      expect(await badRequests()).toEqual({});
    });

    it("only models without tool calling allowed: 422 saying so; naming one: 400 on messages", async () => {
      const messages = await history(client);
      const res = await post({ model: "auto", messages }, await keyFor([CUSTOM]));
      expect(res.status).toBe(422);
      expect((await res.json()).error.message).toMatch(/^This request needs tool calling \(the conversation has tool calls or tool results\), and no enabled, allowed model supports it: gemma-text lacks tool calling\. .* or remove the assistant tool_calls and the tool messages from the conversation\.$/);
      const named = await post({ model: CUSTOM, messages, tools: [weather], tool_choice: "none" });
      expect(named.status).toBe(400);
      const { error } = await named.json();
      expect(error.param).toBe("messages");
      expect(error.message).toMatch(/^Model "gemma-text" does not support tool calling, which this request needs \(the conversation has tool calls or tool results\)\. Use a model that supports it \(claude-3-5-haiku-20241022, .*\) or "auto", or remove the assistant tool_calls and the tool messages from the conversation\.$/);
    });
  });

  it("the catalog's models keep answering tool calls under auto", async () => {
    const r = await client.chat.completions.create({ model: "auto", messages: [question], tools: [weather], tool_choice: "required" });
    expect(r.choices[0].finish_reason).toBe("tool_calls");
    expect(r.model).not.toBe(CUSTOM);
  });

  it("bad content parts get a message that says what to send", async () => {
    const audio = await post({ model: "auto", messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }] });
    expect(audio.status).toBe(400);
    expect((await audio.json()).error.message).toMatch(/A content part is \{ "type": "text", "text": … \} or \{ "type": "image_url", "image_url": \{ "url": … \} \}/);
    const url = await post({ model: "auto", messages: [{ role: "user", content: [{ type: "text", text: "Look" }, { type: "image_url", image_url: { url: "file:///etc/passwd" } }] }] });
    expect((await url.json()).error).toMatchObject({ param: "messages.0.content.1.image_url.url", message: expect.stringMatching(/An image_url's url is a base64 data URL .* or an http\(s\) URL\.$/) });
    const onlyImage = await post({ model: "auto", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: PNG } }] }] });
    expect((await onlyImage.json()).error.message).toBe("The last user message has images but no text: it is the task, so add a text part that says what to do with them.");
    const systemImage = await post({ model: "auto", messages: [{ role: "system", content: [{ type: "image_url", image_url: { url: PNG } }] }, question] });
    expect((await systemImage.json()).error.message).toBe("messages.0.content: part 0 (type): Only text parts here; image parts go in user messages.");
  });

  it("the blind models of the catalog are the ones without image input (the fixture's premise)", async () => {
    const rows = await fx.db.select({ name: models.name, imageInput: models.imageInput }).from(models);
    expect(rows.filter((r) => !r.imageInput && r.name !== CUSTOM).map((r) => r.name).sort()).toEqual([...blind].sort());
  });
});

describe(`reasoning effort is the model's flag, which an admin sets (${driverName})`, () => {
  const math = [{ role: "user" as const, content: "What is 17 * 23?" }];
  const actor = () => ({ teamId: fx.team.id, userId: fx.user.id });
  const R1 = "deepseek-r1";

  it('an OpenAI-compatible model an admin adds with reasoning effort ticked is what "auto" picks for reasoning_effort, and it receives the field', async () => {
    await fx.fleet.configure({ models: { [R1]: { vendor: "openai", tier: "medium", reasoningEffort: true, latencyMs: 0 } } });
    const lab = await createProvider(fx.db, actor(), { kind: "openai_compatible", name: "vLLM lab", baseUrl: `${fx.fleet.url}/v1`, local: false });
    await createModel(fx.db, actor(), {
      providerId: lab.id, name: R1, displayName: "DeepSeek R1", enabled: true, contextWindow: 65_536, inputPriceMicros: 550_000, outputPriceMicros: 2_190_000, cachedInputPriceMicros: null,
      strengths: ["math"], optimalFor: [], costTier: "medium", toolCalling: false, imageInput: false, reasoningEffort: true,
    });
    // grok-3-mini, the catalog's reasoning model, is left out: only the admin's flag can make R1 eligible.
    const c = new OpenAI({ baseURL: fx.api, apiKey: await keyFor([R1, "gpt-4.1-mini", "llama3.1:8b"]), maxRetries: 0 });
    // The reasoning counts inside max_tokens (as OpenAI's does): room for 1,024 reasoning tokens and the answer.
    const think = (reasoning_effort: "low" | "high") => c.chat.completions.create({ model: "auto", messages: math, reasoning_effort, max_tokens: 2048 }).withResponse();
    const { data: high, response } = await think("high");
    const { data: low } = await think("low");
    expect([high.model, low.model]).toEqual([R1, R1]);
    // The fleet thinks 1,024 tokens at high and 64 at low, billed as output, only when reasoning_effort reaches it.
    expect(high.usage!.completion_tokens - low.usage!.completion_tokens).toBe(1024 - 64);
    expect((await rowOf(response.headers.get("x-mc-request-id")!)).selectionReason).toMatch(/Needs reasoning effort \(it sends reasoning_effort\): only models that support it were considered\./);
    expect(await c.models.retrieve(R1)).toMatchObject({ capabilities: { tool_calling: false, image_input: false, reasoning_effort: true } });
    expect(await badRequests()).toEqual({});
  });

  it("a catalog reasoning model the admin switches off is sent no reasoning_effort: named, a 400 on the field; under auto, a 422 saying it lacks it", async () => {
    const [m] = await fx.db.select().from(models).where(eq(models.name, "grok-3-mini"));
    expect(m.reasoningEffort).toBe(true);
    const set = (on: boolean, row: Model = m) =>
      updateModel(fx.db, actor(), {
        modelId: row.id, enabled: row.enabled, contextWindow: row.contextWindow, inputPriceMicros: row.inputPriceMicros, outputPriceMicros: row.outputPriceMicros, cachedInputPriceMicros: row.cachedInputPriceMicros,
        strengths: row.strengths, optimalFor: row.optimalFor, costTier: row.costTier, toolCalling: row.toolCalling, imageInput: row.imageInput, reasoningEffort: on,
      });
    await set(false);
    try {
      const before = (await fx.fleet.usage()).totals.requests;
      const named = await post({ model: "grok-3-mini", messages: math, reasoning_effort: "high" });
      expect(named.status).toBe(400);
      const { error } = await named.json();
      expect(error.param).toBe("reasoning_effort");
      expect(error.message).toMatch(/^Model "grok-3-mini" does not support reasoning effort, which this request needs \(it sends reasoning_effort\)\. .*, or remove reasoning_effort \(or send "none"\)\.$/);
      const auto = await post({ model: "auto", messages: math, reasoning_effort: "high" }, await keyFor(["grok-3-mini", "gpt-4.1-mini"]));
      expect(auto.status).toBe(422);
      const refused = (await auto.json()).error;
      expect(refused.code).toBe("missing_capability");
      expect(refused.message).toMatch(/^This request needs reasoning effort \(it sends reasoning_effort\), and no enabled, allowed model supports it: (grok-3-mini, gpt-4\.1-mini|gpt-4\.1-mini, grok-3-mini) lack reasoning effort\. /);
      expect(await client.models.retrieve("grok-3-mini")).toMatchObject({ capabilities: { reasoning_effort: false } });
      expect((await fx.fleet.usage()).totals.requests).toBe(before);
      // "none" still reaches it: the flag only keeps a reasoning effort away.
      expect((await client.chat.completions.create({ model: "grok-3-mini", messages: math, reasoning_effort: "none" })).model).toBe("grok-3-mini");
    } finally {
      await set(true);
    }
  });

  describe("on a Claude model it is extended thinking", () => {
    const SONNET = "claude-sonnet-4-20250514";
    const budget = THINKING_BUDGET_TOKENS.high;
    const sonnetPrices = pricesFor("anthropic", SONNET);

    it("a Claude model with the box ticked thinks for reasoning_effort: the answer has no thinking in it, and the thinking is billed — streamed and not", async () => {
      const [row] = await fx.db.select().from(models).where(eq(models.name, SONNET));
      expect(row.reasoningEffort).toBe(true);
      const plain = await client.chat.completions.create({ model: SONNET, messages: math });
      const { data: thought, response } = await client.chat.completions.create({ model: SONNET, messages: math, reasoning_effort: "high" }).withResponse();
      expect(thought.model).toBe(SONNET);
      expect(thought.choices[0].message.content).toBe(plain.choices[0].message.content);
      expect(thought.choices[0].message.content).not.toContain(thinkingFor(math[0].content));
      // The fleet thinks its whole budget, billed as output, on top of the answer's own tokens.
      expect(thought.usage!.completion_tokens).toBe(plain.usage!.completion_tokens + budget);
      const recorded = await rowOf(response.headers.get("x-mc-request-id")!);
      expect(recorded).toMatchObject({ status: "ok", model: SONNET, outputTokens: thought.usage!.completion_tokens });
      expect(recorded.costMicros).toBe(costMicros({ inputTokens: thought.usage!.prompt_tokens, outputTokens: thought.usage!.completion_tokens }, sonnetPrices));

      const { data: stream, response: streamed } = await client.chat.completions.create({ model: SONNET, messages: math, reasoning_effort: "high", stream: true, stream_options: { include_usage: true } }).withResponse();
      let text = "";
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        usage = chunk.usage ?? usage;
      }
      expect(text).toBe(plain.choices[0].message.content);
      expect(usage!.completion_tokens).toBe(thought.usage!.completion_tokens);
      expect((await rowOf(streamed.headers.get("x-mc-request-id")!)).outputTokens).toBe(usage!.completion_tokens);
      expect(await badRequests()).toEqual({});
    });

    it("a long prompt near Sonnet's window with reasoning_effort xhigh: Claude itself answers, thinking with what the window leaves (not refused, no fallback)", async () => {
      const WINDOW = 16_000;
      const [row] = await fx.db.select().from(models).where(eq(models.name, SONNET));
      const windowOf = (contextWindow: number) =>
        updateModel(fx.db, actor(), {
          modelId: row.id, enabled: row.enabled, contextWindow, inputPriceMicros: row.inputPriceMicros, outputPriceMicros: row.outputPriceMicros, cachedInputPriceMicros: row.cachedInputPriceMicros,
          strengths: row.strengths, optimalFor: row.optimalFor, costTier: row.costTier, toolCalling: row.toolCalling, imageInput: row.imageInput, reasoningEffort: row.reasoningEffort,
        });
      await windowOf(WINDOW);
      await fx.fleet.configure({ models: { [SONNET]: { contextWindow: WINDOW } } });
      try {
        const long = [{ role: "user" as const, content: `Summarise this log. ${"line ok; ".repeat(4_000)}` }];
        const plain = await client.chat.completions.create({ model: SONNET, messages: long });
        // The answer's 1,024 tokens and the full xhigh budget would pass the window with this prompt.
        expect(plain.usage!.prompt_tokens + 1_024 + THINKING_BUDGET_TOKENS.xhigh).toBeGreaterThan(WINDOW);
        const { data: thought, response } = await client.chat.completions.create({ model: SONNET, messages: long, reasoning_effort: "xhigh" }).withResponse();
        expect(thought.model).toBe(SONNET);
        expect(thought.choices[0].message.content).toBe(plain.choices[0].message.content);
        // The fleet thinks its whole budget: what the window leaves beside the prompt and the answer's 1,024 tokens.
        expect(thought.usage!.completion_tokens - plain.usage!.completion_tokens).toBe(WINDOW - plain.usage!.prompt_tokens - 1_024);
        expect(await rowOf(response.headers.get("x-mc-request-id")!)).toMatchObject({ status: "ok", model: SONNET });
        expect(await badRequests()).toEqual({});

        // Tool definitions are prompt too: the thinking gets what the window leaves beside them as well.
        const withTools = { model: SONNET, messages: long, tools: [weather], tool_choice: "none" as const };
        const plainWithTools = await client.chat.completions.create(withTools);
        const thoughtWithTools = await client.chat.completions.create({ ...withTools, reasoning_effort: "xhigh" });
        expect(thoughtWithTools.usage!.completion_tokens - plainWithTools.usage!.completion_tokens).toBe(WINDOW - plain.usage!.prompt_tokens - estimateToolsTokens([weather]) - 1_024);

        // The same call's stream breaks: its hidden thinking is billed at the budget it was sent, not the full xhigh one.
        await fx.fleet.configure({ models: { [SONNET]: { errorRates: { rateLimit: 0, server: 0, timeout: 0, drop: 1 } } } });
        const { data: broken, response: brokenRes } = await client.chat.completions.create({ model: SONNET, messages: long, reasoning_effort: "xhigh", stream: true }).withResponse();
        await (async () => {
          for await (const _ of broken);
        })().catch(() => undefined);
        const attempt = (await rowOf(brokenRes.headers.get("x-mc-request-id")!)).fallbacksTried.find((a) => a.model === SONNET);
        expect(attempt).toMatchObject({ estimated: true, reasoningTokensAtMost: WINDOW - plain.usage!.prompt_tokens - 1_024 });
      } finally {
        await windowOf(row.contextWindow);
        await fx.fleet.configure({ models: { [SONNET]: { contextWindow: row.contextWindow, errorRates: { rateLimit: 0, server: 0, timeout: 0, drop: 0 } } } });
      }
    });

    it("the budget hold covers the thinking: a hard budget just too small for the call with its thinking budget refuses it with 402, before any provider call", async () => {
      const maxTokens = 100;
      const prompt = estimateMessagesTokens(math);
      const withThinking = maxCostMicros(prompt, maxTokens + budget, sonnetPrices);
      // Enough for the call without thinking, one micro-dollar short of it with thinking.
      const limit = withThinking - 1;
      expect(maxCostMicros(prompt, maxTokens, sonnetPrices)).toBeLessThanOrEqual(limit);
      const { key, row } = await createApiKey(fx.db, { teamId: fx.team.id, name: "thinking budget", createdBy: fx.user.id, modelAllowList: [SONNET] });
      await fx.db.insert(budgets).values({ teamId: fx.team.id, scope: "key", apiKeyId: row.id, name: "just short", limitMicros: limit, periodStart: new Date() });
      invalidateBudgets(fx.team.id);
      const before = (await fx.fleet.usage()).totals.requests;
      for (const stream of [false, true]) {
        const res = await post({ model: SONNET, messages: math, max_tokens: maxTokens, reasoning_effort: "high", stream }, key);
        expect(res.status).toBe(402);
        const { error } = await res.json();
        expect(error.type).toBe("budget_exceeded");
        expect(error.message).toContain(`this call may cost up to ${formatUsd(withThinking)}`);
      }
      expect((await fx.fleet.usage()).totals.requests).toBe(before);
      // Without reasoning_effort the same call fits.
      expect((await post({ model: SONNET, messages: math, max_tokens: maxTokens }, key)).status).toBe(200);
    });
  });
});

describe(`output limits: no model is sent more max_tokens than it can answer (${driverName})`, () => {
  const HAIKU = "claude-3-5-haiku-20241022";
  const SONNET = "claude-sonnet-4-20250514";
  const summary = [{ role: "user" as const, content: "Summarise the release notes of the last three versions in detail." }];

  it('model "auto" with max_tokens 10,000 never lands on Claude 3.5 Haiku (8,192), which the task would otherwise get, and is answered', async () => {
    // Haiku is the cheaper of the two and lists summaries as a strength: without the limit it wins.
    const key = await keyFor([HAIKU, SONNET]);
    const haikuAsked = async () => (await fx.fleet.usage()).models[HAIKU]?.requests ?? 0;
    const before = await haikuAsked();
    for (let i = 0; i < 3; i++) {
      const res = await post({ model: "auto", messages: summary, max_tokens: 10_000 }, key);
      expect(res.status).toBe(200);
      expect((await res.json()).model).toBe(SONNET);
      expect((await rowOf(res.headers.get("x-mc-request-id")!)).fallbacksTried).toEqual([]);
    }
    expect(await haikuAsked()).toBe(before);
    // Within Haiku's limit it is Haiku's again.
    expect((await (await post({ model: "auto", messages: summary, max_tokens: 8_192 }, key)).json()).model).toBe(HAIKU);
    expect(await badRequests()).toEqual({});
  });

  it("naming Claude 3.5 Haiku with max_tokens 10,000: 400 on max_tokens naming its limit, nothing sent; with more than any allowed model can answer, a 422 saying the most", async () => {
    const before = (await fx.fleet.usage()).totals.requests;
    for (const stream of [false, true]) {
      const res = await post({ model: HAIKU, messages: summary, max_tokens: 10_000, stream });
      expect(res.status).toBe(400);
      const { error } = await res.json();
      expect(error.param).toBe("max_tokens");
      expect(error.message).toMatch(new RegExp(`^Model "${HAIKU}" answers at most 8,192 tokens in one response, and max_tokens is 10,000\\. Lower max_tokens to 8,192 or less, or use a model that can \\(.*\\) or "auto"\\.$`));
    }
    const auto = await post({ model: "auto", messages: summary, max_tokens: 50_000 }, await keyFor(["gpt-4.1", "gpt-4o-mini", HAIKU]));
    expect(auto.status).toBe(422);
    const { error } = await auto.json();
    expect(error.code).toBe("max_tokens_too_large");
    expect(error.message).toMatch(/^max_tokens 50,000 is more than any enabled, allowed model can answer in one response \(the most is 32,768, gpt-4\.1\)\. Lower max_tokens to 32,768 or less,/);
    expect((await fx.fleet.usage()).totals.requests).toBe(before);
  });

  it("reasoning_effort xhigh with max_tokens 50,000 on Claude Sonnet 4: the thinking shrinks to the 14,000 its 64,000 leave, Claude answers, and the hold is for what was sent", async () => {
    const math = [{ role: "user" as const, content: "What is 17 * 23?" }];
    const prompt = estimateMessagesTokens(math);
    const sonnetPrices = pricesFor("anthropic", SONNET);
    // A hard budget that holds the call as sent (answer + shrunk thinking = 64,000; the prompt at the most its text can be), not with the full xhigh budget.
    const sent = maxCostMicros(prompt + 100, 64_000, sonnetPrices);
    expect(maxCostMicros(prompt, 50_000 + THINKING_BUDGET_TOKENS.xhigh, sonnetPrices)).toBeGreaterThan(sent);
    const { key, row } = await createApiKey(fx.db, { teamId: fx.team.id, name: "output limit hold", createdBy: fx.user.id, modelAllowList: [SONNET] });
    await fx.db.insert(budgets).values({ teamId: fx.team.id, scope: "key", apiKeyId: row.id, name: "as sent", limitMicros: sent, periodStart: new Date() });
    invalidateBudgets(fx.team.id);
    const plain = await client.chat.completions.create({ model: SONNET, messages: math, max_tokens: 50_000 });
    const thought = await new OpenAI({ baseURL: fx.api, apiKey: key, maxRetries: 0 }).chat.completions.create({ model: SONNET, messages: math, max_tokens: 50_000, reasoning_effort: "xhigh" });
    expect(thought.model).toBe(SONNET);
    expect(thought.usage!.completion_tokens - plain.usage!.completion_tokens).toBe(64_000 - 50_000);
    expect(await badRequests()).toEqual({});

    // Not even Anthropic's 1,024 thinking tokens beside 63,500: refused on max_tokens before any call.
    const before = (await fx.fleet.usage()).totals.requests;
    const res = await post({ model: SONNET, messages: math, max_tokens: 63_500, reasoning_effort: "low" });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.param).toBe("max_tokens");
    expect(error.message).toMatch(/^Model "claude-sonnet-4-20250514" answers at most 64,000 tokens in one response, 1,024 of them at least thinking for reasoning_effort, and max_tokens is 63,500\. Lower max_tokens to 62,976 or less/);
    expect((await fx.fleet.usage()).totals.requests).toBe(before);
  });

  it("/delegate's max_tokens, prompt and answer together, is a ceiling: the answer's share sent to Claude 3.5 Haiku is its 8,192, and the hold is sized for that", async () => {
    const task = "Summarise the design of a budget reservation in two sentences.";
    const prompt = estimateMessagesTokens([{ content: task }]);
    const haikuPrices = pricesFor("anthropic", HAIKU);
    // Enough for Haiku's 8,192 output tokens (the prompt at the most its text can be), far short of the 99,000 the ceiling would leave.
    const limit = maxCostMicros(prompt + 100, 8_192, haikuPrices);
    expect(maxCostMicros(prompt, 100_000 - prompt, haikuPrices)).toBeGreaterThan(limit);
    const { key, row } = await createApiKey(fx.db, { teamId: fx.team.id, name: "delegate ceiling", createdBy: fx.user.id, modelAllowList: [HAIKU] });
    await fx.db.insert(budgets).values({ teamId: fx.team.id, scope: "key", apiKeyId: row.id, name: "haiku's output", limitMicros: limit, periodStart: new Date() });
    invalidateBudgets(fx.team.id);
    const res = await post({ task: { description: task }, context: { constraints: { max_tokens: 100_000 } }, preferences: { model_preference: HAIKU } }, key, "/delegate");
    expect(res.status).toBe(200);
    expect((await res.json()).execution_info.selected_model).toBe(HAIKU);
    expect(await badRequests()).toEqual({});
  });
});

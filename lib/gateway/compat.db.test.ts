import OpenAI from "openai";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { requests } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { estimateTokens } from "@/lib/providers/tokens";
import { driverName } from "@/test/db";
import { withOpenAIGateway } from "./test-server";

// The request fields OpenAI clients send besides messages (LangChain's `stop` and structured output,
// the AI SDK's JSON mode, …): each reaches the provider in its own terms, or is refused with a 400.
const suite = withOpenAIGateway();

const CLAUDE = "claude-3-5-haiku-20241022";
const forecast = { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city", "days"], additionalProperties: false };
const ask = [{ role: "user" as const, content: "The forecast for 3 days in Paris" }];

describe(`OpenAI's request fields through the gateway (${driverName})`, () => {
  it.each(["gpt-4.1-mini", CLAUDE, "mistral-small-latest"])("%s: stop ends the answer before the stop sequence, and the row records what was answered", async (model) => {
    const messages = [{ role: "user" as const, content: "Explain how a budget reservation works." }];
    const full = (await suite.client.chat.completions.create({ model, messages })).choices[0].message.content!;
    const word = full.split(" ")[4];
    const { data, response } = await suite.client.chat.completions.create({ model, messages, stop: [word] }).withResponse();
    expect(data.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: full.slice(0, full.indexOf(word)) } });
    const [row] = await suite.fx.db.select().from(requests).where(eq(requests.id, response.headers.get("x-mc-request-id")!));
    expect(row).toMatchObject({ status: "ok", model, outputTokens: data.usage!.completion_tokens });
  });

  it.each(["gpt-4.1-mini", CLAUDE])("%s: a json_schema response_format is answered with JSON of that schema, streamed or not", async (model) => {
    const response_format = { type: "json_schema" as const, json_schema: { name: "forecast", schema: forecast, strict: true } };
    const r = await suite.client.chat.completions.create({ model, messages: ask, response_format });
    expect(r.choices[0].finish_reason).toBe("stop");
    expect(r.choices[0].message.tool_calls).toBeUndefined();
    expect(JSON.parse(r.choices[0].message.content!)).toEqual({ city: "Paris", days: 3 });
    let streamed = "";
    for await (const c of await suite.client.chat.completions.create({ model, messages: ask, response_format, stream: true })) streamed += c.choices[0]?.delta.content ?? "";
    expect(JSON.parse(streamed)).toEqual({ city: "Paris", days: 3 });
  });

  it("a tool call made by GPT or Claude can be continued on a Mistral model (Mistral takes only 9-character ids)", async () => {
    const weather = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };
    const question = { role: "user" as const, content: "What is the weather in Paris?" };
    for (const model of ["gpt-4.1-mini", CLAUDE]) {
      const first = await suite.client.chat.completions.create({ model, messages: [question], tools: [weather], tool_choice: "required" });
      const call = first.choices[0].message.tool_calls![0];
      const r = await suite.client.chat.completions.create({ model: "mistral-small-latest", tools: [weather], messages: [question, first.choices[0].message, { role: "tool", tool_call_id: call.id, content: "Sunny, 21 degrees" }] });
      expect(r.model).toBe("mistral-small-latest");
      expect(r.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: expect.stringContaining("Sunny, 21 degrees") } });
    }
  });

  it.each(["gpt-4.1-mini", CLAUDE])("%s: a json_object response_format is answered with a JSON object", async (model) => {
    const r = await suite.client.chat.completions.create({ model, messages: [{ role: "user", content: "Reply in JSON: what is 2 + 2?" }], response_format: { type: "json_object" } });
    expect(JSON.parse(r.choices[0].message.content!)).toEqual({ answer: expect.any(String) });
  });

  it("refuses logprobs with a 400 naming the field, instead of answering logprobs: null", async () => {
    const err = await suite.client.chat.completions.create({ model: "gpt-4.1-mini", messages: ask, logprobs: true, top_logprobs: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, param: "logprobs", message: expect.stringMatching(/logprobs are not available/) });
    expect(await suite.client.chat.completions.create({ model: "gpt-4.1-mini", messages: ask, top_logprobs: 3 }).catch((e: unknown) => e)).toMatchObject({ status: 400, param: "top_logprobs" });
  });

  it("a temperature above Claude's 1 goes to a model of another provider, or, when only Claude may answer, is a 400 saying so", async () => {
    const routed = await suite.client.chat.completions.create({ model: CLAUDE, messages: ask, temperature: 1.5 });
    expect(routed.model).not.toMatch(/^claude/);
    const { key } = await createApiKey(suite.fx.db, { teamId: suite.fx.team.id, name: "claude only", modelAllowList: [CLAUDE] });
    const only = new OpenAI({ baseURL: suite.fx.api, apiKey: key, maxRetries: 0 });
    const err = await only.chat.completions.create({ model: CLAUDE, messages: ask, temperature: 1.5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/temperature 1.5 is above 1, the most Anthropic models accept/);
    expect((await only.chat.completions.create({ model: CLAUDE, messages: ask, temperature: 0.7 })).model).toBe(CLAUDE);
  });
});

describe(`reasoning_effort and a message's name: carried, mapped or refused, never dropped (${driverName})`, () => {
  const usageOf = async (p: Promise<OpenAI.ChatCompletion>) => (await p).usage!;

  it('reasoning_effort reaches a reasoning model, which thinks as long as it says; "auto" picks among them', async () => {
    // The reasoning counts inside max_tokens (as OpenAI's does): room for 1,024 reasoning tokens and the answer.
    const think = (reasoning_effort: "low" | "high", model = "grok-3-mini") => suite.client.chat.completions.create({ model, messages: ask, reasoning_effort, max_tokens: 2048 });
    const low = await think("low");
    const high = await think("high");
    expect(high.choices[0].message.content).toBe(low.choices[0].message.content);
    // The fleet spends 64 reasoning tokens at low and 1,024 at high, billed as output.
    expect(high.usage!.completion_tokens - low.usage!.completion_tokens).toBe(1024 - 64);
    const { data: auto, response } = await suite.client.chat.completions.create({ model: "auto", messages: ask, reasoning_effort: "high", max_tokens: 2048 }).withResponse();
    expect(auto.model).toBe("grok-3-mini");
    expect(auto.usage!.completion_tokens).toBe(high.usage!.completion_tokens);
    const [row] = await suite.fx.db.select().from(requests).where(eq(requests.id, response.headers.get("x-mc-request-id")!));
    expect(row).toMatchObject({ outputTokens: high.usage!.completion_tokens, selectionReason: expect.stringMatching(/Needs reasoning effort \(it sends reasoning_effort\)/) });
  });

  it("reasoning_effort to a model that does not take it is a 400 naming the model and the field; \"none\" is honoured by any model", async () => {
    for (const model of ["gpt-4.1-mini", CLAUDE, "mistral-small-latest"]) {
      const err = await suite.client.chat.completions.create({ model, messages: ask, reasoning_effort: "medium" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err).toMatchObject({ param: "reasoning_effort", message: expect.stringContaining(`Model "${model}" does not support reasoning effort, which this request needs (it sends reasoning_effort). Use a model that supports it (claude-sonnet-4-20250514, grok-3-mini) or "auto", or remove reasoning_effort (or send "none").`) });
    }
    const plain = await suite.client.chat.completions.create({ model: "gpt-4.1-mini", messages: ask });
    const none = await suite.client.chat.completions.create({ model: "gpt-4.1-mini", messages: ask, reasoning_effort: "none" });
    expect(none.usage).toEqual(plain.usage);
    const bad = await suite.client.chat.completions.create({ model: "auto", messages: ask, reasoning_effort: "max" as never }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, param: "reasoning_effort" });
  });

  it("a message's name reaches OpenAI and xAI models as a name, and opens the message's text for Claude and Mistral", async () => {
    const named = [{ role: "system" as const, content: "Be brief." }, { role: "user" as const, name: "Ada", content: ask[0].content }];
    const unnamed = [{ role: "system" as const, content: "Be brief." }, { role: "user" as const, content: ask[0].content }];
    for (const model of ["gpt-4.1-mini", "grok-3"]) {
      const [withName, without] = [await usageOf(suite.client.chat.completions.create({ model, messages: named })), await usageOf(suite.client.chat.completions.create({ model, messages: unnamed }))];
      // The provider counts a name as its tokens plus one.
      expect(withName.prompt_tokens - without.prompt_tokens).toBe(estimateTokens("Ada") + 1);
    }
    for (const model of [CLAUDE, "mistral-small-latest"]) {
      const spoken = [unnamed[0], { role: "user" as const, content: `Ada: ${ask[0].content}` }];
      const [withName, asText] = [await usageOf(suite.client.chat.completions.create({ model, messages: named })), await usageOf(suite.client.chat.completions.create({ model, messages: spoken }))];
      expect(withName.prompt_tokens).toBe(asText.prompt_tokens);
    }
  });
});

describe(`provider failures as OpenAI clients read them (${driverName})`, () => {
  const hi = [{ role: "user" as const, content: "Say hi." }];
  const failAll = (errorRates: Record<string, number>) => suite.fx.fleet.configure({ defaults: { errorRates } });
  const healthy = { rateLimit: 0, server: 0, timeout: 0, drop: 0 };

  it("every provider rate limited: a 429 RateLimitError with the providers' Retry-After, streamed or not", async () => {
    await failAll({ ...healthy, rateLimit: 1 });
    try {
      const err = await suite.client.chat.completions.create({ model: "gpt-4.1-mini", messages: hi }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("1");
      expect((err as Error).message).not.toMatch(/\.\./);
      const streamed = await (async () => {
        for await (const _ of await suite.client.chat.completions.create({ model: "gpt-4.1-mini", messages: hi, stream: true }));
      })().catch((e: unknown) => e);
      expect(streamed).toBeInstanceOf(OpenAI.RateLimitError);
    } finally {
      await failAll(healthy);
    }
  });

  it("a stream whose every model fails before answering is an HTTP error the SDK retries, not a 200 with an error event", async () => {
    await failAll({ ...healthy, server: 1 });
    try {
      const res = await fetch(`${suite.fx.api}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${suite.fx.key}` }, body: JSON.stringify({ model: "gpt-4.1-mini", messages: hi, stream: true }) });
      expect(res.status).toBe(502);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect((await res.json()).error).toMatchObject({ type: "provider_error", message: expect.stringMatching(/Every fallback failed too/) });
      // The SDK retries it (a 200 with an error event it would not): one retry, twice the provider calls.
      const attempts = async (maxRetries: number) => {
        const before = (await suite.fx.fleet.usage()).totals.requests;
        const sdk = new OpenAI({ baseURL: suite.fx.api, apiKey: suite.fx.key, maxRetries });
        const err = await (async () => {
          for await (const _ of await sdk.chat.completions.create({ model: "gpt-4.1-mini", messages: hi, stream: true }));
        })().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OpenAI.InternalServerError);
        return (await suite.fx.fleet.usage()).totals.requests - before;
      };
      const once = await attempts(0);
      expect(once).toBeGreaterThan(0);
      expect(await attempts(1)).toBe(2 * once);
    } finally {
      await failAll(healthy);
    }
  });
});

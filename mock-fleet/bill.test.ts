import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { answerFor } from "./answers";
import { startMockFleet, type MockFleet } from "./server";
import { estimateMessagesTokens, estimateTokens } from "./tokens";

let fleet: MockFleet;
let openai: OpenAI;
let anthropic: Anthropic;
const O4 = "o4-mini";
const SONNET = "claude-sonnet-4-20250514";
const ask = "Write a long essay on rivers.";
const messages = [{ role: "user" as const, content: ask }];
const prompt = estimateMessagesTokens(messages);

beforeAll(async () => {
  fleet = await startMockFleet({ port: 0 });
  openai = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: "k", maxRetries: 0, logLevel: "off" });
  anthropic = new Anthropic({ baseURL: fleet.url, apiKey: "k", maxRetries: 0, logLevel: "off" });
});
afterAll(() => fleet.close());
beforeEach(async () => {
  await fleet.reset();
  // An OpenAI reasoning model as the control plane adds one; every model answers at once unless a test slows it.
  await fleet.configure({ defaults: { latencyMs: 0, tokensPerSecond: 0, errorRates: { rateLimit: 0, server: 0, timeout: 0, drop: 0 } }, models: { [O4]: { vendor: "openai", tier: "medium", reasoningEffort: true } } });
});

const billOf = async (model: string) => (await fleet.usage()).models[model];
/** Waits until the fleet has seen the request end (its socket closed), so its counters are final. */
async function settled(model: string) {
  for (let i = 0; i < 100; i++) {
    const u = await billOf(model);
    if (u && u.ok + Object.values(u.errors).reduce((a, b) => a + b, 0) === u.requests) return u;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the fleet never settled the request to ${model}`);
}

describe("the vendor's bill (GET /__fleet/usage → bill)", () => {
  it("a finished request is billed what its usage reported, and the usage counters keep their meaning", async () => {
    const r = await openai.chat.completions.create({ model: "gpt-4.1", messages });
    const u = await settled("gpt-4.1");
    expect(u).toMatchObject({ ok: 1, prompt_tokens: r.usage!.prompt_tokens, completion_tokens: r.usage!.completion_tokens });
    expect(u.bill).toEqual({ requests: 1, prompt_tokens: r.usage!.prompt_tokens, completion_tokens: r.usage!.completion_tokens });
    expect((await fleet.usage()).totals.bill).toEqual(u.bill);
  });

  it("a stream the client hangs up on is billed the prompt and the answer sent so far; the usage counters bill it nothing", async () => {
    await fleet.configure({ models: { "gpt-4.1": { tokensPerSecond: 40 } } });
    const stream = await openai.chat.completions.create({ model: "gpt-4.1", messages, stream: true, stream_options: { include_usage: true } });
    let received = "";
    for await (const chunk of stream) {
      received += chunk.choices[0]?.delta.content ?? "";
      if (received) break; // the SDK aborts the request
    }
    const u = await settled("gpt-4.1");
    expect(u).toMatchObject({ requests: 1, ok: 0, errors: expect.objectContaining({ client_closed: 1 }), prompt_tokens: 0, completion_tokens: 0 });
    expect(u.bill).toEqual({ requests: 1, prompt_tokens: prompt, completion_tokens: estimateTokens(received) });
    expect(estimateTokens(received)).toBeLessThan(estimateTokens(answerFor("gpt-4.1", "high", ask)));
  });

  it("a dropped stream is billed the prompt and the half it sent, also when that half is no text at all", async () => {
    const answer = answerFor("gpt-4.1", "high", ask);
    await fleet.configure({ models: { "gpt-4.1": { errorRates: { drop: 1 } } } });
    let received = "";
    await expect(
      (async () => {
        for await (const chunk of await openai.chat.completions.create({ model: "gpt-4.1", messages, stream: true })) received += chunk.choices[0]?.delta.content ?? "";
      })(),
    ).rejects.toThrow();
    expect(received.length).toBeGreaterThan(0);
    expect(answer.startsWith(received)).toBe(true);
    expect((await settled("gpt-4.1")).bill).toEqual({ requests: 1, prompt_tokens: prompt, completion_tokens: estimateTokens(received) });

    // A forced tool call streams no text before its drop point: the prompt (the response began) is billed all the same.
    const tools = [{ type: "function" as const, function: { name: "f", parameters: { type: "object", properties: {} } } }];
    await expect(
      (async () => {
        for await (const _ of await openai.chat.completions.create({ model: "gpt-4.1", messages, tools, tool_choice: "required", stream: true }));
      })(),
    ).rejects.toThrow();
    expect((await settled("gpt-4.1")).bill).toEqual({ requests: 2, prompt_tokens: 2 * prompt, completion_tokens: estimateTokens(received) });
  });

  it("a request closed before its answer began is not billed: the timeout fault, a hang-up during the latency, a plain request dropped", async () => {
    await fleet.configure({ models: { "gpt-4.1": { errorRates: { timeout: 1 } } } });
    await expect(openai.chat.completions.create({ model: "gpt-4.1", messages }, { timeout: 100 })).rejects.toThrow();
    await fleet.configure({ models: { "gpt-4.1": { errorRates: { timeout: 0 }, latencyMs: 300 } } });
    await expect(openai.chat.completions.create({ model: "gpt-4.1", messages, stream: true }, { timeout: 100 })).rejects.toThrow();
    await fleet.configure({ models: { "gpt-4.1": { errorRates: { drop: 1 }, latencyMs: 0 } } });
    await expect(openai.chat.completions.create({ model: "gpt-4.1", messages })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 400));
    const u = await settled("gpt-4.1");
    expect(u.errors).toMatchObject({ timeout: 1, client_closed: 1, drop: 1 });
    expect(u.bill).toEqual({ requests: 0, prompt_tokens: 0, completion_tokens: 0 });
  });

  it("Claude's thinking is billed whole once the answer began: a dropped thinking stream bills prompt + budget + the text sent", async () => {
    const budget = 1024;
    await fleet.configure({ models: { [SONNET]: { errorRates: { drop: 1 } } } });
    let text = "";
    let input = 0;
    await expect(
      (async () => {
        for await (const ev of await anthropic.messages.create({ model: SONNET, max_tokens: 2048, messages, thinking: { type: "enabled", budget_tokens: budget }, stream: true })) {
          if (ev.type === "message_start") input = ev.message.usage.input_tokens;
          if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") text += ev.delta.text;
        }
      })(),
    ).rejects.toThrow();
    expect(text.length).toBeGreaterThan(0);
    expect((await settled(SONNET)).bill).toEqual({ requests: 1, prompt_tokens: input, completion_tokens: budget + estimateTokens(text) });
  });
});

describe("OpenAI reasoning counts inside max_completion_tokens (openai dialect)", () => {
  it("reasoning that takes the whole allowance leaves an empty answer cut for length, billed at the allowance", async () => {
    const r = await openai.chat.completions.create({ model: O4, messages, reasoning_effort: "high", max_completion_tokens: 100 });
    expect(r.choices[0]).toMatchObject({ finish_reason: "length", message: { content: "" } });
    expect(r.usage).toMatchObject({ completion_tokens: 100, completion_tokens_details: { reasoning_tokens: 100 } });
  });

  it("the answer gets what the reasoning leaves (max_tokens too, as grok-3-mini is sent), and the whole completion stays within it", async () => {
    const r = await openai.chat.completions.create({ model: O4, messages, reasoning_effort: "high", max_completion_tokens: 1030 });
    expect(r.choices[0].finish_reason).toBe("length");
    expect(r.usage).toMatchObject({ completion_tokens: 1030, completion_tokens_details: { reasoning_tokens: 1024 } });
    expect(estimateTokens(r.choices[0].message.content!)).toBe(6);
    const g = await openai.chat.completions.create({ model: "grok-3-mini", messages, reasoning_effort: "low", max_tokens: 70 });
    expect(g.usage!.completion_tokens).toBeLessThanOrEqual(70);
    expect(g.usage!.completion_tokens_details!.reasoning_tokens).toBe(64);
    // Without a limit the model reasons as long as its effort says and answers in full.
    const free = await openai.chat.completions.create({ model: O4, messages, reasoning_effort: "high" });
    expect(free.usage).toMatchObject({ completion_tokens: 1024 + estimateTokens(answerFor(O4, "medium", ask)), completion_tokens_details: { reasoning_tokens: 1024 } });
  });

  it("a reasoning stream dropped mid-answer is billed its whole reasoning (done before the answer) and the text sent", async () => {
    await fleet.configure({ models: { [O4]: { errorRates: { drop: 1 } } } });
    let text = "";
    await expect(
      (async () => {
        for await (const chunk of await openai.chat.completions.create({ model: O4, messages, reasoning_effort: "medium", max_completion_tokens: 2000, stream: true })) text += chunk.choices[0]?.delta.content ?? "";
      })(),
    ).rejects.toThrow();
    expect((await settled(O4)).bill).toEqual({ requests: 1, prompt_tokens: prompt, completion_tokens: 256 + estimateTokens(text) });
  });
});

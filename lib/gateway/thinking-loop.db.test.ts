import OpenAI from "openai";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requests, thinkingBlocks } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { createUser } from "@/lib/auth/users";
import { findThinking, keepThinking } from "@/lib/execution/thinking";
import { THINKING_KEPT_HOURS } from "@/lib/providers/reasoning";
import { createTeam } from "@/lib/teams/service";
import { answerFor, thinkingFor } from "@/mock-fleet/answers";
import { countStatements, driverName } from "@/test/db";
import { startGatewayFixture, type GatewayFixture } from "./test-server";

let fx: GatewayFixture;
/** The team's key, allowed Claude Sonnet 4 and grok-3-mini (both reasoning models that call tools). */
let client: OpenAI;
/** The team's key allowed Claude Sonnet 4 alone. */
let sonnetOnly: OpenAI;
/** The same allow-list, on a key of another team. */
let stranger: OpenAI;
const SONNET = "claude-sonnet-4-20250514";
const FALLBACK = "grok-3-mini";
const ALLOW = [SONNET, FALLBACK];

const weather: OpenAI.ChatCompletionTool = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };
const asked = (city: string): OpenAI.ChatCompletionMessageParam => ({ role: "user", content: `Use the get_weather tool for ${city}` });
const RESULT = "18 °C and clear";

beforeAll(async () => {
  fx = await startGatewayFixture();
  client = new OpenAI({ baseURL: fx.api, apiKey: (await createApiKey(fx.db, { teamId: fx.team.id, name: "agent", createdBy: fx.user.id, modelAllowList: ALLOW })).key, maxRetries: 0 });
  sonnetOnly = new OpenAI({ baseURL: fx.api, apiKey: (await createApiKey(fx.db, { teamId: fx.team.id, name: "sonnet", createdBy: fx.user.id, modelAllowList: [SONNET] })).key, maxRetries: 0 });
  const other = await createUser(fx.db, { name: "Other", email: `other-${Date.now()}@t.test`, password: "password-123" });
  const team = await createTeam(fx.db, { name: "Other", slug: `other-${Date.now()}`, ownerId: other.id });
  stranger = new OpenAI({ baseURL: fx.api, apiKey: (await createApiKey(fx.db, { teamId: team.id, name: "agent", createdBy: other.id, modelAllowList: ALLOW })).key, maxRetries: 0 });
});
afterAll(async () => {
  await fx?.close();
});

const rowOf = async (id: string) => (await fx.db.select().from(requests).where(eq(requests.id, id)))[0];
const badRequests = async () => (await fx.fleet.usage()).totals.errors.bad_request;

/** One turn of an agent loop as an OpenAI SDK client sends it, streamed or not: the answer's message, model (x-mc-model) and request id. */
async function turn(c: OpenAI, messages: OpenAI.ChatCompletionMessageParam[], stream: boolean, extra: Partial<OpenAI.ChatCompletionCreateParams> = {}) {
  const body = { model: SONNET, messages, tools: [weather], reasoning_effort: "low" as const, ...extra };
  if (!stream) {
    const { data, response } = await c.chat.completions.create({ ...body, stream: false }).withResponse();
    return { message: data.choices[0].message, finish: data.choices[0].finish_reason, model: response.headers.get("x-mc-model"), requestId: response.headers.get("x-mc-request-id")! };
  }
  const { data, response } = await c.chat.completions.create({ ...body, stream: true }).withResponse();
  let content = "";
  const calls: OpenAI.ChatCompletionMessageToolCall[] = [];
  let finish: string | null = null;
  for await (const chunk of data) {
    const choice = chunk.choices[0];
    content += choice?.delta.content ?? "";
    for (const d of choice?.delta.tool_calls ?? []) calls[d.index] = { id: d.id!, type: "function", function: { name: d.function!.name!, arguments: d.function!.arguments ?? "" } };
    finish = choice?.finish_reason ?? finish;
  }
  return { message: { role: "assistant" as const, content, tool_calls: calls.length ? calls : undefined }, finish, model: response.headers.get("x-mc-model"), requestId: response.headers.get("x-mc-request-id")! };
}

/** Turn 1 (Claude thinks, then calls the tool), and the messages of turn 2 with the tool's result, as the client builds them. */
async function firstTurn(stream: boolean, city = "Paris") {
  const first = await turn(client, [asked(city)], stream);
  expect(first).toMatchObject({ model: SONNET, finish: "tool_calls" });
  const call = first.message.tool_calls![0];
  expect(call).toMatchObject({ id: expect.stringMatching(/^toolu_/), function: { name: "get_weather", arguments: JSON.stringify({ city }) } });
  const next: OpenAI.ChatCompletionMessageParam[] = [asked(city), { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: call.id, content: RESULT }];
  return { first, call, next };
}

describe(`an agent loop with reasoning_effort on a Claude model keeps its thinking across tool calls (${driverName})`, () => {
  it.each([false, true])("stream: %s — turn 2 is answered by the same Claude model, not a fallback: its thinking was kept and sent back first, never shown", async (stream) => {
    const { first, next } = await firstTurn(stream);
    expect(first.message.content ?? "").not.toContain("Thinking it over");
    const second = await turn(client, next, stream);
    expect(second).toMatchObject({ model: SONNET, finish: "stop" });
    expect(second.message.content).toBe(answerFor(SONNET, "high", RESULT));
    expect(second.message.content).not.toContain(thinkingFor(RESULT));
    const row = await rowOf(second.requestId);
    expect(row).toMatchObject({ status: "ok", model: SONNET, fallbacksTried: [] });
    // The fleet refuses a tool-use turn without its thinking, or with thinking it did not issue.
    expect(await badRequests()).toBe(0);
  });

  it.each([false, true])("stream: %s — the same turn 2 with another team's key is not given the first team's thinking: refused for Claude, a fallback answers, and Claude never saw it", async (stream) => {
    const { next } = await firstTurn(stream);
    const sonnetCalls = (await fx.fleet.usage()).models[SONNET].requests;
    const second = await turn(stranger, next, stream);
    expect(second.model).toBe(FALLBACK);
    const row = await rowOf(second.requestId);
    expect(row.fallbacksTried).toEqual([{ model: SONNET, error: expect.stringMatching(/^bad_request: .*needs the thinking of the last assistant turn that called tools .* not known to Mission Control/) }]);
    expect((await fx.fleet.usage()).models[SONNET].requests).toBe(sonnetCalls);
    // The first team's own turn 2 still finds it.
    expect((await turn(client, next, stream)).model).toBe(SONNET);
  });

  it(`thinking older than ${THINKING_KEPT_HOURS} hours is not looked up (the turn falls back, its message says why), and the next kept thinking prunes it`, async () => {
    const { call, next } = await firstTurn(false, "Lyon");
    await fx.db.update(thinkingBlocks).set({ createdAt: sql`now() - interval '${sql.raw(String(THINKING_KEPT_HOURS))} hours' - interval '1 minute'` }).where(eq(thinkingBlocks.toolCallId, call.id));
    const late = await turn(client, next, false);
    expect(late.model).toBe(FALLBACK);
    expect((await rowOf(late.requestId)).fallbacksTried[0].error).toMatch(/not known to Mission Control/);
    // With no model to fall back to, the caller reads why and what to do.
    const alone = await turn(sonnetOnly, next, false).catch((e: unknown) => e);
    expect(alone).toBeInstanceOf(OpenAI.BadRequestError);
    expect((alone as Error).message).toMatch(
      new RegExp(`not known to Mission Control: it keeps a Claude answer's thinking for your team for ${THINKING_KEPT_HOURS} hours, by the ids of its tool calls, .* or longer ago is not found\\. Send the tool calls back with the ids they were returned with, or leave reasoning_effort out`),
    );
    await firstTurn(false, "Nice");
    expect(await fx.db.select().from(thinkingBlocks).where(eq(thinkingBlocks.toolCallId, call.id))).toEqual([]);
  });

  it("a tool call id kept again (a loop re-sent, a restarted fleet's ids) keeps the newest thinking, whether the old row is fresh or past the limit", async () => {
    const id = `toolu_reused_${Date.now()}`;
    const block = (text: string) => [{ type: "thinking" as const, thinking: text, signature: Buffer.from(text).toString("base64") }];
    await keepThinking(fx.db, { teamId: fx.team.id, model: SONNET, toolCallIds: [id], blocks: block("first") });
    await keepThinking(fx.db, { teamId: fx.team.id, model: SONNET, toolCallIds: [id], blocks: block("second") });
    expect((await findThinking(fx.db, fx.team.id, [id])).map((r) => r.blocks)).toEqual([block("second")]);
    await fx.db.update(thinkingBlocks).set({ createdAt: sql`now() - interval '${sql.raw(String(THINKING_KEPT_HOURS))} hours' - interval '1 minute'` }).where(eq(thinkingBlocks.toolCallId, id));
    await keepThinking(fx.db, { teamId: fx.team.id, model: SONNET, toolCallIds: [id], blocks: block("third") });
    expect((await findThinking(fx.db, fx.team.id, [id])).map((r) => r.blocks)).toEqual([block("third")]);
  });

  it("only a Claude-with-thinking call on a tool loop reads kept thinking, and only its answers with tool calls write it: other calls send no statement about it", async () => {
    const about = (q: string[]) => q.filter((s) => s.includes("thinking_blocks"));
    const { next } = await firstTurn(false, "Rome");
    const others = await countStatements(
      fx.db,
      async () => {
        await turn(client, next, false, { reasoning_effort: undefined }); // the loop without thinking
        await turn(client, next, false, { model: FALLBACK }); // another reasoning model
        await turn(client, [{ role: "user", content: "What is 17 * 23?" }], false); // thinking, no tool loop, no tool call
        await turn(client, [{ role: "user", content: "What is 17 * 23?" }], true);
      },
      { everywhere: true },
    );
    expect(others.statements).toBeGreaterThan(0);
    expect(about(others.sql)).toEqual([]);
    const loop = await countStatements(fx.db, () => turn(client, next, false), { everywhere: true });
    expect(about(loop.sql)).toHaveLength(1);
    expect(about(loop.sql)[0]).toMatch(/^select/);
    const write = await countStatements(fx.db, () => turn(client, [asked("Oslo")], false), { everywhere: true });
    expect(about(write.sql)).toHaveLength(1);
    expect(about(write.sql)[0]).toMatch(/delete from "thinking_blocks"[\s\S]*insert into "thinking_blocks"/);
  });
});

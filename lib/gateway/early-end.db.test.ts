import http from "node:http";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { models, rateLimitWindows, requests, usageDaily } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { createBudget, listBudgets } from "@/lib/budgets/service";
import { setTeamLimits } from "@/lib/keys/service";
import { spendByDay } from "@/lib/usage/queries";
import { costMicros, estimateMessagesTokens, estimateTokens, maxCostMicros, promptTokensAtMost } from "@/lib/providers/cost";
import { chunkOf, rateLimiter } from "@/lib/ratelimit";
import { formatUsd } from "@/lib/format";
import { createTeam, setTeamTimezone } from "@/lib/teams/service";
import { driverName } from "@/test/db";
import { startGatewayFixture, type GatewayFixture } from "./test-server";

/**
 * Calls that end early, through the real HTTP API and the mock fleet's faults: what the team is
 * charged (row, budget, rollup, token-per-minute count, x-mc-cost trailer) for output that had
 * begun, and that nothing is charged for an attempt that produced none.
 */
let fx: GatewayFixture;
const healthy = { rateLimit: 0, server: 0, timeout: 0, drop: 0 };
/**
 * Each test's team may use 20 tokens a minute: every call here may use more, so it holds the
 * whole limit and runs alone in its window (lib/gateway/README.md), and the window's shared count
 * ends as the tokens the call was charged plus at most one claim chunk (1 token) this process keeps.
 */
const TPM = 20;

beforeAll(async () => {
  fx = await startGatewayFixture();
});
afterAll(async () => {
  await fx?.close();
});
beforeEach(async () => {
  await fx.fleet.configure({ defaults: { errorRates: healthy, latencyMs: 0, tokensPerSecond: 0 } });
});

/** A team of its own (its budget, rollup and token window hold only this test's calls), with a key, a budget and a token limit. */
async function freshTeam(limitUsd = 50) {
  const slug = `early-${crypto.randomUUID().slice(0, 8)}`;
  const team = await createTeam(fx.db, { name: slug, slug, ownerId: fx.user.id });
  const { key } = await createApiKey(fx.db, { teamId: team.id, name: "k", createdBy: fx.user.id });
  await createBudget(fx.db, team.id, { name: "Team", scope: "team", userId: null, apiKeyId: null, limitUsd, period: "monthly", hardStop: true, thresholds: [100], webhookUrl: null });
  await setTeamLimits(fx.db, { teamId: team.id, actorUserId: fx.user.id, tokensPerMinute: TPM });
  return { team, key };
}

type Sse = { status: number; headers: http.IncomingHttpHeaders; text: string; trailers: NodeJS.Dict<string> };

/** POSTs and reads the whole answer with node:http (fetch cannot read trailers); `stopAfter` hangs up once the body holds that text. */
function post(path: string, key: string, body: unknown, opts: { accept?: string; stopAfter?: RegExp } = {}): Promise<Sse> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${fx.api}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...(opts.accept ? { accept: opts.accept } : {}) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
        if (opts.stopAfter?.test(text)) {
          req.destroy();
          resolve({ status: res.statusCode!, headers: res.headers, text, trailers: {} });
        }
      });
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text, trailers: res.trailers }));
      res.on("error", () => {});
    });
    req.on("error", (e) => (opts.stopAfter ? undefined : reject(e)));
    req.end(JSON.stringify(body));
  });
}

/** The `data:` payloads of an SSE body, with their event names. */
const eventsOf = (text: string) =>
  text
    .split("\n\n")
    .filter((b) => /^data: /m.test(b))
    .map((b) => ({ event: /^event: (.*)$/m.exec(b)?.[1] ?? "message", data: /^data: (.*)$/m.exec(b)![1] }))
    .filter((e) => e.data !== "[DONE]")
    .map((e) => ({ event: e.event, data: JSON.parse(e.data) }));

async function pricesOf(model: string) {
  const [m] = await fx.db.select().from(models).where(eq(models.name, model));
  return { inputPerMTokMicros: m.inputPriceMicros, outputPerMTokMicros: m.outputPriceMicros, cachedInputPerMTokMicros: m.cachedInputPriceMicros };
}

async function rowOf(id: string, waitMs = 5_000) {
  const until = Date.now() + waitMs;
  for (;;) {
    const [row] = await fx.db.select().from(requests).where(eq(requests.id, id));
    if (row || Date.now() > until) return row;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What the team is charged everywhere a user reads it: its budget, the daily rollup, and the token window. */
async function chargedTo(teamId: string) {
  await rateLimiter().syncTokens();
  const [budget] = await listBudgets(fx.db, teamId);
  const [rollup] = await fx.db
    .select({ cost: sql<number>`coalesce(sum(${usageDaily.costMicros}), 0)::bigint`, tokens: sql<number>`coalesce(sum(${usageDaily.inputTokens} + ${usageDaily.outputTokens}), 0)::bigint` })
    .from(usageDaily)
    .where(eq(usageDaily.teamId, teamId));
  const [win] = await fx.db.select({ tokens: rateLimitWindows.tokens }).from(rateLimitWindows).where(and(eq(rateLimitWindows.key, `team:${teamId}`)));
  const windowTokens = win?.tokens ?? 0;
  // The window counts the tokens charged, plus the part of a claim chunk this process still holds.
  const spare = windowTokens - Number(rollup.tokens);
  expect(spare).toBeGreaterThanOrEqual(0);
  expect(spare).toBeLessThanOrEqual(chunkOf(TPM));
  return { budget: budget.spentMicros, rollupCost: Number(rollup.cost), rollupTokens: Number(rollup.tokens) };
}

/** Waits for the next minute when this one has less than `needMs` left, so a test's calls share one token window. */
async function inOneWindow(needMs = 10_000) {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 50));
}

describe(`calls that end early are charged for the output they produced (${driverName})`, () => {
  it("an OpenAI stream the provider drops mid-answer: prompt + the text received, at the model's prices, everywhere", async () => {
    await inOneWindow();
    const { team, key } = await freshTeam();
    await fx.fleet.configure({ models: { "gpt-4.1-mini": { errorRates: { ...healthy, drop: 1 } } } });
    const messages = [{ role: "user", content: "Explain recursion at length, with two examples." }];
    const res = await post("/chat/completions", key, { model: "gpt-4.1-mini", stream: true, messages });
    expect(res.status).toBe(200);
    const events = eventsOf(res.text);
    const received = events.map((e) => e.data.choices?.[0]?.delta?.content ?? "").join("");
    expect(received.length).toBeGreaterThan(0);
    const failure = events.at(-1)!.data.error;
    expect(failure.message).toMatch(/could not start over on a fallback; send the request again\. The part already generated is billed: about \d+ prompt \+ \d+ answer tokens, \$[\d.]+ \(estimated: the provider reported no usage for a call that ended early\)\.$/);

    const row = await rowOf(res.headers["x-mc-request-id"] as string);
    const inputTokens = estimateMessagesTokens(messages);
    const outputTokens = estimateTokens(received);
    const cost = costMicros({ inputTokens, outputTokens }, await pricesOf("gpt-4.1-mini"));
    expect(cost).toBeGreaterThan(0);
    expect(row).toMatchObject({ status: "error", errorKind: "stream_dropped", model: "gpt-4.1-mini", inputTokens, outputTokens, costMicros: cost });
    expect(row.fallbacksTried).toEqual([expect.objectContaining({ model: "gpt-4.1-mini", inputTokens, outputTokens, costMicros: cost, estimated: true })]);
    expect(Number(res.trailers["x-mc-cost"])).toBeCloseTo(cost / 1e6, 6);
    expect(await chargedTo(team.id)).toEqual({ budget: cost, rollupCost: cost, rollupTokens: inputTokens + outputTokens });
  });

  it("a caller who hangs up mid-stream (499): charged for what the provider had sent, and the hold is not simply released", async () => {
    await inOneWindow();
    const { team, key } = await freshTeam();
    await fx.fleet.configure({ models: { "gpt-4.1": { tokensPerSecond: 40 } } });
    const messages = [{ role: "user", content: "Write a long essay on rivers." }];
    const res = await post("/chat/completions", key, { model: "gpt-4.1", stream: true, messages }, { stopAfter: /"content":"[^"]/ });
    const id = res.headers["x-mc-request-id"] as string;
    const row = await rowOf(id);
    expect(row).toMatchObject({ status: "error", errorKind: "aborted", model: "gpt-4.1" });
    expect(row.outputTokens).toBeGreaterThan(0);
    expect(row.inputTokens).toBe(estimateMessagesTokens(messages));
    const cost = costMicros({ inputTokens: row.inputTokens, outputTokens: row.outputTokens }, await pricesOf("gpt-4.1"));
    expect(cost).toBeGreaterThan(0);
    expect(row.costMicros).toBe(cost);
    expect(row.fallbacksTried.at(-1)).toMatchObject({ model: "gpt-4.1", costMicros: cost, estimated: true });
    const charged = await chargedTo(team.id);
    expect(charged).toEqual({ budget: cost, rollupCost: cost, rollupTokens: row.inputTokens + row.outputTokens });
  });

  it("a caller who hangs up on a plain (not streamed) request: the provider finishes the answer, and it is recorded and billed in full", async () => {
    await inOneWindow();
    await fx.fleet.configure({ models: { "gpt-4.1": { latencyMs: 400 } } });
    const body = { model: "gpt-4.1", messages: [{ role: "user", content: "Write a short note on rivers." }] };
    // What the same call costs when its caller waits (the fleet's answer depends only on model and prompt).
    const waited = await freshTeam();
    const full = await post("/chat/completions", waited.key, body);
    expect(full.status).toBe(200);
    const usage = JSON.parse(full.text).usage;
    const cost = costMicros({ inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens }, await pricesOf("gpt-4.1"));
    expect(cost).toBeGreaterThan(0);

    const { team, key } = await freshTeam();
    const gone = new Promise<void>((resolve) => {
      const req = http.request(`${fx.api}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });
      req.on("error", () => resolve());
      req.end(JSON.stringify(body));
      setTimeout(() => req.destroy(), 100); // before the fleet's 400 ms
    });
    await gone;
    let row: typeof requests.$inferSelect | undefined;
    for (const until = Date.now() + 5_000; !row && Date.now() < until; await new Promise((r) => setTimeout(r, 25))) [row] = await fx.db.select().from(requests).where(eq(requests.teamId, team.id));
    expect(row).toMatchObject({ status: "error", errorKind: "aborted", model: "gpt-4.1", inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, costMicros: cost });
    expect(row!.errorMessage).toBe(
      `Stopped by the caller before gpt-4.1's answer reached them. The request was not streamed, so the provider finished the answer and it is billed: ${usage.prompt_tokens} prompt + ${usage.completion_tokens} answer tokens, ${formatUsd(cost)}; it is kept in the request's history.`,
    );
    expect(await chargedTo(team.id)).toEqual({ budget: cost, rollupCost: cost, rollupTokens: usage.prompt_tokens + usage.completion_tokens });
  });

  it("a fallback after output began (/delegate stream): the failed attempt's part and the answer, both in the cost the caller is told", async () => {
    await inOneWindow();
    const { team, key } = await freshTeam();
    await fx.fleet.configure({ models: { "gpt-4.1-mini": { errorRates: { ...healthy, drop: 1 } } } });
    await fx.fleet.reset();
    const task = "Explain recursion at length, with two examples.";
    const res = await post("/delegate", key, { task: { description: task }, preferences: { model_preference: "gpt-4.1-mini", explain_reasoning: true } }, { accept: "text/event-stream" });
    const events = eventsOf(res.text);
    const fallbackAt = events.findIndex((e) => e.event === "fallback");
    expect(fallbackAt).toBeGreaterThan(0);
    expect(events[fallbackAt].data).toMatchObject({ from: "gpt-4.1-mini", discard_output: true });
    const partial = events.slice(0, fallbackAt).filter((e) => e.event === "delta").map((e) => e.data.text).join("");
    const done = events.at(-1)!;
    expect(done.event).toBe("done");
    const answered = done.data.execution_info.selected_model as string;
    const answer = (await fx.fleet.usage()).models[answered];
    const answerCost = costMicros({ inputTokens: answer.prompt_tokens, outputTokens: answer.completion_tokens }, await pricesOf(answered));
    const inputTokens = estimateMessagesTokens([{ content: task }]);
    const partCost = costMicros({ inputTokens, outputTokens: estimateTokens(partial) }, await pricesOf("gpt-4.1-mini"));
    expect(partCost).toBeGreaterThan(0);
    expect(done.data.execution_info.fallbacks_tried[0]).toMatchObject({ model: "gpt-4.1-mini", input_tokens: inputTokens, output_tokens: estimateTokens(partial), estimated: true });
    expect(done.data.execution_info.fallbacks_tried[0].cost).toBeCloseTo(partCost / 1e6, 6);
    expect(done.data.execution_info.actual_cost).toBeCloseTo((answerCost + partCost) / 1e6, 6);
    expect(Number(res.trailers["x-mc-cost"])).toBeCloseTo((answerCost + partCost) / 1e6, 6);
    const row = await rowOf(done.data.response_id);
    expect(row).toMatchObject({ status: "ok", model: answered, costMicros: answerCost + partCost, inputTokens: answer.prompt_tokens + inputTokens, outputTokens: answer.completion_tokens + estimateTokens(partial) });
    expect(await chargedTo(team.id)).toEqual({ budget: answerCost + partCost, rollupCost: answerCost + partCost, rollupTokens: row.inputTokens + row.outputTokens });
  });

  it("the failed attempt's part is filed under its own model, the rest under the model that answered: Costs by model, its CSV and /spend agree with the attempts, also after a time-zone change", async () => {
    await inOneWindow();
    const { team, key } = await freshTeam();
    await fx.fleet.configure({ models: { "gpt-4.1-mini": { errorRates: { ...healthy, drop: 1 } } } });
    await fx.fleet.reset();
    const res = await post("/delegate", key, { task: { description: "Explain recursion at length, with two examples." }, preferences: { model_preference: "gpt-4.1-mini" } }, { accept: "text/event-stream" });
    const done = eventsOf(res.text).at(-1)!;
    expect(done.event).toBe("done");
    const row = await rowOf(done.data.response_id);
    const answered = row.model!;
    expect(answered).not.toBe("gpt-4.1-mini");
    const [part] = row.fallbacksTried;
    expect(part).toMatchObject({ model: "gpt-4.1-mini", estimated: true });
    expect(part.costMicros).toBeGreaterThan(0);
    // The answer's own part, as the fleet counted it, at the answering model's prices.
    const answer = (await fx.fleet.usage()).models[answered];
    const answerCost = costMicros({ inputTokens: answer.prompt_tokens, outputTokens: answer.completion_tokens }, await pricesOf(answered));
    expect(row.costMicros).toBe(answerCost + part.costMicros!);

    const byModel = (a: { model: string }, b: { model: string }) => a.model.localeCompare(b.model);
    // The call counts once, under the model that answered; the failed model's part is neither a request nor an error here.
    const expected = [
      { model: "gpt-4.1-mini", requests: 0, errors: 0, inputTokens: part.inputTokens, outputTokens: part.outputTokens, costMicros: part.costMicros },
      { model: answered, requests: 1, errors: 0, inputTokens: answer.prompt_tokens, outputTokens: answer.completion_tokens, costMicros: answerCost },
    ].sort(byModel);
    const rollup = async () =>
      (
        await fx.db
          .select({ model: usageDaily.model, requests: usageDaily.requests, errors: usageDaily.errors, inputTokens: usageDaily.inputTokens, outputTokens: usageDaily.outputTokens, costMicros: usageDaily.costMicros })
          .from(usageDaily)
          .where(eq(usageDaily.teamId, team.id))
      ).sort(byModel);
    expect(await rollup()).toEqual(expected);
    expect(await chargedTo(team.id)).toEqual({ budget: row.costMicros, rollupCost: row.costMicros, rollupTokens: row.inputTokens + row.outputTokens });

    // What the Costs page and its CSV read (spendByDay by model), and GET /api/v1/spend.
    const days = (await spendByDay(fx.db, [team.id], "2000-01-01", "2100-01-01", "model")).sort((a, b) => a.key.localeCompare(b.key));
    expect(days.map((d) => ({ model: d.key, costMicros: d.costMicros, tokens: d.tokens }))).toEqual(
      expected.map((e) => ({ model: e.model, costMicros: e.costMicros, tokens: e.inputTokens! + e.outputTokens! })),
    );
    const spend = await (await fetch(`${fx.api}/spend?days=7`, { headers: { authorization: `Bearer ${key}` } })).json();
    expect(spend.by_model.sort(byModel)).toEqual(expected.map((e) => ({ model: e.model, requests: e.requests, cost_usd: e.costMicros! / 1e6 })));
    expect(spend.totals).toMatchObject({ requests: 1, errors: 0, tokens: row.inputTokens + row.outputTokens, cost_usd: row.costMicros / 1e6 });

    // A time-zone change files the team's requests again (rebuildTeamRollup): the same split.
    await setTeamTimezone(fx.db, { teamId: team.id, timezone: "Pacific/Kiritimati", actorUserId: fx.user.id });
    expect(await rollup()).toEqual(expected);
  });

  it("a free local model's part ($0) counts its tokens in the row and under that model, and never takes them from the model tried last", async () => {
    await inOneWindow();
    const { team, key } = await freshTeam();
    await fx.fleet.configure({ defaults: { errorRates: { ...healthy, server: 1 } }, models: { "llama3.1:8b": { errorRates: { ...healthy, drop: 1 } } } });
    const res = await post("/delegate", key, { task: { description: "Explain recursion at length, with two examples." }, preferences: { model_preference: "llama3.1:8b" } }, { accept: "text/event-stream" });
    const id = res.headers["x-mc-request-id"] as string;
    const row = await rowOf(id);
    expect(row.status).toBe("error");
    const [part, ...rest] = row.fallbacksTried;
    expect(part).toMatchObject({ model: "llama3.1:8b", costMicros: 0, estimated: true });
    expect(rest.length).toBeGreaterThan(0);
    expect(row.model).toBe(rest.at(-1)!.model);
    expect(row).toMatchObject({ inputTokens: part.inputTokens, outputTokens: part.outputTokens, costMicros: 0 });
    const rollup = await fx.db.select({ model: usageDaily.model, requests: usageDaily.requests, errors: usageDaily.errors, inputTokens: usageDaily.inputTokens, outputTokens: usageDaily.outputTokens }).from(usageDaily).where(eq(usageDaily.teamId, team.id));
    expect(rollup.sort((a, b) => a.model.localeCompare(b.model))).toEqual(
      [
        { model: "llama3.1:8b", requests: 0, errors: 0, inputTokens: part.inputTokens, outputTokens: part.outputTokens },
        { model: row.model, requests: 1, errors: 1, inputTokens: 0, outputTokens: 0 },
      ].sort((a, b) => a.model!.localeCompare(b.model!)),
    );
  });

  it("attempts that failed before any output cost nothing: every model 500s, $0 and no tokens anywhere", async () => {
    await inOneWindow();
    const { team, key } = await freshTeam();
    await fx.fleet.configure({ defaults: { errorRates: { ...healthy, server: 1 } } });
    const res = await post("/chat/completions", key, { model: "auto", stream: true, messages: [{ role: "user", content: "Explain recursion briefly." }] });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text).error.message).not.toMatch(/billed/);
    expect(res.headers["x-mc-cost"]).toBe("0.000000");
    const [row] = await fx.db.select().from(requests).where(eq(requests.teamId, team.id));
    expect(row).toMatchObject({ status: "error", errorKind: "server", inputTokens: 0, outputTokens: 0, costMicros: 0 });
    expect(row.fallbacksTried.length).toBeGreaterThan(1);
    for (const a of row.fallbacksTried) expect(a.costMicros).toBeUndefined();
    expect(await chargedTo(team.id)).toEqual({ budget: 0, rollupCost: 0, rollupTokens: 0 });
  });

  it("a fallback after a billed partial attempt holds that part first: a hard budget that covers one attempt but not both refuses the fallback instead of overspending", async () => {
    await inOneWindow(20_000);
    await fx.fleet.configure({ models: { "gpt-4.1-mini": { errorRates: { ...healthy, drop: 1 } } } });
    const task = "Explain recursion at length, with two examples.";
    const prompt = estimateMessagesTokens([{ content: task }]);
    const body = { task: { description: task }, context: { constraints: { max_tokens: prompt + 20 } }, preferences: { model_preference: "gpt-4.1-mini" } };
    // First, on a roomy budget: the chain the call holds for (its dearest model at 20 answer tokens).
    const roomy = await freshTeam();
    const start = eventsOf((await post("/delegate", roomy.key, body, { accept: "text/event-stream" })).text).find((e) => e.event === "start")!.data;
    const chain: string[] = [start.selected_model, ...start.fallbacks];
    expect(chain.length).toBeGreaterThan(1);
    const hold = Math.max(...(await Promise.all(chain.map(async (m) => maxCostMicros(promptTokensAtMost([{ content: task }]), 20, await pricesOf(m))))));
    // Then a team whose hard limit is exactly that hold: the call starts, the partial attempt is billed, and a full fallback would pass the limit.
    const { team, key } = await freshTeam(hold / 1e6);
    const res = await post("/delegate", key, body, { accept: "text/event-stream" });
    const events = eventsOf(res.text);
    expect(events.some((e) => e.event === "done")).toBe(false);
    expect(events.some((e) => e.event === "fallback")).toBe(false);
    expect(events.at(-1)!.data.error.message).toMatch(/No fallback was tried: the budget could not also hold what the broken attempt is billed \(Budget "Team" exceeded/);
    const [budget] = await listBudgets(fx.db, team.id);
    expect(budget.spentMicros).toBeGreaterThan(0);
    expect(budget.spentMicros).toBeLessThanOrEqual(budget.limitMicros);
  });
});

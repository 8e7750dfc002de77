import http from "node:http";
import { eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { models, providers, requests, usageDaily } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { createBudget, listBudgets } from "@/lib/budgets/service";
import { createModel } from "@/lib/execution/admin";
import { costMicros, maxCostMicros, promptTokensAtMost } from "@/lib/providers/cost";
import { THINKING_BUDGET_TOKENS } from "@/lib/providers/reasoning";
import { createTeam } from "@/lib/teams/service";
import { driverName } from "@/test/db";
import { startGatewayFixture, type GatewayFixture } from "./test-server";

/**
 * Many calls that end early — the caller hangs up at generated points of a streamed answer, or the
 * provider drops the stream mid-way — on a plain model, a Claude model thinking (reasoning_effort)
 * and an OpenAI reasoning model: Mission Control's books never record less than the mock fleet's
 * vendor bill (mock-fleet/README.md), and the budget, the rollup and the rows agree.
 */
let fx: GatewayFixture;
const pace = { latencyMs: 150, tokensPerSecond: 15 };
const O4 = "o4-mini";
const SONNET = "claude-sonnet-4-20250514";
const MAX_TOKENS = 200;
// Claude last: the hard limit stops some of its calls.
const CASES = [
  // A forced tool call streams no text before the drop: the answer began, so the prompt is billed.
  { model: "gpt-4.1", effort: undefined, toolDrop: true },
  { model: O4, effort: "low" as const }, // 64 reasoning tokens, inside max_completion_tokens
  { model: SONNET, effort: "low" as const }, // extended thinking, 1,024 tokens
];
const messages = [{ role: "user", content: "Write a long essay on rivers, with examples." }];

beforeAll(async () => {
  fx = await startGatewayFixture();
  // Each answer begins 150 ms after the request, then a piece about every 100 ms: a caller who hangs
  // up right after a piece has long gone when the next is due (one sent meanwhile, which the app never
  // receives, is billed by a vendor too: mock-fleet/README.md).
  await fx.fleet.configure({ defaults: pace, models: { [O4]: { vendor: "openai", tier: "medium", reasoningEffort: true, ...pace } } });
  const [openai] = await fx.db.select().from(providers).where(eq(providers.kind, "openai"));
  await createModel(fx.db, { teamId: fx.team.id, userId: fx.user.id }, {
    providerId: openai.id, name: O4, displayName: "o4-mini", enabled: true, contextWindow: 200_000, inputPriceMicros: 1_100_000, outputPriceMicros: 4_400_000, cachedInputPriceMicros: null,
    strengths: ["math"], optimalFor: [], costTier: "medium", toolCalling: true, imageInput: false, reasoningEffort: true,
  });
});
afterAll(async () => {
  await fx?.close();
});

/** How a call ends: the caller hangs up during the latency, or after `after` answer pieces reached it; or the provider drops the stream. */
type End = { kind: "early" } | { kind: "hangup"; after: number } | { kind: "drop"; tools?: true };

/** Streams one call through the gateway and ends it as `end` says; resolves when the caller is done with it. */
function call(key: string, body: unknown, end: End): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(`${fx.api}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } }, (res) => {
      let pieces = 0;
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        buf += c;
        const blocks = buf.split("\n\n");
        buf = blocks.pop()!;
        for (const b of blocks) if (/"content":"[^"]/.test(b)) pieces++;
        if (end.kind === "hangup" && pieces >= end.after && !req.destroyed) {
          req.destroy();
          resolve(res.statusCode!);
        }
      });
      res.on("end", () => resolve(res.statusCode!));
      res.on("error", () => {});
    });
    req.on("error", () => resolve(0));
    req.end(JSON.stringify(body));
    if (end.kind === "early") setTimeout(() => req.destroy(), 30);
  });
}

async function pricesOf(model: string) {
  const [m] = await fx.db.select().from(models).where(eq(models.name, model));
  return { inputPerMTokMicros: m.inputPriceMicros, outputPerMTokMicros: m.outputPriceMicros, cachedInputPerMTokMicros: m.cachedInputPriceMicros };
}

/** Waits until every call has its row and the fleet has seen every request end. */
async function quiet(teamId: string, calls: number) {
  for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    const [{ n }] = await fx.db.select({ n: sql<number>`count(*)::int` }).from(requests).where(eq(requests.teamId, teamId));
    const u = await fx.fleet.usage();
    const open = Object.values(u.models).some((m) => m.requests !== m.ok + Object.values(m.errors).reduce((a, b) => a + b, 0));
    if (Number(n) === calls && !open) return;
  }
  throw new Error("calls still open after 15 s");
}

describe(`a call that ends early is never billed less than the vendor bills it (${driverName})`, () => {
  it("hang-ups at generated points and mid-stream drops, on a plain model, Claude thinking and an OpenAI reasoning model: books ≥ the vendor's bill per model, and budget = rollup = rows, under the hard limit", async () => {
    const slug = `bill-${crypto.randomUUID().slice(0, 8)}`;
    const team = await createTeam(fx.db, { name: slug, slug, ownerId: fx.user.id });
    const ends: End[] = [
      { kind: "early" },
      { kind: "drop" },
      { kind: "drop" },
      ...fc.sample(fc.integer({ min: 1, max: 6 }), { seed: 20_261_130, numRuns: 9 }).map((after): End => ({ kind: "hangup", after })),
    ];
    // The most one call may be billed, per model (its hold). The hard limit holds every call of the
    // first two models and 8 of Claude's 12, which are billed almost their whole hold (the thinking).
    const holds = new Map<string, number>();
    for (const c of CASES) holds.set(c.model, maxCostMicros(promptTokensAtMost(messages), MAX_TOKENS + (c.model === SONNET ? THINKING_BUDGET_TOKENS.low : 0), await pricesOf(c.model)));
    const limitMicros = (ends.length + 2) * holds.get("gpt-4.1")! + ends.length * holds.get(O4)! + 8 * holds.get(SONNET)!;
    await createBudget(fx.db, team.id, { name: "Team", scope: "team", userId: null, apiKeyId: null, limitUsd: limitMicros / 1e6, period: "monthly", hardStop: true, thresholds: [100], webhookUrl: null });
    await fx.fleet.reset();

    let calls = 0;
    const statuses: number[] = [];
    for (const c of CASES) {
      // One key per model, allowed only that model: no fallback moves a call elsewhere.
      const { key } = await createApiKey(fx.db, { teamId: team.id, name: c.model, createdBy: fx.user.id, modelAllowList: [c.model] });
      for (const end of "toolDrop" in c ? [...ends, { kind: "drop" } as const, { kind: "drop", tools: true } as const] : ends) {
        // A drop needs no pace: the fleet sends half the answer at once, then breaks the stream.
        await fx.fleet.configure({ models: { [c.model]: { errorRates: { rateLimit: 0, server: 0, timeout: 0, drop: end.kind === "drop" ? 1 : 0 }, tokensPerSecond: end.kind === "drop" ? 0 : pace.tokensPerSecond } } });
        const tools = end.kind === "drop" && end.tools ? { tools: [{ type: "function", function: { name: "cite", parameters: { type: "object", properties: { river: { type: "string" } } } } }], tool_choice: "required" } : {};
        statuses.push(await call(key, { model: c.model, messages, stream: true, max_tokens: MAX_TOKENS, ...tools, ...(c.effort ? { reasoning_effort: c.effort } : {}) }, end));
        // One call at a time, its row written and what follows it (learning) done, so no database work
        // in this process stalls the next call's hang-up.
        await quiet(team.id, ++calls);
        await new Promise((r) => setTimeout(r, 100));
      }
      await fx.fleet.configure({ models: { [c.model]: { errorRates: { drop: 0 } } } });
    }
    await quiet(team.id, calls);

    const rows = await fx.db.select().from(requests).where(eq(requests.teamId, team.id));
    const rollup = await fx.db.select().from(usageDaily).where(eq(usageDaily.teamId, team.id));
    const fleetUsage = await fx.fleet.usage();
    for (const c of CASES) {
      const bill = fleetUsage.models[c.model].bill;
      // The vendor billed early ends beyond what it reported as usage: the test exercised them.
      expect(bill.completion_tokens, c.model).toBeGreaterThan(fleetUsage.models[c.model].completion_tokens);
      const prices = await pricesOf(c.model);
      const mine = rows.filter((r) => r.model === c.model);
      const filed = rollup.filter((r) => r.model === c.model);
      const sum = (xs: { inputTokens: number; outputTokens: number; costMicros: number }[]) =>
        xs.reduce((t, r) => ({ inputTokens: t.inputTokens + r.inputTokens, outputTokens: t.outputTokens + r.outputTokens, costMicros: t.costMicros + Number(r.costMicros) }), { inputTokens: 0, outputTokens: 0, costMicros: 0 });
      const books = sum(mine);
      expect(sum(filed), c.model).toEqual(books);
      expect(books.inputTokens, `${c.model}: prompt tokens`).toBeGreaterThanOrEqual(bill.prompt_tokens);
      expect(books.outputTokens, `${c.model}: output tokens`).toBeGreaterThanOrEqual(bill.completion_tokens);
      expect(books.costMicros, `${c.model}: cost`).toBeGreaterThanOrEqual(costMicros({ inputTokens: bill.prompt_tokens, outputTokens: bill.completion_tokens }, prices));
      for (const r of mine) expect(Number(r.costMicros)).toBeLessThanOrEqual(holds.get(c.model)!);
      // A reasoning attempt cut before its usage arrived is billed at the most its hidden reasoning could be, and says so.
      const bounded = mine.filter((r) => r.fallbacksTried.some((a) => a.reasoningTokensAtMost));
      if (c.effort) {
        expect(bounded.length).toBeGreaterThan(0);
        for (const r of bounded) {
          expect(r.fallbacksTried.at(-1)).toMatchObject({ estimated: true, reasoningTokensAtMost: c.model === SONNET ? THINKING_BUDGET_TOKENS.low : expect.any(Number) });
          expect(r.errorMessage).toMatch(/\(estimated: the provider reported no usage for a call that ended early, so its hidden reasoning is billed at the most the provider could have billed, \d+ of those output tokens\)\.$/);
        }
      } else expect(bounded).toEqual([]);
    }
    const [budget] = await listBudgets(fx.db, team.id);
    const total = rows.reduce((s, r) => s + Number(r.costMicros), 0);
    expect(budget.spentMicros).toBe(total);
    expect(rollup.reduce((s, r) => s + Number(r.costMicros), 0)).toBe(total);
    expect(budget.spentMicros).toBeLessThanOrEqual(limitMicros);
    expect(statuses.filter((s) => s === 402).length).toBeGreaterThan(0);
  });
});

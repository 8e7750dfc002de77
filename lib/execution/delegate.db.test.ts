import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeDb } from "@/db";
import { budgets, models, requests, routingSettings } from "@/db/schema";
import { DEFAULT_EXPLORATION } from "@/lib/learning";
import { seedFleet } from "@/db/seed";
import { createUser } from "@/lib/auth/users";
import { createTeam } from "@/lib/teams/service";
import { costMicros } from "@/lib/providers/cost";
import { imageTokensFor } from "@/lib/providers/images";
import { estimateTokens } from "@/lib/providers/tokens";
import { startMockFleet } from "@/mock-fleet/server";
import { driverName, freshDb } from "@/test/db";
import { callerCostMicros, delegate, delegateStream, invalidateTeamSettings, type DelegateEvent } from "./delegate";
import { DelegateError } from "./errors";
import { loadSnapshot } from "@/lib/learning/store";
import { invalidateFleet, invalidateLatencies } from "./fleet";

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let fleet: Awaited<ReturnType<typeof startMockFleet>>;
let teamId: string;
let userId: string;

const healthy = { rateLimit: 0, server: 0, timeout: 0, drop: 0 };

beforeAll(async () => {
  db = (await freshDb()).db;
  fleet = await startMockFleet({ port: 0, seed: 7 });
  await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
  userId = (await createUser(db, { name: "d", email: "d@t.test", password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "D", slug: "d", ownerId: userId })).id;
});
afterAll(async () => {
  await fleet.close();
  await closeDb();
});
beforeEach(async () => {
  await fleet.configure({ defaults: { errorRates: healthy } });
  await fleet.reset();
  invalidateFleet();
});

const rowOf = async (id: string) => (await db.select().from(requests).where(eq(requests.id, id)))[0];

describe(`delegate() on ${driverName} through the real SDKs`, () => {
  it("runs an explicit model and records tokens and cost exactly as the provider reported them", async () => {
    const r = await delegate(db, { teamId, userId, source: "api", task: "What is 17 * 23?", model: "gpt-4.1-mini" });
    expect(r.model).toBe("gpt-4.1-mini");
    expect(r.text.length).toBeGreaterThan(0);
    const u = (await fleet.usage()).models["gpt-4.1-mini"];
    expect(r.usage.inputTokens).toBe(u.prompt_tokens);
    expect(r.usage.outputTokens).toBe(u.completion_tokens);
    const [m] = await db.select().from(models).where(eq(models.name, "gpt-4.1-mini"));
    expect(r.costMicros).toBe(costMicros(r.usage, { inputPerMTokMicros: m.inputPriceMicros, outputPerMTokMicros: m.outputPriceMicros, cachedInputPerMTokMicros: m.cachedInputPriceMicros }));
    const row = await rowOf(r.requestId);
    expect(row).toMatchObject({ status: "ok", model: "gpt-4.1-mini", inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens, costMicros: r.costMicros, source: "api" });
  });

  it("streams: start, then deltas that add up to the answer, then done — on an Anthropic model too", async () => {
    const events: DelegateEvent[] = [];
    for await (const ev of delegateStream(db, { teamId, userId, source: "playground", task: "Write a haiku about budgets.", model: "claude-3-5-haiku-20241022" })) events.push(ev);
    expect(events[0].type).toBe("start");
    const done = events.at(-1)!;
    expect(done.type).toBe("done");
    const deltas = events.filter((e) => e.type === "delta").map((e) => (e as { text: string }).text);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(done.type === "done" ? done.result.text : "");
  });

  it("auto routing picks an enabled model and explains why", async () => {
    const r = await delegate(db, { teamId, userId, source: "api", task: "Summarise: the meeting moved to Tuesday and the budget was approved." });
    expect(r.reason.length).toBeGreaterThan(20);
    expect((await rowOf(r.requestId)).selectionReason).toBe(r.reason);
  });

  it.each([
    ["429", { rateLimit: 1 }, "rate_limit"],
    ["500", { server: 1 }, "server"],
    ["a dropped stream", { drop: 1 }, "stream_dropped"],
    ["a timeout", { timeout: 1 }, "timeout"],
  ])("falls back on %s and records one row naming what was tried", async (_label, rates, kind) => {
    await fleet.configure({ models: { "gpt-4.1-mini": { errorRates: { ...healthy, ...rates } } } });
    const r = await delegate(db, { teamId, userId, source: "api", task: "Explain recursion briefly.", model: "gpt-4.1-mini", constraints: { maxTimeMs: 1500 }, stream: true });
    expect(r.model).not.toBe("gpt-4.1-mini");
    expect(r.fallbacksTried[0]).toMatchObject({ model: "gpt-4.1-mini" });
    expect(r.fallbacksTried[0].error.startsWith(kind)).toBe(true);
    const rows = await db.select().from(requests).where(eq(requests.id, r.requestId));
    expect(rows).toHaveLength(1);
    expect(rows[0].fallbacksTried[0].model).toBe("gpt-4.1-mini");
  });

  it("a call the caller stops is recorded as stopped, and does not teach the router that the model failed", async () => {
    await fleet.configure({ models: { "gpt-4.1": { tokensPerSecond: 20 } } });
    try {
      // Only the stopped model's arms: earlier tests' fallback signals land in the background.
      const armsOf = async () => JSON.stringify(Object.entries((await loadSnapshot(db, teamId)).arms).map(([d, byModel]) => [d, byModel["gpt-4.1"] ?? null]));
      const before = await armsOf();
      const ac = new AbortController();
      const err = await (async () => {
        for await (const ev of delegateStream(db, { teamId, source: "playground", task: "Write a long essay on rivers.", model: "gpt-4.1", signal: ac.signal })) {
          if (ev.type === "delta") ac.abort();
        }
      })().catch((e) => e);
      expect(err).toBeInstanceOf(DelegateError);
      // It stopped after output began: the part generated is billed.
      expect(err.message).toMatch(/^Stopped by the caller before gpt-4\.1 finished its answer\. The part already generated is billed: about \d+ prompt \+ \d+ answer tokens, \$[\d.]+ \(estimated: the provider reported no usage for a call that ended early\)\.$/);
      expect(await rowOf(err.requestId)).toMatchObject({ status: "error", errorKind: "aborted", model: "gpt-4.1" });
      await new Promise((r) => setTimeout(r, 100)); // learnFrom runs in the background
      expect(await armsOf()).toBe(before);
    } finally {
      await fleet.configure({ models: { "gpt-4.1": { tokensPerSecond: 400 } } });
    }
  });

  it("learns only from failures that say how a model does: not from a max_time the caller set too short, nor from a request the model's window refused", async () => {
    const armsOf = async (model: string) => JSON.stringify(Object.entries((await loadSnapshot(db, teamId)).arms).map(([d, byModel]) => [d, byModel[model] ?? null]));
    const settled = () => new Promise((r) => setTimeout(r, 100)); // learnFrom runs in the background
    await settled();
    // Every model the router may pick times out under max_time 20 ms.
    await fleet.configure({ defaults: { latencyMs: 300 } });
    try {
      const before = await Promise.all(["gpt-4o-mini", "mistral-small-latest", "llama3.1:8b", "grok-3-mini"].map(armsOf));
      const slow = await delegate(db, { teamId, source: "api", task: "Say hello to the team.", constraints: { maxTimeMs: 20 } }).catch((e) => e);
      expect(slow.message).toMatch(/raise max_time/);
      const tried: string[] = (await rowOf(slow.requestId)).fallbacksTried.map((t: { model: string }) => t.model);
      expect(tried.length).toBeGreaterThan(1);
      await settled();
      expect(await Promise.all(["gpt-4o-mini", "mistral-small-latest", "llama3.1:8b", "grok-3-mini"].map(armsOf))).toEqual(before);
    } finally {
      await fleet.configure({ defaults: { latencyMs: 0 } });
    }
    // The vendor's window is smaller than the one Mission Control knows: its refusal is the request's size, not the model's quality.
    await fleet.configure({ models: { "gpt-4.1-mini": { contextWindow: 50 } } });
    try {
      const before = await armsOf("gpt-4.1-mini");
      const big = await delegate(db, { teamId, source: "api", task: "Summarise: " + "the fox jumps over the dog. ".repeat(40), model: "gpt-4.1-mini" }).catch((e) => e);
      expect(big.message).toMatch(/maximum context length/);
      await settled();
      expect(await armsOf("gpt-4.1-mini")).toBe(before);
    } finally {
      await fleet.configure({ models: { "gpt-4.1-mini": { contextWindow: 1047576 } } });
    }
    // A provider failing does teach it (the check above can see a change).
    await fleet.configure({ models: { "gpt-4.1-mini": { errorRates: { ...healthy, server: 1 } } } });
    const before = await armsOf("gpt-4.1-mini");
    await delegate(db, { teamId, source: "api", task: "Say hello to the team.", model: "gpt-4.1-mini" }).catch((e) => e);
    await settled();
    expect(await armsOf("gpt-4.1-mini")).not.toBe(before);
  });

  it("refuses a max_time no model has been seen to meet before calling any, naming the fastest model's measured latency", async () => {
    const team = (await createTeam(db, { name: "Latency", slug: "latency", ownerId: userId })).id;
    const only = { teamId: team, source: "api" as const, modelAllowList: ["gpt-4o-mini"] };
    for (let i = 0; i < 3; i++) await delegate(db, { ...only, task: `Say hello to team ${i}.` });
    invalidateLatencies();
    const before = (await fleet.usage()).totals.requests;
    const err = await delegate(db, { ...only, task: "Say hello to the team.", constraints: { maxTimeMs: 1 } }).catch((e) => e);
    expect(err).toBeInstanceOf(DelegateError);
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/^No eligible model answers within max_time 1 ms: the fastest, gpt-4o-mini, takes about \d+ ms \(p50\)\. Raise max_time/);
    expect((await fleet.usage()).totals.requests).toBe(before);
    expect(await rowOf(err.requestId)).toMatchObject({ status: "refused", costMicros: 0 });
    // A max_time it meets goes through.
    const ok = await delegate(db, { ...only, task: "Say hello to the team.", constraints: { maxTimeMs: 30_000 } });
    expect(ok.model).toBe("gpt-4o-mini");
  });

  it("says why no fallback was tried: a stream broken after output began, or a max_time too short", async () => {
    await fleet.configure({ models: { "gpt-4.1-mini": { errorRates: { ...healthy, drop: 1 } } } });
    const partial = await (async () => {
      for await (const _ of delegateStream(db, { teamId, source: "api", task: "Explain recursion at length.", model: "gpt-4.1-mini", restartAfterPartialOutput: false }));
    })().catch((e) => e);
    expect(partial).toBeInstanceOf(DelegateError);
    expect(partial.message).toMatch(/could not start over on a fallback; send the request again\. The part already generated is billed: about \d+ prompt/);
    expect(partial.message).not.toMatch(/Every fallback failed/);
    await fleet.configure({ models: { "gpt-4.1-mini": { errorRates: { ...healthy, drop: 0 } } }, defaults: { latencyMs: 300 } });
    try {
      // A team that has no measured latency for the model (else the router refuses max_time before calling it).
      const fresh = (await createTeam(db, { name: "Unmeasured", slug: "unmeasured", ownerId: userId })).id;
      const slow = await delegate(db, { teamId: fresh, source: "api", task: "Explain recursion briefly.", model: "gpt-4.1-mini", constraints: { maxTimeMs: 50 } }).catch((e) => e);
      expect(slow).toBeInstanceOf(DelegateError);
      expect(slow.message).toMatch(/No answer came within max_time \(50 ms\); raise max_time\.$/);
    } finally {
      await fleet.configure({ defaults: { latencyMs: 0 } });
    }
  });

  it("keeps to the admin's exploration cap: at $0 it never explores, while the default cap does", async () => {
    const set = async (cap: number) => {
      await db.insert(routingSettings).values({ teamId, explorationCapMicros: cap }).onConflictDoUpdate({ target: routingSettings.teamId, set: { explorationCapMicros: cap } });
      invalidateTeamSettings(teamId);
    };
    const run = async () => {
      const out: { reason: string; explored: boolean }[] = [];
      for (let i = 0; i < 40; i++) out.push(await delegate(db, { teamId, source: "api", task: `Plan a two-day offsite for eight people (${i}).`, maxOutputTokens: 64 }));
      return out;
    };
    await set(0);
    try {
      const off = await run();
      expect(off.filter((r) => r.explored || /Exploring|posterior draw/.test(r.reason))).toEqual([]);
      await set(DEFAULT_EXPLORATION.maxExtraCostMicros);
      // The same calls under the default cap do draw, and some explore: the check above can fail.
      expect((await run()).some((r) => r.explored || /posterior draw/.test(r.reason))).toBe(true);
    } finally {
      await set(DEFAULT_EXPLORATION.maxExtraCostMicros);
    }
  });

  it("keeps a call within max_cost even when the answer runs longer than the router expected: the allowance sent is what max_cost leaves", async () => {
    // A short translation: the analyser expects ~50 answer tokens, but the mock answers it with
    // prose of a hundred or more. max_cost admits the expected answer and not much more.
    const task = "Translate 'cat' to French.";
    const [m] = await db.select().from(models).where(eq(models.name, "gpt-4.1"));
    const price = { inputPerMTokMicros: m.inputPriceMicros, outputPerMTokMicros: m.outputPriceMicros, cachedInputPerMTokMicros: m.cachedInputPriceMicros };
    const free = await delegate(db, { teamId, userId, source: "api", task, model: "gpt-4.1" });
    const maxCost = costMicros({ inputTokens: free.usage.inputTokens, outputTokens: 60 }, price);
    expect(free.costMicros).toBeGreaterThan(maxCost); // unconstrained, this answer costs more than max_cost
    const r = await delegate(db, { teamId, userId, source: "api", task, model: "gpt-4.1", constraints: { maxCostMicros: maxCost } });
    expect(r.costMicros).toBeLessThanOrEqual(maxCost);
    expect(r.finishReason).toBe("length"); // cut at the allowance, as max_tokens would
    expect((await rowOf(r.requestId)).costMicros).toBeLessThanOrEqual(maxCost);
  });

  it("refuses an unknown model with 404 and records the refusal", async () => {
    const err = await delegate(db, { teamId, userId, source: "api", task: "hi", model: "gpt-9" }).catch((e) => e);
    expect(err).toBeInstanceOf(DelegateError);
    expect(err.status).toBe(404);
    expect(err.message).toContain('Unknown model "gpt-9"');
    expect(await rowOf(err.requestId)).toMatchObject({ status: "refused", errorKind: "model_not_found" });
  });

  it("refuses a disabled model, an empty task and a prompt over the context window", async () => {
    await db.update(models).set({ enabled: false }).where(eq(models.name, "grok-3-mini"));
    invalidateFleet();
    const disabled = await delegate(db, { teamId, source: "api", task: "hi", model: "grok-3-mini" }).catch((e) => e);
    expect(disabled.message).toContain("disabled");
    await db.update(models).set({ enabled: true }).where(eq(models.name, "grok-3-mini"));

    const empty = await delegate(db, { teamId, source: "api", task: "   " }).catch((e) => e);
    expect(empty.status).toBe(400);

    const huge = "lorem ipsum ".repeat(200_000); // ~600k tokens: over every non-1M window
    const tooBig = await delegate(db, { teamId, source: "api", task: huge, model: "gpt-4o-mini" }).catch((e) => e);
    expect(tooBig).toBeInstanceOf(DelegateError);
    expect(tooBig.message).toMatch(/context|window|tokens/i);
    expect(await rowOf(tooBig.requestId)).toMatchObject({ status: "refused" });
  });

  it("counts a request's images in its size: one whose images overflow the named model's window is refused before any call, not sent and charged", async () => {
    const window = (await db.select().from(models).where(eq(models.name, "gpt-4o-mini")))[0].contextWindow;
    // An image too short to size counts at gpt-4o mini's most: 48,169 tokens.
    const perImage = imageTokensFor("gpt-4o-mini", { size: null });
    const images = Math.ceil(window / perImage);
    const parts = [{ type: "text" as const, text: "Compare these." }, ...Array.from({ length: images }, () => ({ type: "image_url" as const, image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }))];
    const before = (await fleet.usage()).totals.requests;
    const e = await delegate(db, { teamId, source: "openai", messages: [{ role: "user", content: "Compare these.", parts }], model: "gpt-4o-mini" }).catch((x) => x);
    expect(e).toBeInstanceOf(DelegateError);
    expect(e.message).toContain(`context window ${window} tokens leaves no room for the task (${estimateTokens("Compare these.") + images * perImage})`);
    expect(await rowOf(e.requestId)).toMatchObject({ status: "refused", costMicros: 0 });
    expect((await fleet.usage()).totals.requests).toBe(before);
  });

  it("condenses a context that does not fit max_tokens with a cheap model, records that call too, and says so", async () => {
    const context = Array.from({ length: 400 }, (_, i) => `Line ${i}: the quarterly report lists revenue, churn and hiring for region ${i % 7}.`).join("\n");
    const r = await delegate(db, { teamId, source: "api", task: "Summarise the key risks in this report.", context, constraints: { maxTokens: 1500 } });
    expect(r.trimmed).toMatch(/Context (summarised by \S+|trimmed) from about \d+ to \d+ tokens/);
    expect(r.reason).toContain(r.trimmed!);
    expect(r.reason.match(/Context/g)).toHaveLength(1); // what was done, in place of the router's plan, said once
    if (r.trimmed!.startsWith("Context summarised")) {
      const summaryId = /request ([0-9a-f-]{36})/.exec(r.trimmed!)![1];
      const row = await rowOf(summaryId);
      expect(row).toMatchObject({ status: "ok" });
      // The reason names the model that did summarise, and the caller's cost includes it.
      expect(r.trimmed).toContain(`summarised by ${row.model} `);
      expect(r.summary).toEqual({ requestId: summaryId, model: row.model, costMicros: row.costMicros });
      expect(callerCostMicros(r)).toBe(r.costMicros + row.costMicros);
    } else expect(r.summary).toBeNull();
    // What reached the model fits the limit the caller set.
    expect(r.usage.inputTokens + r.usage.outputTokens).toBeLessThanOrEqual(1500);
  });

  it("sends a context trimmed to a model's window, or a task near it, as a call the window holds; a max_tokens the window cannot hold is refused before any call", async () => {
    const window = (await db.select().from(models).where(eq(models.name, "qwen2.5-coder:7b")))[0].contextWindow;
    const line = (i: number) => `line ${i}: the quick brown fox jumps over the lazy dog.`;
    // Just over the window: trimmed to what it leaves beside the task and the expected answer. The
    // default answer allowance (1,024 tokens) was then sent beside it, and the model refused the call.
    const context = Array.from({ length: 2600 }, (_, i) => line(i)).join(" ");
    expect(estimateTokens(context)).toBeGreaterThan(window);
    const trimmed = await delegate(db, { teamId, source: "api", task: "Summarise this log.", context, model: "qwen2.5-coder:7b", noSummarise: true });
    expect(trimmed.trimmed).toMatch(/^Context trimmed from about \d+ to \d+ tokens/);
    expect(trimmed.model).toBe("qwen2.5-coder:7b");
    // A task (not trimmable) that fits with its expected answer but not with the default allowance.
    const task = `Summarise this log. ${Array.from({ length: 2300 }, (_, i) => line(i)).join(" ")}`;
    expect(estimateTokens(task) + 1024).toBeGreaterThan(window);
    expect(estimateTokens(task) + 300).toBeLessThan(window);
    const near = await delegate(db, { teamId, source: "openai", task, model: "qwen2.5-coder:7b" });
    expect(near.model).toBe("qwen2.5-coder:7b");
    expect((await fleet.usage()).models["qwen2.5-coder:7b"].errors.bad_request).toBe(0);
    // An allowance the caller asked for is not lowered: a model whose window cannot hold it with the prompt is refused, unsent.
    const before = (await fleet.usage()).totals.requests;
    const asked = await delegate(db, { teamId, source: "openai", task, model: "qwen2.5-coder:7b", maxOutputTokens: 3000 }).catch((e) => e);
    expect(asked).toBeInstanceOf(DelegateError);
    expect(asked.status).toBe(422);
    expect(asked.message).toMatch(/context window 32768 tokens leaves no room for the task \(\d+\), its answer \(~3000\)/);
    expect(await rowOf(asked.requestId)).toMatchObject({ status: "refused", costMicros: 0 });
    expect((await fleet.usage()).totals.requests).toBe(before);
    // Left to the router, it goes to a model whose window holds both.
    const auto = await delegate(db, { teamId, source: "openai", task, maxOutputTokens: 3000 });
    expect(auto.model).not.toBe("qwen2.5-coder:7b");
    // An allowance no window holds (models whose output limit is unknown pass that check) is refused, unsent, saying to lower it.
    const huge = await delegate(db, { teamId, source: "openai", task: "hi", maxOutputTokens: 900_000 }).catch((e) => e);
    expect(huge).toBeInstanceOf(DelegateError);
    expect(huge.message).toMatch(/answer ~900000\), more than the largest usable context window \((\d+)\)\. Lower max_tokens to \d+ or less/);
    expect((await fleet.usage()).totals.requests).toBe(before + 1);
  });

  it("keeps a private task's context summary on local models, even when they fail", async () => {
    const locals = ["llama3.1:8b", "qwen2.5-coder:7b"];
    await fleet.configure({ models: Object.fromEntries(locals.map((m) => [m, { errorRates: { server: 1 } }])) });
    const context = Array.from({ length: 1200 }, (_, i) => `Line ${i}: the staffing plan moves ${i % 9} people to team ${i % 7}.`).join("\n");
    const err = await delegate(db, { teamId, source: "api", task: "Summarise the key staffing decisions.", contextTags: ["private"], context, constraints: { maxTokens: 3000 } }).catch((e) => e);
    expect(err).toBeInstanceOf(DelegateError);
    const { models: used } = await fleet.usage();
    expect(Object.keys(used).filter((m) => used[m].requests > 0).sort()).toEqual(locals.filter((m) => used[m]?.requests > 0).sort());
    expect(Object.values(used).reduce((n, u) => n + u.requests, 0)).toBeGreaterThan(0);
  });

  it("never sends a private task to a remote model", async () => {
    const err = await delegate(db, { teamId, source: "api", task: "Rotate this key: sk-live-abcdefghijklmnopqrstuvwx", model: "gpt-4.1" }).catch((e) => e);
    expect(err).toBeInstanceOf(DelegateError);
    expect((await fleet.usage()).totals.requests).toBe(0);
    const ok = await delegate(db, { teamId, source: "api", task: "Rotate this key: sk-live-abcdefghijklmnopqrstuvwx" });
    expect(["llama3.1:8b", "qwen2.5-coder:7b"]).toContain(ok.model);
  });

  it("refuses with 402 when the budget cannot cover the call, and spends nothing", async () => {
    const [b] = await db.insert(budgets).values({ teamId, name: "tiny", limitMicros: 10, periodStart: new Date() }).returning();
    const err = await delegate(db, { teamId, source: "api", task: "Write an essay.", model: "gpt-4.1" }).catch((e) => e);
    expect(err.status).toBe(402);
    expect(err.message).toContain('Budget "tiny"');
    expect((await fleet.usage()).totals.requests).toBe(0);
    const [after] = await db.select().from(budgets).where(eq(budgets.id, b.id));
    expect(after.spentMicros + after.reservedMicros).toBe(0);
    await db.delete(budgets).where(eq(budgets.id, b.id));
  });

  it("holds a Chinese prompt at about what it is billed: a budget that cannot cover it refuses instead of overspending", async () => {
    // ~1,100 ideographs: vendors bill close to one token each; an estimate of chars / 4 held a quarter of that.
    const task = "请把下面这段关于预算管理的说明翻译成英文，并保持术语一致。".repeat(40);
    const [m] = await db.select().from(models).where(eq(models.name, "gpt-4.1"));
    const prices = { inputPerMTokMicros: m.inputPriceMicros, outputPerMTokMicros: m.outputPriceMicros, cachedInputPerMTokMicros: m.cachedInputPriceMicros };
    // Room for the prompt as billed (one token per character) with nothing left for an answer.
    const limit = costMicros({ inputTokens: task.length, outputTokens: 0 }, prices);
    const [b] = await db.insert(budgets).values({ teamId, name: "cjk", limitMicros: limit, periodStart: new Date() }).returning();
    const err = await delegate(db, { teamId, source: "api", task, model: "gpt-4.1", maxOutputTokens: 50 }).catch((e) => e);
    const [after] = await db.select().from(budgets).where(eq(budgets.id, b.id));
    expect(after.spentMicros).toBeLessThanOrEqual(limit);
    expect(err.status).toBe(402);
    expect((await fleet.usage()).totals.requests).toBe(0);
    await db.delete(budgets).where(eq(budgets.id, b.id));
  });

  it("over 1,000 mixed calls with faults on, the requests table matches the fleet's own counters exactly", async () => {
    await db.execute(sql`delete from requests`);
    await fleet.configure({ defaults: { errorRates: { rateLimit: 0.08, server: 0.06, timeout: 0.005, drop: 0.05 }, latencyMs: 0, tokensPerSecond: 0 } });
    const names = ["gpt-4.1-mini", "gpt-4o-mini", "claude-3-5-haiku-20241022", "mistral-small-latest", "grok-3-mini", "auto"];
    let next = 0;
    let failed = 0;
    const N = 1000;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        await delegate(db, { teamId, source: "api", task: `Task ${i}: what is ${i} + ${i * 3}?`, model: names[i % names.length], constraints: { maxTimeMs: 4000 }, maxOutputTokens: 64 }).catch(() => failed++);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const usage = await fleet.usage();
    const [agg] = await db
      .select({
        rows: sql<number>`count(*)::int`,
        ok: sql<number>`count(*) filter (where status = 'ok')::int`,
        input: sql<string>`coalesce(sum(input_tokens), 0)`,
        output: sql<string>`coalesce(sum(output_tokens), 0)`,
        attempts: sql<string>`coalesce(sum(jsonb_array_length(fallbacks_tried) + case when status = 'ok' then 1 else 0 end), 0)`,
      })
      .from(requests);
    expect(agg.rows).toBe(N);
    expect(agg.ok).toBe(usage.totals.ok);
    expect(agg.ok).toBe(N - failed);
    expect(Number(agg.input)).toBe(usage.totals.prompt_tokens);
    expect(Number(agg.output)).toBe(usage.totals.completion_tokens);
    expect(Number(agg.attempts)).toBe(usage.totals.requests);
    expect(usage.totals.requests).toBeGreaterThan(N); // faults really happened and were retried
  }, 180_000);
});

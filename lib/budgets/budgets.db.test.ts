import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeDb } from "@/db";
import { budgetAlerts, budgetLedger, budgetReservations, budgets, notifications, requests, teams } from "@/db/schema";
import { seedFleet } from "@/db/seed";
import { createUser } from "@/lib/auth/users";
import { createTeam } from "@/lib/teams/service";
import { encryptSecret } from "@/lib/crypto/secrets";
import { delegate } from "@/lib/execution/delegate";
import { DelegateError } from "@/lib/execution/errors";
import { resetAlertState, settleDeliveries, verifySignature } from "@/lib/alerts";
import { startMockFleet } from "@/mock-fleet/server";
import { driverName, freshDb } from "@/test/db";
import { expireReservations, flushBudgets, invalidateBudgets, release, reserve, resetBudgetState, returnLeases, rollPeriod, settle } from ".";
import { alertHistory, createBudget, updateBudget } from "./service";

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let fleet: Awaited<ReturnType<typeof startMockFleet>>;
let userId: string;
let n = 0;

const TASK = "Summarise the quarterly budget review in two sentences.";
const MODEL = "gpt-4.1-mini";
const MAX_OUT = 400;

beforeAll(async () => {
  process.env.MC_WEBHOOK_RETRY_MS = "20";
  db = (await freshDb()).db;
  fleet = await startMockFleet({ port: 0, seed: 11 });
  await fleet.configure({ defaults: { latencyMs: 0, tokensPerSecond: 0, errorRates: { rateLimit: 0, server: 0, timeout: 0, drop: 0 } } });
  await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
  userId = (await createUser(db, { name: "b", email: "b@t.test", password: "password-123" })).id;
});
afterAll(async () => {
  await returnLeases(db);
  await fleet.close();
  await closeDb();
});
beforeEach(() => {
  resetBudgetState();
  resetAlertState();
});

async function newTeam(timezone = "UTC") {
  n++;
  const t = await createTeam(db, { name: `B${n}`, slug: `b${n}-${Date.now()}`, ownerId: userId });
  if (timezone !== "UTC") await db.update(teams).set({ timezone }).where(eq(teams.id, t.id));
  return t.id;
}

async function budgetRow(id: string) {
  return (await db.select().from(budgets).where(eq(budgets.id, id)))[0];
}

/** The hold one call of TASK on MODEL takes: a first lease on a huge budget is exactly 20 of them. */
async function holdPerCall(): Promise<number> {
  const teamId = await newTeam();
  const [b] = await db.insert(budgets).values({ teamId, name: "probe", limitMicros: 1e12, periodStart: new Date() }).returning();
  await delegate(db, { teamId, source: "api", task: TASK, model: MODEL, maxOutputTokens: MAX_OUT });
  const [first] = await db.select().from(budgetLedger).where(and(eq(budgetLedger.budgetId, b.id), eq(budgetLedger.kind, "reserve")));
  await returnLeases(db);
  expect(first.amountMicros % 20).toBe(0);
  return first.amountMicros / 20;
}

/** Spend, holds and records must agree: the invariant every concurrency test checks. */
async function checkBooks(budgetId: string, teamId: string, limit: number) {
  await flushBudgets();
  const b = await budgetRow(budgetId);
  const [rq] = await db
    .select({ rows: sql<number>`count(*)::int`, ok: sql<number>`count(*) filter (where status = 'ok')::int`, refused: sql<number>`count(*) filter (where status = 'refused')::int`, cost: sql<string>`coalesce(sum(cost_micros), 0)` })
    .from(requests)
    .where(eq(requests.teamId, teamId));
  const [open] = await db
    .select({ amount: sql<string>`coalesce(sum(amount_micros), 0)` })
    .from(budgetReservations)
    .where(and(eq(budgetReservations.budgetId, budgetId), eq(budgetReservations.status, "held")));
  expect(b.spentMicros).toBeLessThanOrEqual(limit);
  expect(b.spentMicros).toBe(Number(rq.cost)); // every completed call counted once, nothing else
  expect(b.reservedMicros).toBe(Number(open.amount)); // reserved is exactly what open leases hold
  return { b, rq };
}

describe(`budgets on ${driverName}`, () => {
  it("500 concurrent calls against a budget that fits about 100: never overspent, none lost or counted twice", async () => {
    const per = await holdPerCall();
    const teamId = await newTeam();
    const limit = per * 100 + Math.floor(per / 2);
    const [b] = await db.insert(budgets).values({ teamId, name: "hundred", limitMicros: limit, periodStart: new Date() }).returning();
    const results = await Promise.all(
      Array.from({ length: 500 }, () =>
        delegate(db, { teamId, source: "api", task: TASK, model: MODEL, maxOutputTokens: MAX_OUT }).then(
          () => "ok" as const,
          (e) => (e instanceof DelegateError && e.status === 402 ? ("refused" as const) : (e as Error)),
        ),
      ),
    );
    const ok = results.filter((r) => r === "ok").length;
    const refused = results.filter((r) => r === "refused").length;
    expect(results.filter((r) => r instanceof Error)).toEqual([]);
    expect(ok + refused).toBe(500);
    expect(ok).toBeGreaterThanOrEqual(100); // the actual cost is below the hold, so at least the 100 fit
    expect(refused).toBeGreaterThan(0);
    const { b: after, rq } = await checkBooks(b.id, teamId, limit);
    expect(rq.rows).toBe(500);
    expect(rq.ok).toBe(ok);
    expect(rq.refused).toBe(refused);
    expect(after.spentMicros).toBeGreaterThan(0);
    await returnLeases(db);
    expect((await budgetRow(b.id)).reservedMicros).toBe(0);
  }, 120_000);

  it("a vendor whose tokenizer counts far more prompt tokens than the estimate (one per byte, as base64 nearly does) still never overspends", async () => {
    // Random base64: the shared estimate reads it as a quarter of its bytes; this fleet model bills every byte.
    const blob = Array.from({ length: 6000 }, (_, i) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 7919 + (i >> 3) * 104729) % 64]).join("");
    const task = `Say in one sentence what this base64 blob could be:\n${blob}`;
    const call = (teamId: string) => delegate(db, { teamId, source: "api", task, model: MODEL, maxOutputTokens: 40 });
    await fleet.configure({ models: { [MODEL]: { bytePromptTokens: true } } });
    try {
      const probe = await newTeam();
      const one = await call(probe);
      const teamId = await newTeam();
      const limit = one.costMicros * 10 + Math.floor(one.costMicros / 2); // room for ten such calls
      const [b] = await db.insert(budgets).values({ teamId, name: "ten", limitMicros: limit, periodStart: new Date() }).returning();
      const results = await Promise.all(
        Array.from({ length: 60 }, () => call(teamId).then(() => "ok" as const, (e) => (e instanceof DelegateError && e.status === 402 ? ("refused" as const) : (e as Error)))),
      );
      expect(results.filter((r) => r instanceof Error)).toEqual([]);
      expect(results.filter((r) => r === "ok").length).toBeGreaterThan(0);
      const { b: after } = await checkBooks(b.id, teamId, limit); // spent ≤ limit
      // What was billed is the fleet's count, about 4× the estimate, not the estimate.
      const [row] = await db.select().from(requests).where(and(eq(requests.teamId, teamId), eq(requests.status, "ok"))).limit(1);
      expect(row.inputTokens).toBeGreaterThan(6000);
      expect(after.spentMicros).toBeGreaterThan(0);
      await returnLeases(db);
    } finally {
      await fleet.configure({ models: { [MODEL]: { bytePromptTokens: false } } });
    }
  }, 120_000);

  it("a refusal is a 402 with a clear message and costs nothing", async () => {
    const teamId = await newTeam();
    const [b] = await db.insert(budgets).values({ teamId, name: "tiny", limitMicros: 5, periodStart: new Date() }).returning();
    const err = await delegate(db, { teamId, source: "api", task: TASK, model: MODEL }).catch((e) => e);
    expect(err).toBeInstanceOf(DelegateError);
    expect(err.status).toBe(402);
    expect(err.message).toMatch(/^Budget "tiny" exceeded: \$0\.0000050 of \$0\.0000050 is left this period/);
    const row = await budgetRow(b.id);
    expect(row.spentMicros + row.reservedMicros).toBe(0);
    // The alert says a call was refused; it does not claim 50 % or 80 % of a budget nothing was spent from.
    const alerts = await db.select().from(budgetAlerts).where(eq(budgetAlerts.budgetId, b.id));
    expect(alerts.map((a) => a.threshold)).toEqual([100]);
    const [note] = await db.select().from(notifications).where(eq(notifications.teamId, teamId));
    expect(note.title).toBe('Budget "tiny" reached 100 % of its $0.0000050 limit: a call was refused');
    expect(note.body).toMatch(/^\$0\.00 of \$0\.0000050 spent this period, and a call that could have cost more than what is left was refused\./);
  });

  it("warn-only budgets never refuse but still count", async () => {
    const teamId = await newTeam();
    const [b] = await db.insert(budgets).values({ teamId, name: "soft", limitMicros: 5, hardStop: false, periodStart: new Date() }).returning();
    const r = await delegate(db, { teamId, source: "api", task: TASK, model: MODEL });
    await flushBudgets();
    expect((await budgetRow(b.id)).spentMicros).toBe(r.costMicros);
  });

  it("member and key budgets apply only to their member or key; the team budget to everyone", async () => {
    const teamId = await newTeam();
    const other = (await createUser(db, { name: "o", email: `o${n}@t.test`, password: "password-123" })).id;
    const [team] = await db.insert(budgets).values({ teamId, name: "team", limitMicros: 1e9, periodStart: new Date() }).returning();
    const [mine] = await db.insert(budgets).values({ teamId, name: "mine", scope: "member", userId, limitMicros: 1, periodStart: new Date() }).returning();
    const r0 = await reserve(db, { teamId, userId: other }, 100);
    expect(r0.budgetIds).toEqual([team.id]);
    await release(db, r0);
    const err = await reserve(db, { teamId, userId }, 100).catch((e) => e);
    expect(err.status).toBe(402);
    expect(err.message).toContain('"mine"');
    // The refused call must not keep its hold on the team budget either.
    await returnLeases(db);
    expect((await budgetRow(team.id)).reservedMicros).toBe(0);
    expect(mine.id).toBeTruthy();
  });

  it("a delegated call's cost is committed with its row: spent matches the requests table the moment delegate() returns", async () => {
    const teamId = await newTeam();
    const [b] = await db.insert(budgets).values({ teamId, name: "at once", limitMicros: 1e12, periodStart: new Date() }).returning();
    for (let i = 1; i <= 3; i++) {
      const r = await delegate(db, { teamId, source: "api", task: TASK, model: MODEL, maxOutputTokens: MAX_OUT });
      // No flushBudgets() here: what a dashboard or another process reads right after the answer.
      const [rq] = await db.select({ n: sql<number>`count(*)::int`, cost: sql<string>`coalesce(sum(cost_micros), 0)` }).from(requests).where(eq(requests.teamId, teamId));
      expect(rq.n).toBe(i);
      expect(r.costMicros).toBeGreaterThan(0);
      expect((await budgetRow(b.id)).spentMicros).toBe(Number(rq.cost));
    }
  });

  it("settling twice counts once; a failed call's release frees its hold", async () => {
    const teamId = await newTeam();
    const [b] = await db.insert(budgets).values({ teamId, name: "x", limitMicros: 1_000, periodStart: new Date() }).returning();
    const r = await reserve(db, { teamId }, 600);
    await expect(reserve(db, { teamId }, 600)).rejects.toMatchObject({ status: 402 });
    await settle(db, r, 250);
    await settle(db, r, 250);
    await flushBudgets();
    expect((await budgetRow(b.id)).spentMicros).toBe(250);
    const r2 = await reserve(db, { teamId }, 700);
    await settle(db, r2, 0);
    await returnLeases(db);
    expect(await budgetRow(b.id)).toMatchObject({ spentMicros: 250, reservedMicros: 0 });
  });

  it("a limit lowered while a lease is held applies to the next call, not after the lease is spent", async () => {
    const teamId = await newTeam();
    const [b] = await db.insert(budgets).values({ teamId, name: "lowered", limitMicros: 1e9, periodStart: new Date() }).returning();
    const first = await reserve(db, { teamId }, 1_000);
    await settle(db, first, 1_000);
    // The first call's lease covers many more calls like it.
    expect((await budgetRow(b.id)).reservedMicros).toBeGreaterThan(10 * 1_000);
    // An admin lowers the limit to leave room for less than one more call (the settings re-read
    // reaches every process within MC_BUDGET_SETTINGS_TTL_MS, 0 in these tests).
    await db.update(budgets).set({ limitMicros: 1_500 }).where(eq(budgets.id, b.id));
    const err = await reserve(db, { teamId }, 1_000).catch((e) => e);
    expect(err).toBeInstanceOf(DelegateError);
    expect(err.status).toBe(402);
    // What fits under the new limit is still served, and spend never passes it.
    const small = await reserve(db, { teamId }, 400);
    await settle(db, small, 400);
    await expect(reserve(db, { teamId }, 400)).rejects.toMatchObject({ status: 402 });
    await flushBudgets();
    const row = await budgetRow(b.id);
    expect(row.spentMicros).toBe(1_400);
    const [held] = await db.select({ sum: sql<string>`coalesce(sum(amount_micros), 0)` }).from(budgetReservations).where(and(eq(budgetReservations.budgetId, b.id), eq(budgetReservations.status, "held")));
    expect(row.reservedMicros).toBe(Number(held.sum));
    expect(row.spentMicros + row.reservedMicros).toBeLessThanOrEqual(row.limitMicros);
  });

  it("resets at the period boundary in the team's time zone, once, however many callers notice", async () => {
    const teamId = await newTeam("America/New_York");
    // 2025-03-09 is the US DST change: the day is 23 hours long in New York.
    const start = new Date("2025-03-08T05:00:00Z"); // 2025-03-08 00:00 in New York
    const [b] = await db.insert(budgets).values({ teamId, name: "daily", period: "daily", limitMicros: 1_000, spentMicros: 900, periodStart: start }).returning();
    const justBefore = new Date("2025-03-09T04:59:59Z");
    expect(await rollPeriod(db, b.id, justBefore)).toBe(false);
    const at = new Date("2025-03-10T12:00:00Z");
    const rolled = await Promise.all(Array.from({ length: 20 }, () => rollPeriod(db, b.id, at)));
    expect(rolled.filter(Boolean)).toHaveLength(1);
    const row = await budgetRow(b.id);
    expect(row.spentMicros).toBe(0);
    expect(row.periodStart.toISOString()).toBe("2025-03-10T04:00:00.000Z"); // midnight EDT
    const resets = await db.select().from(budgetLedger).where(and(eq(budgetLedger.budgetId, b.id), eq(budgetLedger.kind, "reset")));
    expect(resets.map((r) => r.amountMicros)).toEqual([-900]);
  });

  it("a budget whose period ended is rolled by the next call, which then fits", async () => {
    const teamId = await newTeam();
    const [b] = await db
      .insert(budgets)
      .values({ teamId, name: "monthly", period: "monthly", limitMicros: 10_000_000, spentMicros: 10_000_000, periodStart: new Date("2020-01-01T00:00:00Z") })
      .returning();
    invalidateBudgets(teamId);
    const r = await delegate(db, { teamId, source: "api", task: TASK, model: MODEL, maxOutputTokens: 64 });
    await flushBudgets();
    const row = await budgetRow(b.id);
    expect(row.periodStart.getTime()).toBeGreaterThan(Date.now() - 32 * 86_400_000);
    expect(row.spentMicros).toBe(r.costMicros);
  });

  it("each threshold fires exactly once per period, into notifications and a signed, retried webhook", async () => {
    const received: { body: string; sig: string }[] = [];
    let failFirst = true;
    const hook = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ body, sig: String(req.headers["x-mc-signature"]) });
        if (failFirst) {
          failFirst = false;
          res.writeHead(503).end();
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    try {
      const per = await holdPerCall();
      const teamId = await newTeam();
      const limit = per * 10;
      const [b] = await db
        .insert(budgets)
        .values({ teamId, name: "alerts", limitMicros: limit, periodStart: new Date(), webhookUrl: url, webhookSecretEncrypted: encryptSecret("whsec-test") })
        .returning();
      // Waves of concurrent calls, until spend itself passes 50 and 80 % and calls start being refused
      // (a refusal alone reaches only 100 %).
      for (let wave = 0; wave < 12; wave++) {
        await Promise.all(Array.from({ length: 5 }, () => delegate(db, { teamId, source: "api", task: TASK, model: MODEL, maxOutputTokens: MAX_OUT }).catch(() => null)));
        await flushBudgets();
      }
      // Another process (fresh memory) noticing the same state must not fire again.
      resetAlertState();
      await Promise.all(Array.from({ length: 20 }, () => delegate(db, { teamId, source: "api", task: TASK, model: MODEL, maxOutputTokens: MAX_OUT }).catch(() => null)));
      await flushBudgets();
      await settleDeliveries();
      const alerts = await db.select().from(budgetAlerts).where(eq(budgetAlerts.budgetId, b.id));
      expect(alerts.map((a) => a.threshold).sort((x, y) => x - y)).toEqual([50, 80, 100]);
      const notes = await db.select().from(notifications).where(eq(notifications.teamId, teamId));
      expect(notes).toHaveLength(3);
      expect(alerts.every((a) => a.webhookStatus === "delivered")).toBe(true);
      expect(alerts.reduce((s, a) => s + a.webhookAttempts, 0)).toBe(4); // one 503, retried
      expect(received).toHaveLength(4);
      for (const r of received) expect(verifySignature("whsec-test", r.body, r.sig)).toBe(true);
      expect(verifySignature("other-secret", received[0].body, received[0].sig)).toBe(false);
      const bodies = received.map((r) => JSON.parse(r.body) as { threshold: number; budget: { id: string } });
      expect(new Set(bodies.map((x) => x.threshold))).toEqual(new Set([50, 80, 100]));
      expect(bodies[0].budget.id).toBe(b.id);
    } finally {
      hook.close();
    }
  }, 60_000);

  it("a raised limit alerts again as spend crosses its thresholds, not at once for spend already past them", async () => {
    const teamId = await newTeam();
    const form = { name: "raised", scope: "team" as const, userId: null, apiKeyId: null, period: "monthly" as const, hardStop: true, thresholds: [50, 80, 100], webhookUrl: null };
    const { id } = await createBudget(db, teamId, { ...form, limitUsd: 0.01 });
    const spend = async (micros: number) => {
      await settle(db, await reserve(db, { teamId }, micros), micros);
      await flushBudgets();
    };
    const titles = async () => (await db.select().from(notifications).where(eq(notifications.teamId, teamId)).orderBy(notifications.createdAt)).map((x) => x.title);
    for (const m of [5_000, 3_000, 2_000]) await spend(m); // $0.01 of $0.01
    expect(await titles()).toEqual(['Budget "raised" passed 50 % of its $0.01 limit', 'Budget "raised" passed 80 % of its $0.01 limit', 'Budget "raised" reached 100 % of its $0.01 limit']);

    // The admin raises it to $0.04 and the team spends all of it: each threshold of $0.04 fires as it is crossed.
    await updateBudget(db, teamId, id, { ...form, limitUsd: 0.04 });
    await spend(1_000); // $0.011: 27.5 %, nothing new
    expect(await titles()).toHaveLength(3);
    for (const m of [9_000, 12_000, 8_000]) await spend(m); // $0.02, $0.032, $0.04
    expect((await titles()).slice(3)).toEqual(['Budget "raised" passed 50 % of its $0.04 limit', 'Budget "raised" passed 80 % of its $0.04 limit', 'Budget "raised" reached 100 % of its $0.04 limit']);

    // Raised again to $0.05 with $0.04 spent (80 %): 50 and 80 % were passed before the change and stay quiet.
    await updateBudget(db, teamId, id, { ...form, limitUsd: 0.05 });
    await spend(1_000);
    expect(await titles()).toHaveLength(6);
    await spend(9_000); // $0.05
    expect((await titles()).slice(6)).toEqual(['Budget "raised" reached 100 % of its $0.05 limit']);
    // The history says which limit each alert was a share of.
    const history = await alertHistory(db, teamId);
    expect(history.map((a) => [a.threshold, a.limitMicros]).sort((x, y) => x[1] - y[1] || x[0] - y[0])).toEqual([
      [50, 10_000],
      [80, 10_000],
      [100, 10_000],
      [50, 40_000],
      [80, 40_000],
      [100, 40_000],
      [100, 50_000],
    ]);
  });

  it("reservations left by a crashed holder expire and give the budget back", async () => {
    const teamId = await newTeam();
    const [b] = await db.insert(budgets).values({ teamId, name: "crash", limitMicros: 1_000, reservedMicros: 800, periodStart: new Date() }).returning();
    await db.insert(budgetReservations).values({ budgetId: b.id, holder: "dead-host:1:x", amountMicros: 800, periodStart: b.periodStart, expiresAt: new Date(Date.now() - 1_000) });
    // A call that needs more than the 200 left sweeps the dead lease and fits.
    const r = await reserve(db, { teamId }, 500);
    await settle(db, r, 100);
    await returnLeases(db);
    const row = await budgetRow(b.id);
    expect(row).toMatchObject({ spentMicros: 100, reservedMicros: 0 });
    expect(await expireReservations(db)).toBe(0);
    const [exp] = await db.select().from(budgetLedger).where(and(eq(budgetLedger.budgetId, b.id), eq(budgetLedger.kind, "expire")));
    expect(exp.amountMicros).toBe(800);
  });
});

const runChild = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const p = spawn("npx", ["tsx", "lib/budgets/testing/child.ts", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (c) => (out += c));
    p.stderr.on("data", (c) => (err += c));
    p.on("exit", (code) => resolve({ code, out, err }));
  });

describe.skipIf(driverName !== "postgres")("budgets across two processes on one Postgres", () => {
  it("500 calls split over this process and a child process: never overspent, none lost or counted twice", async () => {
    const per = await holdPerCall();
    const teamId = await newTeam();
    const limit = per * 100 + Math.floor(per / 2);
    const [b] = await db.insert(budgets).values({ teamId, name: "shared", limitMicros: limit, periodStart: new Date() }).returning();
    const child = runChild([teamId, "250", "50", TASK, MODEL, String(MAX_OUT)]);
    let ok = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: 250 }, () =>
        delegate(db, { teamId, source: "api", task: TASK, model: MODEL, maxOutputTokens: MAX_OUT }).then(
          () => ok++,
          (e) => {
            if (e instanceof DelegateError && e.status === 402) refused++;
            else throw e;
          },
        ),
      ),
    );
    const c = await child;
    expect(c.code, c.err).toBe(0);
    const theirs = JSON.parse(c.out.trim().split("\n").at(-1)!) as { ok: number; refused: number; other: number };
    expect(theirs.other).toBe(0);
    expect(theirs.ok + theirs.refused).toBe(250);
    expect(ok + refused).toBe(250);
    expect(ok + theirs.ok).toBeGreaterThanOrEqual(90); // leases near the end may strand a little in the other process
    await returnLeases(db);
    const { rq } = await checkBooks(b.id, teamId, limit);
    expect(rq.rows).toBe(500);
    expect(rq.ok).toBe(ok + theirs.ok);
    expect((await budgetRow(b.id)).reservedMicros).toBe(0);
  }, 180_000);

  it("a process killed while holding a lease: its reservation expires and the budget comes back", async () => {
    const teamId = await newTeam();
    const [b] = await db.insert(budgets).values({ teamId, name: "killed", limitMicros: 10_000, periodStart: new Date() }).returning();
    const c = await runChild([teamId, "0", "0", TASK, MODEL, "1000", "--crash-after-lease"], { MC_BUDGET_LEASE_TTL_MS: "1500" });
    expect(c.out).toContain('"leased":true');
    const held = await budgetRow(b.id);
    expect(held.reservedMicros).toBeGreaterThanOrEqual(1000);
    // Nothing else fits while the dead lease is live (it took 20 calls' worth, capped at a quarter of free).
    await new Promise((r) => setTimeout(r, 1_800));
    expect(await expireReservations(db)).toBe(1);
    expect((await budgetRow(b.id)).reservedMicros).toBe(0);
  }, 60_000);
});

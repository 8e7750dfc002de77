/**
 * Fault injection through the mock fleet while a load of delegate() calls runs: 30 % of provider
 * calls fail (429, 500, held-open timeouts, streams dropped mid-way), latency spikes come and go,
 * and one provider (Anthropic) is down for a while. Every call must end in an answer (possibly from
 * a fallback) or a typed, explained error with its request row, and the requests table must agree
 * with the fleet's own usage counters token for token.
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, type Db } from "@/db";
import { requests, type FailedAttempt } from "@/db/schema";
import { seedFleet } from "@/db/seed";
import { createUser } from "@/lib/auth/users";
import { delegate, delegateStream, type DelegateResult } from "@/lib/execution/delegate";
import { DelegateError } from "@/lib/execution/errors";
import { invalidateFleet } from "@/lib/execution/fleet";
import { createTeam } from "@/lib/teams/service";
import { startMockFleet } from "@/mock-fleet/server";
import { driverName, freshDb } from "@/test/db";
import { rowsOf } from "./helpers";

/** The issue asks for a provider down for a minute; 15 s keeps the suite short and is long enough for ~100 calls to meet it. */
const DOWN_MS = Number(process.env.MC_FAULT_DOWN_MS ?? 15_000);
const CHAOS_MS = Number(process.env.MC_FAULT_CHAOS_MS ?? 10_000);
const WORKERS = 8;
const ANTHROPIC = ["claude-sonnet-4-20250514", "claude-3-5-haiku-20241022"];
const CHAOS = { rateLimit: 0.1, server: 0.1, timeout: 0.05, drop: 0.05 }; // 30 % of calls fail
const DOWN = { rateLimit: 0, server: 1, timeout: 0, drop: 0 };

let db: Db;
let fleet: Awaited<ReturnType<typeof startMockFleet>>;
let teamId: string;
let userId: string;

beforeAll(async () => {
  db = (await freshDb()).db;
  fleet = await startMockFleet({ port: 0, seed: 31 });
  await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
  invalidateFleet();
  userId = (await createUser(db, { name: "f", email: "f@t.test", password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "Faults", slug: "faults", ownerId: userId })).id;
});
afterAll(async () => {
  await fleet?.close();
  await closeDb();
});

const TASKS = ["What is 17 * 23?", "Reverse the word lantern", "Summarise: the meeting moved to Tuesday because the room was booked.", "Write a haiku about queues", "sort these numbers: 5 3 9 1"];

type Outcome = { kind: "answer"; r: DelegateResult; streamed: boolean; phase: string } | { kind: "error"; e: DelegateError; phase: string };

describe(`fault injection on ${driverName}`, () => {
  it("30 % provider errors, latency spikes, dropped streams and a provider down: every call ends in an answer or a clear error, and the ledger equals the fleet's counters", async () => {
    await fleet.configure({ defaults: { errorRates: CHAOS, latencyMs: 20, tokensPerSecond: 2000 } });
    await fleet.reset();
    const outcomes: Outcome[] = [];
    const unexpected: unknown[] = [];
    let phase = "chaos";
    let stop = false;

    // Latency spikes: every second, all models answer 10× slower for 300 ms.
    const spikes = (async () => {
      let n = 0;
      while (!stop) {
        await new Promise((r) => setTimeout(r, 700));
        await fleet.configure({ defaults: { latencyMs: 400 } });
        await new Promise((r) => setTimeout(r, 300));
        await fleet.configure({ defaults: { latencyMs: 20 } });
        n++;
      }
      return n;
    })();

    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const task = TASKS[(w + i) % TASKS.length];
        const explicit = phase === "down" && i % 3 === 0 ? ANTHROPIC[1] : i % 4 === 0 ? "auto" : undefined;
        const input = { teamId, userId, source: "api" as const, task, model: explicit, constraints: { maxTimeMs: 1500 }, maxOutputTokens: 200 };
        const at = phase;
        try {
          if (i % 2) {
            let last: DelegateResult | null = null;
            for await (const ev of delegateStream(db, input)) if (ev.type === "done") last = ev.result;
            outcomes.push({ kind: "answer", r: last!, streamed: true, phase: at });
          } else {
            outcomes.push({ kind: "answer", r: await delegate(db, input), streamed: false, phase: at });
          }
        } catch (e) {
          if (e instanceof DelegateError) outcomes.push({ kind: "error", e, phase: at });
          else unexpected.push(e);
        }
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));

    await new Promise((r) => setTimeout(r, CHAOS_MS));
    phase = "down";
    await fleet.configure({ models: Object.fromEntries(ANTHROPIC.map((m) => [m, { errorRates: DOWN }])) });
    await new Promise((r) => setTimeout(r, DOWN_MS));
    phase = "recovered";
    await fleet.configure({ models: Object.fromEntries(ANTHROPIC.map((m) => [m, { errorRates: CHAOS }])) });
    await new Promise((r) => setTimeout(r, CHAOS_MS / 2));
    stop = true;
    await load;
    const spikeCount = await spikes;

    expect(unexpected, `errors that are not DelegateError: ${unexpected.map(String).join("; ")}`).toEqual([]);
    const answers = outcomes.filter((o): o is Extract<Outcome, { kind: "answer" }> => o.kind === "answer");
    const errors = outcomes.filter((o): o is Extract<Outcome, { kind: "error" }> => o.kind === "error");
    for (const a of answers) {
      expect(a.r.text.length + a.r.usage.outputTokens).toBeGreaterThan(0);
      expect(a.r.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    // A clear error: an HTTP-like status, a type, a sentence naming what failed, and its request row.
    for (const { e } of errors) {
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.status).toBeLessThan(600);
      expect(e.type).toBeTruthy();
      expect(e.message.length).toBeGreaterThan(30);
      expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }

    // Exactly one requests row per call, with its outcome.
    const rows = await db.select({ id: requests.id, status: requests.status, model: requests.model, inputTokens: requests.inputTokens, outputTokens: requests.outputTokens }).from(requests).where(eq(requests.teamId, teamId));
    expect(rows.length).toBe(outcomes.length);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const a of answers) expect(byId.get(a.r.requestId)?.status).toBe("ok");
    for (const { e } of errors) expect(byId.get(e.requestId!)?.status).not.toBe("ok");

    // The ledger equals the fleet's counters: per model, successful calls and tokens. A row's tokens
    // also hold what its failed attempts were billed after their output began (an estimate, in
    // fallbacks_tried), which the mock fleet does not count: that part is taken out here.
    const usage = await fleet.usage();
    const ledger = await rowsOf(db, sql`select model, input_tokens, output_tokens, fallbacks_tried from requests where team_id = ${teamId} and status = 'ok'`);
    const mine: Record<string, { ok: number; prompt: number; completion: number }> = {};
    let billedAttempts = 0;
    for (const r of ledger) {
      const m = (mine[String(r.model)] ??= { ok: 0, prompt: 0, completion: 0 });
      const tried = (typeof r.fallbacks_tried === "string" ? JSON.parse(r.fallbacks_tried) : r.fallbacks_tried) as FailedAttempt[];
      const billed = tried.filter((t) => t.inputTokens !== undefined); // a local model's part is billed at $0 but still counted
      billedAttempts += billed.length;
      for (const t of billed) expect(t).toMatchObject({ estimated: true, inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
      m.ok++;
      m.prompt += Number(r.input_tokens) - billed.reduce((n, t) => n + t.inputTokens!, 0);
      m.completion += Number(r.output_tokens) - billed.reduce((n, t) => n + t.outputTokens!, 0);
    }
    console.log(`[faults] ${billedAttempts} failed attempts billed for output that had begun`);
    const theirs: Record<string, { ok: number; prompt: number; completion: number }> = {};
    for (const [m, u] of Object.entries(usage.models)) if (u.ok) theirs[m] = { ok: u.ok, prompt: u.prompt_tokens, completion: u.completion_tokens };
    expect(mine).toEqual(theirs);

    const fellBack = answers.filter((a) => a.r.fallbacksTried.length > 0);
    const downAnthropic = outcomes.filter((o) => o.phase === "down" && (o.kind === "answer" ? o.r.fallbacksTried.some((t) => ANTHROPIC.includes(t.model)) : o.e.message.includes("claude")));
    const downRescued = downAnthropic.filter((o) => o.kind === "answer" && !ANTHROPIC.includes(o.r.model));
    const answeredByAnthropicWhileDown = answers.filter((a) => a.phase === "down" && ANTHROPIC.includes(a.r.model));
    // While Anthropic answers nothing but 500s, nothing can be answered by it.
    expect(answeredByAnthropicWhileDown.length).toBe(0);
    expect(downAnthropic.length).toBeGreaterThan(10);
    expect(downRescued.length).toBeGreaterThan(0);
    // With three models in a chain and 30 % independent failures, well over 90 % of calls end in an answer.
    expect(answers.length / outcomes.length).toBeGreaterThan(0.9);

    const errorKinds: Record<string, number> = {};
    for (const { e } of errors) errorKinds[`${e.status} ${e.type}`] = (errorKinds[`${e.status} ${e.type}`] ?? 0) + 1;
    const t = usage.totals;
    console.log(
      `[faults] ${driverName}: ${outcomes.length} calls (${answers.filter((a) => a.streamed).length} answers streamed) → ${answers.length} answers (${fellBack.length} after a fallback), ` +
        `${errors.length} clear errors ${JSON.stringify(errorKinds)}, 0 other failures; fleet saw ${t.requests} provider calls: ${t.ok} ok, errors ${JSON.stringify(t.errors)}; ` +
        `${spikeCount} latency spikes; Anthropic down ${DOWN_MS / 1000} s: ${downAnthropic.length} calls met it, ${downRescued.length} answered by a fallback, 0 by Anthropic; ` +
        `ledger = fleet counters on ${Object.keys(theirs).length} models (${t.prompt_tokens} prompt + ${t.completion_tokens} completion tokens)`,
    );
  }, 180_000);
});

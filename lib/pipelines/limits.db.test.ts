import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { closeDb } from "@/db";
import { invalidateBudgets } from "@/lib/budgets";
import { budgets, pipelineRuns, requests, teams } from "@/db/schema";
import { seedFleet } from "@/db/seed";
import { createApiKey } from "@/lib/auth/api-keys";
import { createUser } from "@/lib/auth/users";
import { BudgetExceededError } from "@/lib/execution/errors";
import { delegate } from "@/lib/execution/delegate";
import { invalidateFleet } from "@/lib/execution/fleet";
import { createTeam } from "@/lib/teams/service";
import { startMockFleet } from "@/mock-fleet/server";
import { driverName, freshDb } from "@/test/db";
import { startPipelineRunner, stopPipelineRunner } from "./queue";
import { cancelRun, createPipeline, getRun, listRuns, startRun, waitForRun } from "./service";
import type { StepDef } from "./schemas";

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let fleet: Awaited<ReturnType<typeof startMockFleet>>;
let teamId: string;
let userId: string;
let teams_ = 0;

const healthy = { rateLimit: 0, server: 0, timeout: 0, drop: 0 };
const until = async (cond: () => Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
};
const twoSteps: StepDef[] = [
  { key: "a", kind: "prompt", model: "gpt-4o-mini", group: 0, template: "{{input}}" },
  { key: "b", kind: "prompt", model: "gpt-4o-mini", group: 1, template: "Shorten: {{steps.a}}" },
];

/**
 * Rate-limit windows are whole minutes. So that a test waits seconds, not up to a minute, the
 * process's clock is moved forward to `s` seconds before a minute turns (the database's is not).
 */
const realNow = Date.now.bind(Date);
function secondsBeforeMinuteTurns(s: number) {
  const t = realNow();
  const shift = (60_000 - (t % 60_000) - s * 1000 + 60_000) % 60_000;
  vi.spyOn(Date, "now").mockImplementation(() => realNow() + shift);
}

/** A team of its own (so no other test shares its rate-limit window) allowing one request a minute, and a key of it. */
async function limitedTeam() {
  const id = (await createTeam(db, { name: `L${++teams_}`, slug: `limited-${teams_}`, ownerId: userId })).id;
  await db.update(teams).set({ requestsPerMinute: 1 }).where(eq(teams.id, id));
  const { row: key } = await createApiKey(db, { teamId: id, name: "limited key", createdBy: userId });
  const p = await createPipeline(db, { teamId: id, userId, name: "limited", steps: twoSteps });
  return { teamId: id, keyId: key.id, pipelineId: p.id };
}

beforeAll(async () => {
  process.env.MC_PIPELINE_LEASE_MS = "2000";
  db = (await freshDb()).db;
  fleet = await startMockFleet({ port: 0, seed: 5 });
  await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
  userId = (await createUser(db, { name: "w", email: "w@t.test", password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "W", slug: "w", ownerId: userId })).id;
  await startPipelineRunner({ db });
});
afterAll(async () => {
  await stopPipelineRunner();
  await fleet.close();
  await closeDb();
  delete process.env.MC_PIPELINE_LEASE_MS;
});
beforeEach(async () => {
  await fleet.configure({ defaults: { errorRates: healthy, latencyMs: 5, tokensPerSecond: 0 } });
  await fleet.reset();
  await db.delete(budgets);
  invalidateFleet();
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.MC_PIPELINE_RATE_LIMIT_WAIT_MS;
});

describe(`a rate-limited step on ${driverName}`, () => {
  it("waits out the team's request limit, showing that it waits, and then finishes the run", async () => {
    const t = await limitedTeam();
    secondsBeforeMinuteTurns(4); // step "a" takes this minute's one request; "b" waits for the next minute
    const started = await startRun(db, { teamId: t.teamId, pipelineId: t.pipelineId, input: "Write a slogan for a bakery.", apiKeyId: t.keyId });
    await until(async () => !!(await getRun(db, t.teamId, started.id))!.steps[1].waiting, 10_000);
    const mid = (await getRun(db, t.teamId, started.id))!;
    expect(mid.status).toBe("running");
    expect(mid.steps[1].status).toBe("running");
    expect(mid.steps[1].waiting!.message).toMatch(/^Waiting for the rate limit — retrying in [1-4] s\. This team made its 1 requests this minute\.$/);

    const run = await waitForRun(db, t.teamId, started.id);
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.status)).toEqual(["succeeded", "succeeded"]);
    expect(run.steps[1].waiting).toBeNull();
    expect(run.steps[1].attempts).toBe(1); // the same attempt went on after the wait
    expect((await fleet.usage()).models["gpt-4o-mini"]!.requests).toBe(2);
  });

  it("fails the step when the wait would pass the bound, saying which limit and what to change", async () => {
    process.env.MC_PIPELINE_RATE_LIMIT_WAIT_MS = "5000";
    const t = await limitedTeam();
    secondsBeforeMinuteTurns(40); // the next request is 40 s away: more than the 5 s bound
    const t0 = Date.now();
    const run = await waitForRun(db, t.teamId, (await startRun(db, { teamId: t.teamId, pipelineId: t.pipelineId, input: "Write a slogan for a bakery.", apiKeyId: t.keyId })).id);
    expect(Date.now() - t0).toBeLessThan(5_000); // it did not wait for nothing
    expect(run.status).toBe("failed");
    expect(run.steps.map((s) => s.status)).toEqual(["succeeded", "failed"]);
    expect(run.steps[1].error).toMatch(
      /^This team made its 1 requests this minute\. Retry in (39|40) s, or ask an admin to raise the limit\. The step would have had to wait (39|40) s more, past the 5 s a pipeline step waits for rate limits \(MC_PIPELINE_RATE_LIMIT_WAIT_MS\); retry the step later\.$/,
    );
    expect(run.error).toContain('Step "b" failed: This team made its 1 requests this minute.');
    expect(run.steps[1].waiting).toBeNull();
  });

  it("a cancel during the wait stops the run at once", async () => {
    const t = await limitedTeam();
    secondsBeforeMinuteTurns(40);
    const started = await startRun(db, { teamId: t.teamId, pipelineId: t.pipelineId, input: "Write a slogan for a bakery.", apiKeyId: t.keyId });
    await until(async () => !!(await getRun(db, t.teamId, started.id))!.steps[1].waiting, 10_000);
    expect((await getRun(db, t.teamId, started.id))!.steps[1].waiting!.retryInSeconds).toBeGreaterThan(30);
    const t0 = Date.now();
    await cancelRun(db, t.teamId, started.id);
    const run = await waitForRun(db, t.teamId, started.id, 5_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(run.status).toBe("cancelled");
    expect(run.steps.map((s) => s.status)).toEqual(["succeeded", "cancelled"]);
    expect(run.steps[1].waiting).toBeNull();
  });
});

describe(`a queued run on ${driverName}`, () => {
  it("says why it waits: the runs ahead of it and the concurrency limit", async () => {
    await stopPipelineRunner();
    await startPipelineRunner({ db, concurrency: 1 });
    try {
      await fleet.configure({ models: { "claude-3-5-haiku-20241022": { tokensPerSecond: 40, latencyMs: 5 } } });
      const p = await createPipeline(db, { teamId, userId, name: "slow", steps: [{ key: "long", kind: "prompt", model: "claude-3-5-haiku-20241022", group: 0, template: "Write a detailed plan with many sections about {{input}}" }] });
      const first = await startRun(db, { teamId, pipelineId: p.id, input: "a bake sale", userId });
      await until(async () => (await getRun(db, teamId, first.id))!.status === "running");
      expect((await getRun(db, teamId, first.id))!.queuedReason).toBeNull();
      const second = await startRun(db, { teamId, pipelineId: p.id, input: "a picnic", userId });
      const third = await startRun(db, { teamId, pipelineId: p.id, input: "a fair", userId });

      const reason = (await getRun(db, teamId, second.id))!.queuedReason;
      expect(reason).toMatch(/^Queued: /);
      expect(reason).toMatch(/1 pipeline run at a time|this server's worker runs 1 at a time/);
      expect(reason).toContain("1 run is running (1 of them this team's); this one is next in line and starts when one ends.");
      expect((await getRun(db, teamId, third.id))!.queuedReason).toContain("this one is in line behind 1 run queued before it and starts when one ends.");
      // The runs list says the same.
      expect((await listRuns(db, teamId)).find((r) => r.id === second.id)!.queuedReason).toBe(reason);

      for (const r of [first, second, third]) await cancelRun(db, teamId, r.id);
      expect((await getRun(db, teamId, second.id))!.queuedReason).toBeNull();
      await waitForRun(db, teamId, first.id);
      await new Promise((r) => setTimeout(r, 300)); // the mock fleet notices the aborted stream
    } finally {
      await stopPipelineRunner();
      await startPipelineRunner({ db, concurrency: 4 });
    }
  });
});

describe(`starting a run against an exhausted budget on ${driverName}`, () => {
  it("is refused up front with the 402 a direct call gets, and writes no run", async () => {
    const p = await createPipeline(db, { teamId, userId, name: "dear first", steps: [
      { key: "dear", kind: "prompt", model: "gpt-4.1", group: 0, template: "{{input}}" },
      { key: "cheap", kind: "prompt", model: "gpt-4o-mini", group: 1, template: "Shorten: {{steps.dear}}" },
    ] });
    // $0.003 left: less than gpt-4.1's hold for the first step (~$0.008).
    await db.insert(budgets).values({ teamId, name: "nearly gone", limitMicros: 10_000, spentMicros: 7_000, periodStart: new Date(Date.now() - 1000) });
    const runsBefore = await db.$count(pipelineRuns);
    const requestsBefore = await db.$count(requests);
    const input = "Write a slogan for a bakery.";
    const e = await startRun(db, { teamId, pipelineId: p.id, input, userId }).catch((x) => x);
    expect(e).toBeInstanceOf(BudgetExceededError);
    expect(e.status).toBe(402);
    expect(await db.$count(pipelineRuns)).toBe(runsBefore);
    expect(await db.$count(requests)).toBe(requestsBefore);
    expect((await fleet.usage()).totals.requests).toBe(0);
    const direct = await delegate(db, { teamId, userId, source: "api", task: input, model: "gpt-4.1", maxOutputTokens: 1024 }).catch((x) => x);
    expect(direct).toBeInstanceOf(BudgetExceededError);
    expect(e.message).toBe(direct.message);
    expect(e.message).toMatch(/^Budget "nearly gone" exceeded: \$[\d.]+ of \$[\d.]+ is left this period and this call may cost up to \$[\d.]+\./);

    // A budget that holds the first step starts the run as before.
    await db.update(budgets).set({ spentMicros: 0 }).where(eq(budgets.teamId, teamId));
    invalidateBudgets(teamId); // what the budget service does after an edit
    const run = await waitForRun(db, teamId, (await startRun(db, { teamId, pipelineId: p.id, input, userId })).id);
    expect(run.status).toBe("succeeded");
  });
});

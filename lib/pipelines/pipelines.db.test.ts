import { and, eq, gte, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { closeDb, rowsOf } from "@/db";
import { invalidateBudgets } from "@/lib/budgets";
import { apiKeys, budgets, memberships, models, pipelineRuns, pipelineSteps, ratings, requestPayloads, requests, teams } from "@/db/schema";
import { seedFleet } from "@/db/seed";
import { createApiKey } from "@/lib/auth/api-keys";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { delegate } from "@/lib/execution/delegate";
import { BudgetExceededError } from "@/lib/execution/errors";
import { invalidateFleet } from "@/lib/execution/fleet";
import { NotFoundError, UserError } from "@/lib/errors";
import { formatUsd } from "@/lib/format";
import { costMicros, estimateMessagesTokens } from "@/lib/providers/cost";
import { createTeam, removeMember } from "@/lib/teams/service";
import { startMockFleet } from "@/mock-fleet/server";
import { countStatements, driverName, freshDb, holdTable, lockWaits } from "@/test/db";
import { withOtherCopysRateLimiter } from "@/test/other-copy";
import { startRunAction } from "./actions";
import { executeRun } from "./runner";
import { reapOnce, startPipelineRunner, stopPipelineRunner } from "./queue";
import { archivePipeline, cancelRun, createPipeline, getRun, listPipelines, listRuns, retryStep, startRun, updatePipeline, waitForRun, type RunView } from "./service";
import { rateRequest } from "@/lib/ratings/service";
import type { StepDef } from "./schemas";
import { runSynthesis } from "./synthesis";

vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let fleet: Awaited<ReturnType<typeof startMockFleet>>;
let teamId: string;
let userId: string;

const healthy = { rateLimit: 0, server: 0, timeout: 0, drop: 0 };
const promptOf = async (requestId: string) => (await db.select().from(requestPayloads).where(eq(requestPayloads.requestId, requestId)))[0]?.prompt;
const until = async (cond: () => Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
};

const threeSteps: StepDef[] = [
  { key: "summarize", kind: "prompt", model: "mistral-small-latest", group: 0, template: "Summarise in one line: {{input}}" },
  { key: "analyze", kind: "prompt", model: "claude-3-5-haiku-20241022", group: 1, template: "Analyse this summary:\n{{steps.summarize}}" },
  { key: "optimize", kind: "prompt", model: "grok-3-mini", group: 2, template: "Summary:\n{{steps.summarize}}\nAnalysis:\n{{steps.analyze.output}}\nPropose improvements." },
];

/** Haiku streams slowly enough that a test can act while its answer is still coming; `fastHaiku` undoes it. */
const slowHaiku = () => fleet.configure({ models: { "claude-3-5-haiku-20241022": { tokensPerSecond: 40, latencyMs: 5 } } });
const fastHaiku = () => fleet.configure({ models: { "claude-3-5-haiku-20241022": { tokensPerSecond: 0 } } });

/** Starts, as `by`, a run of a new `threeSteps` pipeline on slow Haiku; returns it once its Haiku step (the second) has streamed some output. */
async function startRunMidStep(name: string, by = userId): Promise<RunView> {
  await slowHaiku();
  const p = await createPipeline(db, { teamId, userId, name, steps: threeSteps });
  const started = await startRun(db, { teamId, pipelineId: p.id, input: "Write a detailed plan for a bake sale with many sections.", userId: by });
  await until(async () => {
    const r = (await getRun(db, teamId, started.id))!;
    return r.steps[1].status === "running" && (r.steps[1].output?.length ?? 0) > 0;
  });
  return started;
}

beforeAll(async () => {
  process.env.MC_PIPELINE_LEASE_MS = "2000";
  db = (await freshDb()).db;
  fleet = await startMockFleet({ port: 0, seed: 11 });
  await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
  userId = (await createUser(db, { name: "p", email: "p@t.test", password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "P", slug: "p", ownerId: userId })).id;
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

describe(`pipelines on ${driverName}`, () => {
  it("runs a 3-step pipeline through delegate(), each step reading the outputs it names", async () => {
    const p = await createPipeline(db, { teamId, userId, name: "SAO", steps: threeSteps });
    const started = await startRun(db, { teamId, pipelineId: p.id, input: "The meeting moved to Tuesday; the budget was approved.", userId });
    expect(started.steps.map((s) => s.status)).toEqual(["pending", "pending", "pending"]);
    const run = await waitForRun(db, teamId, started.id);
    expect(run.status).toBe("succeeded");
    const [s1, s2, s3] = run.steps;
    expect([s1.model, s2.model, s3.model]).toEqual(["mistral-small-latest", "claude-3-5-haiku-20241022", "grok-3-mini"]);
    expect(await promptOf(s1.requestId!)).toBe("Summarise in one line: The meeting moved to Tuesday; the budget was approved.");
    expect(await promptOf(s2.requestId!)).toBe(`Analyse this summary:\n${s1.output}`);
    expect(await promptOf(s3.requestId!)).toBe(`Summary:\n${s1.output}\nAnalysis:\n${s2.output}\nPropose improvements.`);
    expect(run.output).toBe(s3.output);

    // Every step is one requests row of source "pipeline" with the same tokens and cost.
    const rows = await db.select().from(requests).where(eq(requests.pipelineRunId, run.id));
    expect(rows).toHaveLength(3);
    for (const s of run.steps) {
      const row = rows.find((r) => r.id === s.requestId)!;
      expect(row).toMatchObject({ source: "pipeline", status: "ok", model: s.model, inputTokens: s.inputTokens, outputTokens: s.outputTokens, costMicros: s.costMicros });
      expect(s.attempts).toBe(1);
      expect(s.latencyMs).toBeGreaterThan(0);
    }
    expect(run.costMicros).toBe(rows.reduce((a, r) => a + r.costMicros, 0));
    expect(run.progress).toEqual({ done: 3, total: 3 });
  });

  it("refuses, when saved, a missing step, a cycle, a step reading a later or parallel step, an unknown model and an impossible cap", async () => {
    const refuse = async (steps: StepDef[]) => {
      const e = await createPipeline(db, { teamId, name: "bad", steps }).catch((x) => x);
      expect(e).toBeInstanceOf(UserError);
      return e as UserError;
    };
    const missing = await refuse([{ key: "a", kind: "prompt", model: "auto", group: 0, template: "{{steps.nope}}" }]);
    expect(missing.fieldErrors!["steps.0.template"][0]).toContain('missing step "nope"');

    const cycle = await refuse([
      { key: "a", kind: "prompt", model: "auto", group: 0, template: "{{steps.b}}" },
      { key: "b", kind: "prompt", model: "auto", group: 1, template: "{{steps.a}}" },
    ]);
    expect(cycle.message).toContain("cycle: a → b → a");

    const later = await refuse([
      { key: "a", kind: "prompt", model: "auto", group: 0, template: "{{steps.b}}" },
      { key: "b", kind: "prompt", model: "auto", group: 1, template: "{{input}}" },
    ]);
    expect(later.message).toContain("runs after it");
    const parallel = await refuse([
      { key: "a", kind: "prompt", model: "auto", group: 0, template: "{{input}}" },
      { key: "b", kind: "prompt", model: "auto", group: 0, template: "{{steps.a}}" },
    ]);
    expect(parallel.message).toContain("run in parallel");

    const unknown = await refuse([{ key: "a", kind: "prompt", model: "gpt-9", group: 0, template: "{{input}}" }]);
    expect(unknown.fieldErrors!["steps.0.model"][0]).toContain('Unknown model "gpt-9"');

    // The catalog's output limit, read from the models table: Claude 3.5 Haiku answers at most 8,192 tokens.
    const long = await refuse([{ key: "a", kind: "prompt", model: "claude-3-5-haiku-20241022", group: 0, template: "{{input}}", maxOutputTokens: 10_000 }]);
    expect(long.fieldErrors!["steps.0.maxOutputTokens"][0]).toContain("claude-3-5-haiku-20241022 answers at most 8,192 tokens in one response");

    const cap = await refuse([{ key: "a", kind: "prompt", model: "gpt-4.1", group: 0, template: "x".repeat(4000) + "{{input}}", maxCostMicros: 100 }]);
    expect(cap.fieldErrors!["steps.0.maxCostMicros"][0]).toMatch(/^Step "a" is over its cost cap: the template's fixed text alone costs at least \$0\.\d+ on gpt-4\.1, more than the cap of \$0\.00010\./);

    const placeholder = await refuse([{ key: "a", kind: "prompt", model: "auto", group: 0, template: "{{inptu}}" }]);
    expect(placeholder.message).toContain("Unknown placeholder {{inptu}}");
  });

  it("reads the builder's cost cap in dollars, and says in words what is wrong with it", async () => {
    const withCap = (maxCostUsd: string) => [
      { key: "a", kind: "prompt" as const, model: "auto", group: 0, template: "{{input}}" },
      { key: "b", kind: "prompt" as const, model: "auto", group: 1, template: "{{steps.a}}", maxCostUsd },
    ];
    const refused = async (cap: string) => {
      const e = await createPipeline(db, { teamId, name: "capped", steps: withCap(cap) }).catch((x) => x);
      expect(e, cap).toBeInstanceOf(UserError);
      return { message: (e as UserError).message, field: (e as UserError).fieldErrors!["steps.1.maxCostUsd"]?.[0] };
    };
    expect(await refused("abc")).toEqual({ message: "Step 2 cost cap: Enter a number of dollars, e.g. 0.05, or leave it empty for no cap.", field: "Enter a number of dollars, e.g. 0.05, or leave it empty for no cap." });
    expect((await refused("1e308")).message).toBe("Step 2 cost cap: A cost cap can be at most $1,000.");
    expect((await refused("1e400")).message).toBe("Step 2 cost cap: A cost cap can be at most $1,000.");
    expect((await refused("0")).message).toBe("Step 2 cost cap: A cost cap must be more than $0.");

    const p = await createPipeline(db, { teamId, name: "capped", steps: withCap(" 0.05 ") });
    expect(p.steps.map((s) => s.maxCostMicros)).toEqual([undefined, 50_000]);
    expect(JSON.stringify(p.steps)).not.toContain("maxCostUsd");
  });

  it("names a wrong field by the builder's label, never by its code name", async () => {
    const e = (await createPipeline(db, { teamId, name: "", steps: [{ key: "A b", kind: "prompt", model: "auto", group: 0, template: "" }] }).catch((x) => x)) as UserError;
    expect(e.message).toBe("Name: Name the pipeline. Also fix 2 more highlighted fields.");
    expect(Object.keys(e.fieldErrors!)).toEqual(["name", "steps.0.key", "steps.0.template"]);
  });

  it("stops at the step where the budget runs out, keeps the finished step, and a retry finishes without repeating it", async () => {
    const p = await createPipeline(db, { teamId, userId, name: "budget", steps: [
      { key: "cheap", kind: "prompt", model: "gpt-4o-mini", group: 0, template: "{{input}}" },
      { key: "dear", kind: "prompt", model: "gpt-4.1", group: 1, template: "Improve: {{steps.cheap}}" },
      { key: "last", kind: "prompt", model: "gpt-4o-mini", group: 2, template: "Shorten: {{steps.dear}}" },
    ] });
    // Enough for the cheap step's reservation (~0.7 mil-$), not for gpt-4.1's (~8 mil-$).
    const [b] = await db.insert(budgets).values({ teamId, name: "small", limitMicros: 3_000, periodStart: new Date(Date.now() - 1000) }).returning();
    const started = await startRun(db, { teamId, pipelineId: p.id, input: "Write a slogan for a bakery.", userId });
    const run = await waitForRun(db, teamId, started.id);
    expect(run.status).toBe("failed");
    expect(run.error).toContain('Step "dear" failed');
    expect(run.error).toContain('Budget "small"');
    const [refused] = await db.select().from(requests).where(and(eq(requests.pipelineRunId, run.id), eq(requests.status, "refused")));
    expect(refused).toMatchObject({ errorKind: "budget_exceeded", requestedModel: "gpt-4.1" });
    expect(run.steps[1].error).toBe(refused.errorMessage);
    expect(run.steps.map((s) => s.status)).toEqual(["succeeded", "failed", "skipped"]);
    expect(run.steps[0].output!.length).toBeGreaterThan(0);
    expect(run.costMicros).toBe(run.steps[0].costMicros);
    expect((await fleet.usage()).models["gpt-4.1"]).toBeUndefined(); // refused before any call

    await db.update(budgets).set({ limitMicros: 1_000_000 }).where(eq(budgets.id, b.id));
    invalidateBudgets(teamId); // what the budget service does after an edit
    await retryStep(db, { teamId, runId: run.id, stepKey: "dear" });
    const again = await waitForRun(db, teamId, run.id);
    expect(again.status).toBe("succeeded");
    expect(again.steps.map((s) => s.attempts)).toEqual([1, 2, 1]);
    expect(again.steps[0].output).toBe(run.steps[0].output);
    expect((await fleet.usage()).models["gpt-4o-mini"]!.requests).toBe(2); // "cheap" once, "last" once
  });

  it("keeps an explicit model under its cost cap by bounding the answer, and stops a step whose prompt is already over it", async () => {
    const [m] = await db.select().from(models).where(eq(models.name, "gpt-4.1-mini"));
    const prices = { inputPerMTokMicros: m.inputPriceMicros, outputPerMTokMicros: m.outputPriceMicros, cachedInputPerMTokMicros: m.cachedInputPriceMicros };
    const cap = 60; // µ$: room for a short prompt and a few dozen tokens of answer
    const p = await createPipeline(db, { teamId, userId, name: "capped", steps: [
      { key: "first", kind: "prompt", model: "gpt-4.1-mini", group: 0, template: "Write a long essay about {{input}}", maxCostMicros: cap },
      { key: "second", kind: "prompt", model: "gpt-4.1-mini", group: 1, template: "Expand on this:\n{{steps.first}}\n{{input}}", maxCostMicros: cap },
    ] });
    const longInput = "the history of bread ".repeat(300); // ~1,600 prompt tokens ≈ 640 µ$ on gpt-4.1-mini, over the cap
    const run = await waitForRun(db, teamId, (await startRun(db, { teamId, pipelineId: p.id, input: "bread", userId })).id);
    expect(run.steps[0].status).toBe("succeeded");
    expect(run.steps[0].costMicros).toBeLessThanOrEqual(cap);
    expect(costMicros({ inputTokens: run.steps[0].inputTokens, outputTokens: run.steps[0].outputTokens }, prices)).toBe(run.steps[0].costMicros);

    const over = await waitForRun(db, teamId, (await startRun(db, { teamId, pipelineId: p.id, input: longInput, userId })).id);
    expect(over.status).toBe("failed");
    expect(over.steps[0].status).toBe("failed");
    expect(over.steps[0].error).toMatch(/^Step "first" is over its cost cap: its prompt \(~\d+ tokens\) costs about \$0\.\d+ on gpt-4\.1-mini before any answer, and the cap is \$0\.000060\./);
    expect(over.error).toContain('Step "first"');
  });

  it("stops at a model that became unknown after the pipeline was saved, with the reason", async () => {
    const p = await createPipeline(db, { teamId, userId, name: "gone", steps: [
      { key: "a", kind: "prompt", model: "gpt-4o-mini", group: 0, template: "{{input}}" },
      { key: "b", kind: "prompt", model: "grok-3", group: 1, template: "{{steps.a}}" },
    ] });
    await db.update(models).set({ enabled: false }).where(eq(models.name, "grok-3"));
    invalidateFleet();
    try {
      const run = await waitForRun(db, teamId, (await startRun(db, { teamId, pipelineId: p.id, input: "hello there", userId })).id);
      expect(run.status).toBe("failed");
      expect(run.steps[0].status).toBe("succeeded");
      expect(run.steps[1].error).toContain('Model "grok-3" is disabled');
    } finally {
      await db.update(models).set({ enabled: true }).where(eq(models.name, "grok-3"));
      invalidateFleet();
    }
    // Editing to a name that does not exist is refused at save time.
    const e = await updatePipeline(db, { teamId, pipelineId: p.id, name: "gone", steps: [{ key: "a", kind: "prompt", model: "grok-42", group: 0, template: "{{input}}" }] }).catch((x) => x);
    expect(e).toBeInstanceOf(UserError);
  });

  it("a run started with an API key stops at its next step once the key is revoked, however long ago", async () => {
    const { row: key } = await createApiKey(db, { teamId, name: "pipeline key", createdBy: userId });
    const p = await createPipeline(db, { teamId, userId, name: "revoked key", steps: [
      { key: "a", kind: "prompt", model: "gpt-4o-mini", group: 0, template: "{{input}}" },
      { key: "b", kind: "prompt", model: "grok-3", group: 1, template: "{{steps.a}}" },
    ] });
    await db.update(models).set({ enabled: false }).where(eq(models.name, "grok-3"));
    invalidateFleet();
    let run;
    try {
      run = await waitForRun(db, teamId, (await startRun(db, { teamId, pipelineId: p.id, input: "hello there", apiKeyId: key.id })).id);
    } finally {
      await db.update(models).set({ enabled: true }).where(eq(models.name, "grok-3"));
      invalidateFleet();
    }
    expect(run.steps.map((s) => s.status)).toEqual(["succeeded", "failed"]);
    // The key is revoked (longer ago than any cache trusts it); a member retries the failed step.
    await db.update(apiKeys).set({ revokedAt: new Date(Date.now() - 3_600_000) }).where(eq(apiKeys.id, key.id));
    await retryStep(db, { teamId, runId: run.id, stepKey: "b" });
    const again = await waitForRun(db, teamId, run.id);
    expect(again.status).toBe("failed");
    expect(again.steps[1].error).toMatch(/API key was revoked/);
    expect((await fleet.usage()).models["grok-3"]).toBeUndefined(); // nothing was called under the revoked key
  });

  it("a run started with an API key counts its steps' tokens against the key's token limit", async () => {
    // 500 tokens a minute, and steps that may each use more (prompt + 600): such a call runs only in a
    // minute nothing else used, so the first step runs and the next one, in the same minute, is refused.
    const { row: key } = await createApiKey(db, { teamId, name: "tpm key", createdBy: userId, tokensPerMinute: 500 });
    const p = await createPipeline(db, { teamId, userId, name: "token limited", steps: [
      { key: "a", kind: "prompt", model: "gpt-4o-mini", group: 0, template: "{{input}}", maxOutputTokens: 600 },
      { key: "b", kind: "prompt", model: "gpt-4o-mini", group: 1, template: "Shorten: {{steps.a}}", maxOutputTokens: 600 },
      { key: "c", kind: "prompt", model: "gpt-4o-mini", group: 2, template: "Shorten: {{steps.b}}", maxOutputTokens: 600 },
    ] });
    // No waiting for the next minute here (limits.db.test.ts covers the wait): the refusal fails the step.
    process.env.MC_PIPELINE_RATE_LIMIT_WAIT_MS = "0";
    let run;
    try {
      run = await waitForRun(db, teamId, (await startRun(db, { teamId, pipelineId: p.id, input: "Write a slogan for a bakery.", apiKeyId: key.id })).id);
    } finally {
      delete process.env.MC_PIPELINE_RATE_LIMIT_WAIT_MS;
    }
    expect(run.steps.map((s) => s.status)).toEqual(["succeeded", "failed", "skipped"]);
    expect(run.steps[1].error).toMatch(/tokens per minute left/);
    expect((await fleet.usage()).models["gpt-4o-mini"]!.requests).toBe(1);
  });

  it("refuses to save a step on a disabled model, saying which and what to do, instead of failing when run", async () => {
    const steps: StepDef[] = [
      { key: "a", kind: "prompt", model: "gpt-4o-mini", group: 0, template: "{{input}}" },
      { key: "b", kind: "synthesis", strongModel: "grok-3", model: "gpt-4o-mini", group: 1, template: "{{steps.a}}" },
    ];
    const p = await createPipeline(db, { teamId, userId, name: "disabled later", steps });
    await db.update(models).set({ enabled: false }).where(eq(models.name, "grok-3"));
    invalidateFleet();
    try {
      const e = await updatePipeline(db, { teamId, pipelineId: p.id, name: "renamed", steps }).catch((x) => x);
      expect(e).toBeInstanceOf(UserError);
      expect(e.fieldErrors["steps.1.strongModel"]).toEqual(['Model "grok-3" is disabled, so this step could not run. Choose another model or "auto", or ask an admin to enable it.']);
      const created = await createPipeline(db, { teamId, userId, name: "new", steps }).catch((x) => x);
      expect(created).toBeInstanceOf(UserError);
      expect((await listPipelines(db, teamId)).map((x) => x.name)).not.toContain("new");
      // An unknown name's suggestions list only models a step can run on.
      const unknown = await updatePipeline(db, { teamId, pipelineId: p.id, name: "x", steps: [{ ...steps[0], model: "grok-42" }] }).catch((x) => x);
      expect(unknown.fieldErrors["steps.0.model"][0]).not.toContain("grok-3,");
    } finally {
      await db.update(models).set({ enabled: true }).where(eq(models.name, "grok-3"));
      invalidateFleet();
    }
    expect((await updatePipeline(db, { teamId, pipelineId: p.id, name: "renamed", steps })).name).toBe("renamed");
  });

  it("a step that fails for good, every fallback included, shows how long it tried; the steps it stopped were never attempted", async () => {
    const p = await createPipeline(db, { teamId, userId, name: "down", steps: [
      { key: "a", kind: "prompt", model: "gpt-4o-mini", group: 0, template: "{{input}}" },
      { key: "b", kind: "prompt", model: "gpt-4o-mini", group: 1, template: "{{steps.a}}" },
    ] });
    await fleet.configure({ defaults: { errorRates: { ...healthy, server: 1 }, latencyMs: 60 } });
    const started = Date.now();
    const run = await waitForRun(db, teamId, (await startRun(db, { teamId, pipelineId: p.id, input: "hello there", userId })).id);
    const took = Date.now() - started;
    expect(run.steps[0].status).toBe("failed");
    expect(run.steps[0].error).toMatch(/^The call failed on gpt-4o-mini, then .+ Every fallback failed too/);
    // The failed call's record holds the time of all its attempts; the step showed 0 ms.
    const [failed] = await db.select().from(requests).where(eq(requests.pipelineRunId, run.id));
    expect(failed.latencyMs).toBeGreaterThan(0);
    expect(run.steps[0].latencyMs).toBeGreaterThanOrEqual(failed.latencyMs);
    expect(run.steps[0].latencyMs).toBeLessThanOrEqual(took);
    expect(run.steps[1]).toMatchObject({ status: "skipped", attempts: 0, costMicros: 0 });
  });

  it("while a step streams from a fallback, it names the model answering, not the one that failed", async () => {
    const p = await createPipeline(db, { teamId, userId, name: "fallback", steps: [{ key: "a", kind: "prompt", model: "gpt-4.1-mini", group: 0, template: "Write at length about {{input}}" }] });
    await fleet.configure({ defaults: { tokensPerSecond: 40 }, models: { "gpt-4.1-mini": { errorRates: { ...healthy, server: 1 } } } });
    const started = await startRun(db, { teamId, pipelineId: p.id, input: "rivers", userId });
    await until(async () => ((await getRun(db, teamId, started.id))!.steps[0].output?.length ?? 0) > 0);
    const live = (await getRun(db, teamId, started.id))!.steps[0];
    const run = await waitForRun(db, teamId, started.id);
    expect(run.steps[0].status).toBe("succeeded");
    expect(run.steps[0].model).not.toBe("gpt-4.1-mini");
    expect(live.model).toBe(run.steps[0].model); // it said gpt-4.1-mini while another model wrote
  });

  it("resumes a run whose worker died mid-step: the finished step is not run again, the dead step is", async () => {
    await stopPipelineRunner();
    const p = await createPipeline(db, { teamId, userId, name: "resume", steps: threeSteps });
    const started = await startRun(db, { teamId, pipelineId: p.id, input: "Resume me.", userId });
    // What a killed worker leaves behind: step 1 done, step 2 claimed with a heartbeat long gone.
    const ago = sql`now() - interval '10 minutes'`;
    await db.update(pipelineRuns).set({ status: "running", startedAt: ago }).where(eq(pipelineRuns.id, started.id));
    await db
      .update(pipelineSteps)
      .set({ status: "succeeded", output: "OUTPUT-OF-SUMMARIZE", attempts: 1, startedAt: ago, finishedAt: ago })
      .where(and(eq(pipelineSteps.runId, started.id), eq(pipelineSteps.stepKey, "summarize")));
    await db
      .update(pipelineSteps)
      .set({ status: "running", attempts: 1, startedAt: ago, output: "half an ans", details: sql`${pipelineSteps.details} || '{"claim":"dead","heartbeat":0}'::jsonb` })
      .where(and(eq(pipelineSteps.runId, started.id), eq(pipelineSteps.stepKey, "analyze")));

    await startPipelineRunner({ db });
    await reapOnce(db);
    const run = await waitForRun(db, teamId, started.id);
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.attempts)).toEqual([1, 2, 1]);
    expect(run.steps[0].output).toBe("OUTPUT-OF-SUMMARIZE");
    expect(await promptOf(run.steps[1].requestId!)).toBe("Analyse this summary:\nOUTPUT-OF-SUMMARIZE");
    const usage = await fleet.usage();
    expect(usage.models["mistral-small-latest"]).toBeUndefined(); // step 1's model was never called again
    expect(usage.models["claude-3-5-haiku-20241022"]!.requests).toBe(1);
  });

  it("never takes a step whose claimant is alive, and never re-runs a succeeded step", async () => {
    await stopPipelineRunner();
    const p = await createPipeline(db, { teamId, userId, name: "live", steps: threeSteps.slice(0, 1) });
    const started = await startRun(db, { teamId, pipelineId: p.id, input: "x y z", userId });
    await db
      .update(pipelineSteps)
      .set({ status: "running", attempts: 1, details: sql`${pipelineSteps.details} || jsonb_build_object('claim', 'other', 'heartbeat', (extract(epoch from clock_timestamp()) * 1000)::bigint)` })
      .where(eq(pipelineSteps.runId, started.id));
    expect(await executeRun(db, started.id, { leaseMs: 60_000 })).toBe("handed-off");
    await db.update(pipelineSteps).set({ status: "succeeded", output: "done elsewhere" }).where(eq(pipelineSteps.runId, started.id));
    expect(await executeRun(db, started.id)).toBe("finished");
    const run = await getRun(db, teamId, started.id);
    expect(run!.status).toBe("succeeded");
    expect(run!.output).toBe("done elsewhere");
    expect(run!.steps[0].attempts).toBe(1);
    expect((await fleet.usage()).totals.requests).toBe(0);
    await startPipelineRunner({ db });
  });

  it("streams a step's output into its row, can be cancelled mid-step, and a cancelled run can be retried", async () => {
    const started = await startRunMidStep("slow");
    const mid = (await getRun(db, teamId, started.id))!;
    expect(mid.progress.done).toBe(1);
    await cancelRun(db, teamId, started.id);
    const run = await waitForRun(db, teamId, started.id);
    expect(run.status).toBe("cancelled");
    expect(run.steps.map((s) => s.status)).toEqual(["succeeded", "cancelled", "cancelled"]);

    await fastHaiku();
    await retryStep(db, { teamId, runId: run.id, stepKey: "analyze" });
    const again = await waitForRun(db, teamId, run.id);
    expect(again.status).toBe("succeeded");
    expect(again.steps[0].attempts).toBe(1);
  });

  it("a run that ends commits its whole cost with its status: a reader never sees it cancelled or failed at a cost short of its calls", async () => {
    // What the row holds at the moment its status turns final, as any reader could see it then.
    await db.execute(sql`create table run_endings (run_id uuid, status text, cost_micros bigint)`);
    await db.execute(sql`create function log_run_ending() returns trigger language plpgsql as $$
      begin
        if new.status in ('cancelled', 'failed', 'succeeded') and old.status is distinct from new.status then
          insert into run_endings values (new.id, new.status, new.cost_micros);
        end if;
        return new;
      end $$`);
    await db.execute(sql`create trigger log_run_ending after update on pipeline_runs for each row execute function log_run_ending()`);
    try {
      const started = await startRunMidStep("ends with its cost");
      await cancelRun(db, teamId, started.id);
      const run = await waitForRun(db, teamId, started.id);
      // The mid-step call was billed; the run's cost is both steps' calls.
      expect(run.steps[1].costMicros).toBeGreaterThan(0);
      const total = (await db.select({ c: sql<string>`coalesce(sum(${requests.costMicros}), 0)` }).from(requests).where(eq(requests.pipelineRunId, run.id)))[0].c;
      const rows = rowsOf<{ status: string; cost_micros: string }>(await db.execute(sql`select status, cost_micros from run_endings where run_id = ${run.id}`));
      expect(rows.map((r) => [r.status, Number(r.cost_micros)])).toEqual([["cancelled", Number(total)]]);
    } finally {
      await db.execute(sql`drop trigger log_run_ending on pipeline_runs`);
      await db.execute(sql`drop function log_run_ending()`);
      await db.execute(sql`drop table run_endings`);
      await fastHaiku();
    }
  });

  it("runs a parallel stage's steps at the same time", async () => {
    await fleet.configure({ defaults: { latencyMs: 300 } });
    const p = await createPipeline(db, { teamId, userId, name: "par", steps: [
      { key: "a", kind: "prompt", model: "gpt-4o-mini", group: 0, template: "A: {{input}}" },
      { key: "b", kind: "prompt", model: "gpt-4.1-mini", group: 0, template: "B: {{input}}" },
      { key: "c", kind: "prompt", model: "gpt-4o-mini", group: 1, template: "{{steps.a}} / {{steps.b}}" },
    ] });
    const run = await waitForRun(db, teamId, (await startRun(db, { teamId, pipelineId: p.id, input: "hi", userId })).id);
    const [a, b, c] = run.steps;
    expect(run.status).toBe("succeeded");
    expect(Date.parse(a.startedAt!)).toBeLessThan(Date.parse(b.finishedAt!));
    expect(Date.parse(b.startedAt!)).toBeLessThan(Date.parse(a.finishedAt!));
    expect(Date.parse(c.startedAt!)).toBeGreaterThanOrEqual(Math.max(Date.parse(a.finishedAt!), Date.parse(b.finishedAt!)));
    expect(run.output).toBe(c.output);
  });

  it("a deleted (archived) pipeline leaves the list (and so the API and CLI) and cannot be run or edited; its runs stay viewable", async () => {
    const p = await createPipeline(db, { teamId, userId, name: "to delete", steps: [threeSteps[0]] });
    const run = await waitForRun(db, teamId, (await startRun(db, { teamId, pipelineId: p.id, input: "bread", userId })).id);
    expect((await listPipelines(db, teamId)).map((x) => x.id)).toContain(p.id);

    await archivePipeline(db, teamId, p.id);
    expect((await listPipelines(db, teamId)).map((x) => x.id)).not.toContain(p.id);
    await expect(startRun(db, { teamId, pipelineId: p.id, input: "again", userId })).rejects.toBeInstanceOf(NotFoundError);
    await expect(updatePipeline(db, { teamId, pipelineId: p.id, name: "back", steps: [threeSteps[0]] })).rejects.toBeInstanceOf(NotFoundError);
    expect(await getRun(db, teamId, run.id)).toMatchObject({ id: run.id, pipelineName: "to delete", status: "succeeded" });
    expect((await listRuns(db, teamId)).map((r) => r.id)).toContain(run.id);
  });

  it("rates a step by rating its request", async () => {
    const p = await createPipeline(db, { teamId, userId, name: "rate", steps: threeSteps.slice(0, 1) });
    const run = await waitForRun(db, teamId, (await startRun(db, { teamId, pipelineId: p.id, input: "Rate me.", userId })).id);
    await rateRequest(db, { teamId, requestId: run.steps[0].requestId!, userId, rating: { kind: "thumbs", value: 1 } });
    const [r] = await db.select().from(ratings).where(eq(ratings.requestId, run.steps[0].requestId!));
    expect(r).toMatchObject({ value: 1, model: "mistral-small-latest", userId });
    expect((await getRun(db, teamId, run.id, { userId }))!.steps[0].myRating).toEqual({ kind: "thumbs", value: 1, comment: null });
  });
});

describe(`instruction synthesis on ${driverName}`, () => {
  it("a strong model writes instructions, a cheap one follows them; costs are the recorded ones and the saving is an honest estimate", async () => {
    const task = "Explain how to choose a database index for a slow query.";
    const r = await runSynthesis(db, { teamId, userId, task, strongModel: "claude-sonnet-4-20250514", cheapModel: "gpt-4o-mini" });
    expect(r.instructions.model).toBe("claude-sonnet-4-20250514");
    expect(r.execution.model).toBe("gpt-4o-mini");
    expect(await promptOf(r.execution.requestId)).toContain(r.instructions.text);
    const rows = await db.select().from(requests).where(sql`${requests.id} in (${r.instructions.requestId}, ${r.execution.requestId})`);
    expect(r.totalCostMicros).toBe(rows.reduce((a, x) => a + x.costMicros, 0));
    const [strong] = await db.select().from(models).where(eq(models.name, "claude-sonnet-4-20250514"));
    const expected = costMicros(
      { inputTokens: estimateMessagesTokens([{ content: task }]), outputTokens: r.execution.outputTokens },
      { inputPerMTokMicros: strong.inputPriceMicros, outputPerMTokMicros: strong.outputPriceMicros, cachedInputPerMTokMicros: strong.cachedInputPriceMicros },
    );
    expect(r.strongAlone).toMatchObject({ method: "estimate", model: "claude-sonnet-4-20250514", costMicros: expected });
    expect(r.strongAlone.explanation).toMatch(/^Estimate, not a call/);
    expect(r.savingMicros).toBe(expected - r.totalCostMicros);

    const measured = await runSynthesis(db, { teamId, userId, task, strongModel: "claude-sonnet-4-20250514", cheapModel: "gpt-4o-mini", compare: true });
    expect(measured.strongAlone.method).toBe("measured");
    const [alone] = await db.select().from(requests).where(eq(requests.id, measured.strongAlone.requestId!));
    expect(measured.strongAlone.costMicros).toBe(alone.costMicros);
    expect(measured.savingMicros).toBe(alone.costMicros - measured.totalCostMicros);
  });

  it("when the cheap call fails after the instructions were written, the error says what the instructions cost", async () => {
    await db.update(models).set({ enabled: false }).where(eq(models.name, "grok-3-mini"));
    invalidateFleet();
    const before = new Date();
    try {
      const e = await runSynthesis(db, { teamId, userId, task: "Plan a team offsite for twelve people.", strongModel: "gpt-4.1", cheapModel: "grok-3-mini" }).catch((x) => x);
      const [ins] = await db.select().from(requests).where(and(eq(requests.teamId, teamId), eq(requests.model, "gpt-4.1"), gte(requests.createdAt, before)));
      expect(ins.costMicros).toBeGreaterThan(0);
      expect(e.message).toBe(`Model "grok-3-mini" is disabled. Choose another model or "auto", or ask an admin to enable it. The instructions gpt-4.1 wrote before this cost ${formatUsd(ins.costMicros)} and are charged.`);
    } finally {
      await db.update(models).set({ enabled: true }).where(eq(models.name, "grok-3-mini"));
      invalidateFleet();
    }
  });

  it("with the strong model left to the router, the instructions come from the dearest tier, the steps from a cheap model", async () => {
    const r = await runSynthesis(db, { teamId, userId, task: "Write release notes for version 2.3 of our CLI: faster startup and a new --json flag." });
    const tier = async (name: string) => (await db.select().from(models).where(eq(models.name, name)))[0].costTier;
    expect(await tier(r.instructions.model)).toBe("high");
    expect(["free", "low"]).toContain(await tier(r.execution.model));
  });

  it("works as a pipeline step kind, keeping both calls' costs on the step", async () => {
    const p = await createPipeline(db, { teamId, userId, name: "synth", steps: [
      { key: "draft", kind: "prompt", model: "gpt-4o-mini", group: 0, template: "List three facts about {{input}}" },
      { key: "solve", kind: "synthesis", strongModel: "gpt-4.1", model: "gpt-4o-mini", group: 1, template: "Write a short article from: {{steps.draft}}" },
    ] });
    const run = await waitForRun(db, teamId, (await startRun(db, { teamId, pipelineId: p.id, input: "owls", userId })).id);
    expect(run.status).toBe("succeeded");
    const s = run.steps[1];
    expect(s.synthesis!.instructions.model).toBe("gpt-4.1");
    expect(s.model).toBe("gpt-4o-mini");
    expect(s.instructions!.length).toBeGreaterThan(0);
    expect(s.costMicros).toBe(s.synthesis!.totalCostMicros);
    expect(s.costMicros).toBe(s.synthesis!.instructions.costMicros + s.synthesis!.execution.costMicros);
    const rows = await db.select().from(requests).where(eq(requests.pipelineRunId, run.id));
    expect(rows).toHaveLength(3);
    expect(run.costMicros).toBe(rows.reduce((a, x) => a + x.costMicros, 0));
  });

  it("counts in the run's cost every call it paid for: the instructions of a synthesis step stopped before its answer, and the attempts before a retry", async () => {
    const p = await createPipeline(db, { teamId, userId, name: "paid-for", steps: [
      { key: "solve", kind: "synthesis", strongModel: "gpt-4.1", model: "gpt-4o-mini", group: 0, template: "Write a detailed article with many sections about {{input}}" },
    ] });
    // The strong model writes the instructions at once; the cheap one follows them slowly, and the run is cancelled meanwhile.
    await fleet.configure({ models: { "gpt-4o-mini": { tokensPerSecond: 40, latencyMs: 5 } } });
    const started = await startRun(db, { teamId, pipelineId: p.id, input: "owls", userId });
    await until(async () => ((await getRun(db, teamId, started.id))!.steps[0].output?.length ?? 0) > 0);
    await cancelRun(db, teamId, started.id);
    const run = await waitForRun(db, teamId, started.id);
    expect(run.status).toBe("cancelled");
    const paid = async () => (await db.select().from(requests).where(eq(requests.pipelineRunId, run.id))).reduce((a, x) => a + x.costMicros, 0);
    const first = await paid();
    expect(first).toBeGreaterThan(0); // gpt-4.1's instructions were answered and charged
    expect(run.costMicros).toBe(first);
    // The stopped attempt shows what it was charged: the instructions and the part of the answer streamed.
    expect(run.steps[0]).toMatchObject({ status: "cancelled", costMicros: first, totalCostMicros: first });

    await fleet.configure({ models: { "gpt-4o-mini": { tokensPerSecond: 0 } } });
    await retryStep(db, { teamId, runId: run.id, stepKey: "solve" });
    const again = await waitForRun(db, teamId, run.id);
    expect(again.status).toBe("succeeded");
    expect(again.costMicros).toBe(await paid());
    expect(again.costMicros).toBe(first + again.steps[0].costMicros);
    // The step counts both attempts, so the steps add up to the run's cost.
    const [step] = again.steps;
    expect(step.attemptLog).toEqual([
      expect.objectContaining({ attempt: 1, status: "cancelled", costMicros: first }),
      expect.objectContaining({ attempt: 2, status: "succeeded", costMicros: step.costMicros, requestId: step.requestId }),
    ]);
    expect(step.totalCostMicros).toBe(again.costMicros);
  });
});

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

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.MC_PIPELINE_RATE_LIMIT_WAIT_MS;
});

let teams_ = 0;
/** A team of its own (so no other test shares its rate-limit window) allowing one request a minute, and a key of it. */
async function limitedTeam() {
  const id = (await createTeam(db, { name: `L${++teams_}`, slug: `limited-${teams_}`, ownerId: userId })).id;
  await db.update(teams).set({ requestsPerMinute: 1 }).where(eq(teams.id, id));
  const { row: key } = await createApiKey(db, { teamId: id, name: "limited key", createdBy: userId });
  const p = await createPipeline(db, { teamId: id, userId, name: "limited", steps: twoSteps });
  return { teamId: id, keyId: key.id, pipelineId: p.id };
}

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

/** A dashboard start's first step waits for the team's one request a minute, and a second start is refused saying how long to wait. */
async function dashboardStartsCountAgainstTheLimit() {
  const t = await limitedTeam();
  secondsBeforeMinuteTurns(40);
  setTestSession(userId);
  try {
    const input = "Write a slogan for a bakery.";
    const first = await startRunAction({ teamId: t.teamId, pipelineId: t.pipelineId, input });
    if (!first.ok) throw new Error(first.error);
    // The start took this minute's one request, so the first step waits for the next minute (and does not fail).
    const firstStep = async () => (await getRun(db, t.teamId, first.data.runId))!.steps[0];
    await until(async () => !!(await firstStep()).waiting || (await firstStep()).status === "failed", 10_000);
    const step = await firstStep();
    expect({ status: step.status, error: step.error, waiting: step.waiting?.message }).toEqual({
      status: "running",
      error: null,
      waiting: expect.stringMatching(/^Waiting for the rate limit — retrying in (39|40) s\. This team made its 1 requests this minute\.$/),
    });

    const runsBefore = await db.$count(pipelineRuns, eq(pipelineRuns.teamId, t.teamId));
    expect(await startRunAction({ teamId: t.teamId, pipelineId: t.pipelineId, input })).toEqual({
      ok: false,
      error: expect.stringMatching(/^This team made its 1 requests this minute\. Retry in (39|40) s, or ask an admin to raise the limit\.$/),
    });
    expect(await db.$count(pipelineRuns, eq(pipelineRuns.teamId, t.teamId))).toBe(runsBefore);
    expect((await fleet.usage()).totals.requests).toBe(0);
    await cancelRun(db, t.teamId, first.data.runId);
    expect((await waitForRun(db, t.teamId, first.data.runId, 5_000)).status).toBe("cancelled");
  } finally {
    setTestSession(undefined);
  }
}

describe(`a run started from the dashboard on ${driverName}`, () => {
  it("counts against the team's request limit: its steps wait for it, and a start past it is refused saying how long to wait", dashboardStartsCountAgainstTheLimit);

  it("does the same when the process's one RateLimiter was made by the other copy of lib/ (server.ts's /api/v1 before Next's bundle), whose RateLimitedError it throws", () =>
    withOtherCopysRateLimiter(dashboardStartsCountAgainstTheLimit));
});

describe(`removing a member on ${driverName}`, () => {
  it("cancels the runs they started from the dashboard — a running one mid-step, billed for what it streamed, and a queued one — with the reason on each; others' runs go on", async () => {
    const rosa = await createUser(db, { name: "Rosa", email: "rosa@t.test", password: "password-123" });
    await db.insert(memberships).values({ teamId, userId: rosa.id, role: "member" });
    await stopPipelineRunner();
    await startPipelineRunner({ db, concurrency: 1 });
    try {
      const running = await startRunMidStep("slow, then removed", rosa.id);
      const { pipelineId, input } = running;
      const queued = await startRun(db, { teamId, pipelineId, input, userId: rosa.id });
      const owners = await startRun(db, { teamId, pipelineId, input, userId });
      expect((await getRun(db, teamId, queued.id))!.status).toBe("queued");

      const t0 = Date.now();
      const removed = await removeMember(db, { teamId, userId: rosa.id, actorUserId: userId, actorRole: "owner" });
      const reason = "Cancelled because rosa@t.test was removed from the team.";
      const stopped = await waitForRun(db, teamId, running.id, 5_000);
      expect(Date.now() - t0).toBeLessThan(2_000);
      expect(stopped).toMatchObject({ status: "cancelled", error: reason });
      expect(stopped.steps.map((s) => s.status)).toEqual(["succeeded", "cancelled", "cancelled"]);
      // The step's call stopped and was billed for what it had streamed, as a cancel by hand is.
      const mid = stopped.steps[1];
      expect(mid.error).toBe("Cancelled while running.");
      expect(mid.outputTokens).toBeGreaterThan(0);
      expect(mid.costMicros).toBeGreaterThan(0);
      const rows = await db.select().from(requests).where(eq(requests.pipelineRunId, running.id));
      expect(rows).toHaveLength(2);
      expect(rows.find((r) => r.id !== stopped.steps[0].requestId)!.costMicros).toBe(mid.costMicros);
      expect(stopped.costMicros).toBe(stopped.steps[0].costMicros + mid.costMicros);

      const never = await waitForRun(db, teamId, queued.id, 5_000);
      expect(never).toMatchObject({ status: "cancelled", error: reason });
      expect(never.steps.map((s) => s.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
      expect(await db.$count(requests, eq(requests.pipelineRunId, queued.id))).toBe(0);
      expect(removed).toMatchObject({ cancelledRuns: 2 });

      // The owner's run, queued behind them, runs to the end.
      await fastHaiku();
      expect((await waitForRun(db, teamId, owners.id)).status).toBe("succeeded");
    } finally {
      await stopPipelineRunner();
      await startPipelineRunner({ db, concurrency: 4 });
    }
  });
});

describe(`a run started from the dashboard as its starter is removed, on ${driverName}`, () => {
  const refusal = "You are no longer a member of this team, so the run was not started.";
  const removedReason = (email: string) => `Cancelled because ${email} was removed from the team.`;
  async function newMember(name: string) {
    const user = await createUser(db, { name, email: `${name.toLowerCase()}-${Date.now()}@t.test`, password: "password-123" });
    await db.insert(memberships).values({ teamId, userId: user.id, role: "member" });
    return user;
  }
  const remove = (memberId: string) => removeMember(db, { teamId, userId: memberId, actorUserId: userId, actorRole: "owner" });
  const runsBy = (memberId: string) => db.$count(pipelineRuns, eq(pipelineRuns.startedBy, memberId));
  const onePrompt: StepDef[] = [{ key: "write", kind: "prompt", model: "claude-3-5-haiku-20241022", group: 0, template: "Write at length: {{input}}" }];

  it("is refused once the removal has happened, saying why, and writes no run", async () => {
    const ines = await newMember("Ines");
    const p = await createPipeline(db, { teamId, userId, name: "after removal", steps: onePrompt });
    await remove(ines.id);
    // As the start action whose membership check passed just before the removal would go on.
    await expect(startRun(db, { teamId, pipelineId: p.id, input: "too late", userId: ines.id })).rejects.toThrow(refusal);
    expect(await runsBy(ines.id)).toBe(0);
  });

  // Two transactions at once need two connections: PGlite has one, and runs transactions one after another.
  describe.skipIf(driverName !== "postgres")("racing over two connections (postgres)", () => {
    let pipelineId: string;
    beforeEach(async () => {
      // Slow enough that a run the removal should cancel cannot finish first.
      await slowHaiku();
      pipelineId = (await createPipeline(db, { teamId, userId, name: `raced ${Date.now()}`, steps: onePrompt })).id;
    });
    afterEach(async () => {
      await fastHaiku();
    });

    it("a start first: the removal waits for its commit and cancels the run with the member's others", async () => {
      const jon = await newMember("Jon");
      const release = await holdTable("pipeline_steps");
      // The run row is written, uncommitted; the start then waits to write its steps.
      const starting = startRun(db, { teamId, pipelineId, input: "a long essay on bread", userId: jon.id });
      await until(async () => (await lockWaits(db)) === 1);
      const removing = remove(jon.id);
      // Unless the start holds Jon's membership, the removal ends now, before the run exists for it.
      await Promise.race([removing, until(async () => (await lockWaits(db)) === 2)]);
      await release();
      const started = await starting;
      expect((await removing).cancelledRuns).toBe(1);
      expect(await waitForRun(db, teamId, started.id, 5_000)).toMatchObject({ status: "cancelled", error: removedReason(jon.email) });
    });

    it("a removal first: the start waits for its commit and is refused, saying why", async () => {
      const kim = await newMember("Kim");
      const release = await holdTable("audit_log");
      // The membership is deleted, uncommitted; the removal then waits to write its audit entry.
      const removing = remove(kim.id);
      await until(async () => (await lockWaits(db)) === 1);
      const starting = startRun(db, { teamId, pipelineId, input: "a long essay on bread", userId: kim.id }).then(
        () => "started",
        (e: Error) => e.message,
      );
      await Promise.race([starting, until(async () => (await lockWaits(db)) === 2)]);
      await release();
      expect((await removing).cancelledRuns).toBe(0);
      expect(await starting).toBe(refusal);
      expect(await runsBy(kim.id)).toBe(0);
    });
  });
});

/**
 * With this process's runner taking one run at a time: starts a slow run and, once it runs, one run
 * per `inputs` behind it, and hands them to `check`; then cancels them all and restores the runner.
 */
async function queuedBehindSlowRun(name: string, inputs: string[], check: (first: RunView, waiting: RunView[], pipelineId: string) => Promise<void>) {
  await stopPipelineRunner();
  await startPipelineRunner({ db, concurrency: 1 });
  try {
    await slowHaiku();
    const p = await createPipeline(db, { teamId, userId, name, steps: [{ key: "long", kind: "prompt", model: "claude-3-5-haiku-20241022", group: 0, template: "Write a detailed plan with many sections about {{input}}" }] });
    const first = await startRun(db, { teamId, pipelineId: p.id, input: "a bake sale", userId });
    await until(async () => (await getRun(db, teamId, first.id))!.status === "running");
    const waiting: RunView[] = [];
    for (const input of inputs) waiting.push(await startRun(db, { teamId, pipelineId: p.id, input, userId }));
    await check(first, waiting, p.id);
    for (const r of [first, ...waiting]) await cancelRun(db, teamId, r.id);
    await waitForRun(db, teamId, first.id);
    await new Promise((r) => setTimeout(r, 300)); // the mock fleet notices the aborted stream
    return waiting;
  } finally {
    await stopPipelineRunner();
    await startPipelineRunner({ db, concurrency: 4 });
  }
}

describe(`a queued run on ${driverName}`, () => {
  it("says why it waits: the runs ahead of it and the concurrency limit", async () => {
    const [second] = await queuedBehindSlowRun("slow", ["a picnic", "a fair"], async (first, [second, third]) => {
      expect((await getRun(db, teamId, first.id))!.queuedReason).toBeNull();
      const reason = (await getRun(db, teamId, second.id))!.queuedReason;
      expect(reason).toMatch(/^Queued: /);
      expect(reason).toMatch(/1 pipeline run at a time|this server's worker runs 1 at a time/);
      expect(reason).toContain("1 run is running (1 of them this team's); this one is next in line and starts when one ends.");
      expect((await getRun(db, teamId, third.id))!.queuedReason).toContain("this one is in line behind 1 run queued before it and starts when one ends.");
      // The runs list says the same.
      expect((await listRuns(db, teamId)).find((r) => r.id === second.id)!.queuedReason).toBe(reason);
    });
    expect((await getRun(db, teamId, second.id))!.queuedReason).toBeNull();
  });

  it("the runs list gives each queued run its own place in line, reading the queue's counts once however many it lists", async () => {
    await queuedBehindSlowRun("slow list", ["a picnic", "a fair", "a parade", "a concert"], async (first, waiting, pipelineId) => {
      const { result: listed, statements } = await countStatements(db, () => listRuns(db, teamId, { pipelineId }));
      const reasonOf = (id: string) => listed.find((r) => r.id === id)!.queuedReason;
      expect(reasonOf(first.id)).toBeNull();
      expect(waiting.map((r) => reasonOf(r.id)!.split("; this one is ")[1])).toEqual([
        "next in line and starts when one ends.",
        "in line behind 1 run queued before it and starts when one ends.",
        "in line behind 2 runs queued before it and starts when one ends.",
        "in line behind 3 runs queued before it and starts when one ends.",
      ]);
      for (const r of waiting) expect(reasonOf(r.id)).toBe((await getRun(db, teamId, r.id))!.queuedReason);

      // Listing one queued run takes as many statements as listing four.
      const newest = await countStatements(db, () => listRuns(db, teamId, { pipelineId, limit: 1 }));
      expect(newest.result.map((r) => r.id)).toEqual([waiting[3].id]);
      expect(newest.result[0].queuedReason).toBe(reasonOf(waiting[3].id));
      expect(statements).toBe(newest.statements);
    });
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

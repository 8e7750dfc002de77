import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { inTransaction, type Db } from "@/db";
import { models, pipelineRuns, pipelines, pipelineSteps, ratings, type Pipeline } from "@/db/schema";
import { lockMembership } from "@/lib/auth/session";
import { NotFoundError, UserError } from "@/lib/errors";
import { fieldErrorsOf, plainIssue, summarizeFieldErrors } from "@/lib/forms";
import { rateLimiter, teamBuckets } from "@/lib/ratelimit";
import { refuseUnaffordableStart } from "./holds";
import { dispatchRun, queuedReason, queuedReasons } from "./queue";
import { abortLocal, finishCancelled, type StepAttempt, type StepDetails } from "./runner";
import { pipelineFieldLabel, pipelineInputSchema, type PipelineInput, type StepDef } from "./schemas";
import { validateSteps, type ModelInfo } from "./validate";

export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export type StepStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";

/** A step of a run, JSON-safe (dates as ISO strings) for the run page and the API alike. */
export type StepView = {
  key: string;
  position: number;
  group: number;
  kind: StepDef["kind"];
  requestedModel: string;
  strongModel: string | null;
  maxCostMicros: number | null;
  status: StepStatus;
  model: string | null;
  requestId: string | null;
  output: string | null;
  error: string | null;
  inputTokens: number;
  outputTokens: number;
  /** The last attempt's cost; `attemptLog` has each finished attempt's, and `totalCostMicros` their sum. */
  costMicros: number;
  latencyMs: number;
  attempts: number;
  attemptLog: StepAttempt[];
  /** What every finished attempt of the step was charged: its part of the run's cost. */
  totalCostMicros: number;
  startedAt: string | null;
  finishedAt: string | null;
  instructions: string | null;
  synthesis: StepDetails["synthesis"] | null;
  /** The viewer's own rating of the step's answer (when getRun is given a userId). */
  myRating: { kind: "thumbs" | "stars"; value: number; comment: string | null } | null;
  /** While a running step waits for a rate limit: which limit, when it tries again, and the line to show. */
  waiting: { limit: string; retryAt: string; retryInSeconds: number; message: string } | null;
};

export type RunView = {
  id: string;
  teamId: string;
  pipelineId: string;
  pipelineName: string;
  status: RunStatus;
  input: string;
  output: string | null;
  error: string | null;
  costMicros: number;
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: { done: number; total: number };
  /** Why a queued run has not started yet (derived when read); null once it runs. */
  queuedReason: string | null;
  steps: StepView[];
};

function waitingView(w: StepDetails["waiting"]): StepView["waiting"] {
  if (!w) return null;
  const retryInSeconds = Math.max(0, Math.ceil((w.until - Date.now()) / 1000));
  return { limit: w.limit, retryAt: new Date(w.until).toISOString(), retryInSeconds, message: `Waiting for the rate limit — retrying in ${retryInSeconds} s. ${w.limit}` };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

async function modelInfo(db: Db): Promise<Map<string, ModelInfo>> {
  const rows = await db.select({ name: models.name, enabled: models.enabled, inputPriceMicros: models.inputPriceMicros, outputPriceMicros: models.outputPriceMicros, maxOutputTokens: models.maxOutputTokens }).from(models);
  return new Map(rows.map((r) => [r.name, r]));
}

/** Parses and checks a definition; throws UserError with per-field errors (`steps.1.template`, …). */
export async function checkDefinition(db: Db, input: PipelineInput) {
  const res = pipelineInputSchema.safeParse(input, { error: plainIssue });
  if (!res.success) {
    const errors = fieldErrorsOf(res.error, { nested: true });
    throw new UserError(summarizeFieldErrors(errors, pipelineFieldLabel), errors);
  }
  const parsed = res.data;
  const steps = parsed.steps.map((s) => ({ ...s, ...(s.kind === "synthesis" ? { strongModel: s.strongModel ?? "auto" } : { strongModel: undefined }) })) as StepDef[];
  const errors = validateSteps(steps, await modelInfo(db));
  const first = Object.values(errors)[0];
  if (first) throw new UserError(first[0], errors);
  return { ...parsed, steps: steps.map((s) => JSON.parse(JSON.stringify(s)) as StepDef) };
}

export async function createPipeline(db: Db, input: PipelineInput & { teamId: string; userId?: string | null }): Promise<Pipeline> {
  const def = await checkDefinition(db, input);
  const [row] = await db.insert(pipelines).values({ teamId: input.teamId, name: def.name, description: def.description, steps: def.steps, createdBy: input.userId ?? null }).returning();
  return row;
}

export async function updatePipeline(db: Db, input: PipelineInput & { teamId: string; pipelineId: string }): Promise<Pipeline> {
  const def = await checkDefinition(db, input);
  const [row] = await db
    .update(pipelines)
    .set({ name: def.name, description: def.description, steps: def.steps, updatedAt: new Date() })
    .where(and(eq(pipelines.id, input.pipelineId), eq(pipelines.teamId, input.teamId), eq(pipelines.archived, false)))
    .returning();
  if (!row) throw new NotFoundError("No such pipeline in this team.");
  return row;
}

export async function archivePipeline(db: Db, teamId: string, pipelineId: string) {
  const [row] = await db.update(pipelines).set({ archived: true, updatedAt: new Date() }).where(and(eq(pipelines.id, pipelineId), eq(pipelines.teamId, teamId))).returning({ id: pipelines.id });
  if (!row) throw new NotFoundError("No such pipeline in this team.");
}

export async function getPipeline(db: Db, teamId: string, pipelineId: string): Promise<Pipeline | null> {
  const [row] = await db.select().from(pipelines).where(and(eq(pipelines.id, pipelineId), eq(pipelines.teamId, teamId)));
  return row ?? null;
}

export async function listPipelines(db: Db, teamId: string) {
  const rows = await db.select().from(pipelines).where(and(eq(pipelines.teamId, teamId), eq(pipelines.archived, false))).orderBy(desc(pipelines.updatedAt));
  const counts = rows.length
    ? await db
        .select({ pipelineId: pipelineRuns.pipelineId, runs: sql<number>`count(*)::int`, lastRunAt: sql<Date>`max(${pipelineRuns.createdAt})` })
        .from(pipelineRuns)
        .where(and(eq(pipelineRuns.teamId, teamId), inArray(pipelineRuns.pipelineId, rows.map((r) => r.id))))
        .groupBy(pipelineRuns.pipelineId)
    : [];
  const by = new Map(counts.map((c) => [c.pipelineId, c]));
  return rows.map((p) => ({ ...p, runs: by.get(p.id)?.runs ?? 0, lastRunAt: by.get(p.id)?.lastRunAt ?? null }));
}

export async function listRuns(db: Db, teamId: string, opts: { pipelineId?: string; limit?: number } = {}) {
  const rows = await db
    .select({
      id: pipelineRuns.id,
      pipelineId: pipelineRuns.pipelineId,
      pipelineName: pipelines.name,
      status: pipelineRuns.status,
      input: sql<string>`left(${pipelineRuns.input}, 200)`,
      error: pipelineRuns.error,
      costMicros: pipelineRuns.costMicros,
      createdAt: pipelineRuns.createdAt,
      finishedAt: pipelineRuns.finishedAt,
    })
    .from(pipelineRuns)
    .innerJoin(pipelines, eq(pipelines.id, pipelineRuns.pipelineId))
    .where(and(eq(pipelineRuns.teamId, teamId), opts.pipelineId ? eq(pipelineRuns.pipelineId, opts.pipelineId) : undefined))
    .orderBy(desc(pipelineRuns.createdAt))
    .limit(opts.limit ?? 20);
  const reasons = await queuedReasons(db, teamId, rows.filter((r) => r.status === "queued").map((r) => r.id));
  return rows.map((r) => ({ ...r, queuedReason: reasons.get(r.id) ?? null }));
}

/**
 * Starts a run of a saved pipeline: one run row and one pending row per step (each carrying its
 * definition as it is now, so editing the pipeline later does not change this run), then hands
 * the run to the runner. Returns at once; follow progress with `getRun`. Refuses with the budget's
 * `BudgetExceededError` (402) when a hard budget cannot hold even the first stage's calls, a
 * start without an API key (the dashboard's) with `RateLimitedError` past the team's requests per
 * minute, and a start by a `userId` no longer a member (or without `pipelines:run`) with `ForbiddenError`.
 */
export async function startRun(db: Db, input: { teamId: string; pipelineId: string; input: string; userId?: string | null; apiKeyId?: string | null }): Promise<RunView> {
  const p = await getPipeline(db, input.teamId, input.pipelineId);
  if (!p || p.archived) throw new NotFoundError("No such pipeline in this team.");
  if (!input.input.trim()) throw new UserError("Give the run an input.", { input: ["Give the run an input."] });
  // A hard budget that cannot hold even the first steps' calls refuses the run (402) before any row is written.
  await refuseUnaffordableStart(db, { teamId: input.teamId, userId: input.userId ?? null, apiKeyId: input.apiKeyId ?? null }, p.steps as StepDef[], input.input);
  // A start from the dashboard is one of the team's requests, as a start through the API is one of
  // the key's and the team's (the gateway admits it): past the limit it is refused, saying when to retry.
  if (!input.apiKeyId) await rateLimiter().admit(db, await teamBuckets(db, input.teamId));
  const runId = await inTransaction(db, async (tx) => {
    // A dashboard start is its starter's: removing them cancels it, whether it commits before the
    // removal or is refused after it (lib/auth `lockMembership`).
    if (input.userId) await lockMembership(tx, { teamId: input.teamId, userId: input.userId, scope: "pipelines:run", refused: "the run was not started" });
    const [run] = await tx.insert(pipelineRuns).values({ pipelineId: p.id, teamId: input.teamId, input: input.input, startedBy: input.userId ?? null }).returning({ id: pipelineRuns.id });
    await tx.insert(pipelineSteps).values(
      (p.steps as StepDef[]).map((def, i) => ({
        runId: run.id,
        stepKey: def.key,
        position: i,
        model: null,
        details: { def, apiKeyId: input.apiKeyId ?? null } satisfies StepDetails,
      })),
    );
    return run.id;
  });
  await dispatchRun(runId);
  return (await getRun(db, input.teamId, runId))!;
}

/** A run with its steps, or null when the team has no such run. `userId` adds that person's ratings. */
export async function getRun(db: Db, teamId: string, runId: string, opts: { userId?: string | null } = {}): Promise<RunView | null> {
  const [row] = await db
    .select({ run: pipelineRuns, name: pipelines.name })
    .from(pipelineRuns)
    .innerJoin(pipelines, eq(pipelines.id, pipelineRuns.pipelineId))
    .where(and(eq(pipelineRuns.id, runId), eq(pipelineRuns.teamId, teamId)));
  if (!row) return null;
  const steps = await db.select().from(pipelineSteps).where(eq(pipelineSteps.runId, runId)).orderBy(asc(pipelineSteps.position));
  const reqIds = steps.map((s) => s.requestId).filter((x): x is string => !!x);
  const mine =
    opts.userId && reqIds.length
      ? await db
          .select({ requestId: ratings.requestId, value: ratings.value, kind: ratings.kind, comment: ratings.comment })
          .from(ratings)
          .where(and(eq(ratings.teamId, teamId), eq(ratings.userId, opts.userId), inArray(ratings.requestId, reqIds)))
      : [];
  const rated = new Map(mine.map(({ requestId, ...r }) => [requestId, r]));
  const r = row.run;
  const views: StepView[] = steps.map((s) => {
    const d = s.details as StepDetails;
    return {
      key: s.stepKey,
      position: s.position,
      group: d.def.group,
      kind: d.def.kind,
      requestedModel: d.def.model,
      strongModel: d.def.kind === "synthesis" ? (d.def.strongModel ?? "auto") : null,
      maxCostMicros: d.def.maxCostMicros ?? null,
      status: s.status,
      model: s.model ?? ((d as { model?: string }).model || null),
      requestId: s.requestId,
      output: s.output,
      error: s.error,
      inputTokens: s.inputTokens,
      outputTokens: s.outputTokens,
      costMicros: s.costMicros,
      latencyMs: s.latencyMs,
      attempts: s.attempts,
      attemptLog: d.attemptLog ?? [],
      // Steps run before attempts were logged have only their last attempt's cost.
      totalCostMicros: d.attemptLog ? d.attemptLog.reduce((sum, a) => sum + a.costMicros, 0) : s.costMicros,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      instructions: d.instructions ?? null,
      synthesis: d.synthesis ?? null,
      myRating: s.requestId ? (rated.get(s.requestId) ?? null) : null,
      waiting: s.status === "running" ? waitingView(d.waiting) : null,
    };
  });
  return {
    id: r.id,
    teamId: r.teamId,
    pipelineId: r.pipelineId,
    pipelineName: row.name,
    status: r.status,
    input: r.input,
    output: r.output,
    error: r.error,
    costMicros: r.costMicros,
    cancelRequested: r.cancelRequested,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    progress: { done: views.filter((s) => s.status === "succeeded").length, total: views.length },
    queuedReason: r.status === "queued" && !r.cancelRequested ? await queuedReason(db, teamId, r.id) : null,
    steps: views,
  };
}

/**
 * Asks a queued or running run to stop. A queued run stops at once; a running one stops its
 * in-flight calls (at once in this process, within about a second on another worker). Steps that
 * finished keep their results.
 */
export async function cancelRun(db: Db, teamId: string, runId: string): Promise<RunView> {
  const rows = await requestCancels(db, teamId, eq(pipelineRuns.id, runId));
  if (!rows.length) {
    const current = await getRun(db, teamId, runId);
    if (!current) throw new NotFoundError("No such run in this team.");
    throw new UserError(`This run has already ${current.status === "cancelled" ? "been cancelled" : current.status}; there is nothing to cancel.`);
  }
  await finishCancels(db, rows);
  return (await getRun(db, teamId, runId))!;
}

export type CancelRequest = { id: string; status: RunStatus };

/** A team's runs that a cancel can still stop: queued or running. */
export const cancellableRuns = (teamId: string) => and(eq(pipelineRuns.teamId, teamId), inArray(pipelineRuns.status, ["queued", "running"]));

/**
 * The first half of a cancel: marks the team's queued and running runs that `which` picks, with
 * `reason` as the run's error (shown on its page), and returns them for `finishCancels`. Split so
 * that a removal marks its member's runs in its own transaction and stops them after the commit.
 */
export function requestCancels(db: Db, teamId: string, which: SQL, reason?: string): Promise<CancelRequest[]> {
  return db
    .update(pipelineRuns)
    .set({ cancelRequested: true, ...(reason ? { error: reason } : {}) })
    .where(and(cancellableRuns(teamId), which))
    .returning({ id: pipelineRuns.id, status: pipelineRuns.status });
}

/** The second half: a queued run is cancelled at once, a running one's calls in this process are aborted (elsewhere its heartbeat reads the mark). */
export async function finishCancels(db: Db, runs: CancelRequest[]) {
  for (const r of runs) {
    if (r.status === "queued") await finishCancelled(db, r.id);
    abortLocal(r.id);
  }
}

/**
 * Runs a stopped run again from a failed, cancelled or skipped step: that step and every step
 * after it that did not succeed go back to pending; succeeded steps keep their results and are
 * not run again.
 */
export async function retryStep(db: Db, input: { teamId: string; runId: string; stepKey: string }): Promise<RunView> {
  await db.transaction(async (tx) => {
    const [run] = await tx.select().from(pipelineRuns).where(and(eq(pipelineRuns.id, input.runId), eq(pipelineRuns.teamId, input.teamId))).for("update");
    if (!run) throw new NotFoundError("No such run in this team.");
    if (run.status !== "failed" && run.status !== "cancelled") throw new UserError(`Only a failed or cancelled run can be retried; this one is ${run.status}.`);
    const [step] = await tx.select().from(pipelineSteps).where(and(eq(pipelineSteps.runId, run.id), eq(pipelineSteps.stepKey, input.stepKey)));
    if (!step) throw new NotFoundError(`This run has no step "${input.stepKey}".`);
    if (step.status === "succeeded") throw new UserError(`Step "${input.stepKey}" succeeded; its result is kept and it is not run again.`);
    await tx
      .update(pipelineSteps)
      .set({ status: "pending", error: null, output: null, finishedAt: null })
      .where(and(eq(pipelineSteps.runId, run.id), inArray(pipelineSteps.status, ["failed", "cancelled", "skipped"])));
    await tx.update(pipelineRuns).set({ status: "queued", error: null, output: null, cancelRequested: false, finishedAt: null }).where(eq(pipelineRuns.id, run.id));
  });
  await dispatchRun(input.runId);
  return (await getRun(db, input.teamId, input.runId))!;
}

/** For tests and scripts: resolves when the run reaches a final status (or throws after `timeoutMs`). */
export async function waitForRun(db: Db, teamId: string, runId: string, timeoutMs = 30_000): Promise<RunView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(db, teamId, runId);
    if (!run) throw new NotFoundError("No such run in this team.");
    if (run.status !== "queued" && run.status !== "running") return run;
    if (Date.now() > until) throw new Error(`Run ${runId} still ${run.status} after ${timeoutMs} ms.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

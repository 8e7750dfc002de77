import { and, asc, eq, inArray, or, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Db } from "@/db";
import { apiKeys, pipelineRuns, pipelineSteps, requests } from "@/db/schema";
import { callerCostMicros, delegateStream, type DelegateEvent, type DelegateResult } from "@/lib/execution/delegate";
import { DelegateError, KeyRevokedError } from "@/lib/execution/errors";
import { formatUsdApart } from "@/lib/format";
import { limitIdOf } from "@/lib/auth/api-keys";
import { admitCall, apiKeyBuckets, RateLimitedError, teamBuckets, type Bucket } from "@/lib/ratelimit";
import { outputAllowance, StepStopError } from "./caps";
import type { StepDef } from "./schemas";
import { synthesisStream, type SynthesisResult } from "./synthesis";
import { renderTemplate } from "./template";
import { stagesOf } from "./validate";

/** What a step row's `details` holds: its definition as the run started, and the runner's claim. */
export type StepDetails = {
  def: StepDef;
  apiKeyId?: string | null;
  claim?: string;
  worker?: string;
  /** Epoch ms (database clock) of the claimant's last sign of life. */
  heartbeat?: number;
  failedRequestId?: string | null;
  synthesis?: Omit<SynthesisResult, "task" | "execution"> & { execution: Omit<SynthesisResult["execution"], "text"> };
  instructions?: string;
  /** Each attempt that finished (succeeded, failed or was cancelled) with what it was charged, oldest first. */
  attemptLog?: StepAttempt[];
  /** Set while the step waits for a rate limit: which limit, and when (epoch ms) it tries again. */
  waiting?: { limit: string; until: number } | null;
};

/** One finished attempt of a step: the step row shows the last one; the run's cost counts them all. */
export type StepAttempt = { attempt: number; status: "succeeded" | "failed" | "cancelled"; inputTokens: number; outputTokens: number; costMicros: number; requestId: string | null };

/** `details` with `patch` merged in and `a` appended to the attempt log. */
const withAttempt = (patch: Record<string, unknown>, a: StepAttempt) =>
  sql`(${pipelineSteps.details} - 'waiting') || ${JSON.stringify(patch)}::jsonb || jsonb_build_object('attemptLog', coalesce(${pipelineSteps.details}->'attemptLog', '[]'::jsonb) || ${JSON.stringify([a])}::jsonb)`;

export type RunnerOptions = { leaseMs?: number; workerId?: string };

export const DEFAULT_LEASE_MS = 30_000;
export function leaseMs(opts?: RunnerOptions): number {
  return opts?.leaseMs ?? (Number(process.env.MC_PIPELINE_LEASE_MS) || DEFAULT_LEASE_MS);
}

export const DEFAULT_RATE_LIMIT_WAIT_MS = 120_000;
/** How long in all a step attempt may wait for rate limits before it fails (`MC_PIPELINE_RATE_LIMIT_WAIT_MS`). */
export function rateLimitWaitMs(): number {
  const raw = process.env.MC_PIPELINE_RATE_LIMIT_WAIT_MS?.trim();
  const v = Number(raw);
  return raw && Number.isFinite(v) && v >= 0 ? v : DEFAULT_RATE_LIMIT_WAIT_MS;
}

/** Resolves after `ms`, or rejects at once when `signal` aborts (a cancel during a wait). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}

const NOW_MS = sql`(extract(epoch from clock_timestamp()) * 1000)::bigint`;
const FLUSH_MS = 300;

type G = { __mcPipelineAborts?: Map<string, Set<AbortController>> };
const aborts = ((globalThis as G).__mcPipelineAborts ??= new Map());

/** Aborts this process's in-flight calls of a run (cancellation from the same process is immediate). */
export function abortLocal(runId: string) {
  for (const c of aborts.get(runId) ?? []) c.abort(new Error("cancelled"));
}

export type ExecuteOutcome = "finished" | "handed-off" | "missing";

/**
 * Runs a pipeline run to its end, stage by stage, from wherever it stands. Safe to call on the
 * same run from several workers at once and after a crash: a step is claimed with a conditional
 * UPDATE (pending, or running under a lease that has expired), so a step that `succeeded` is
 * never run again and a live claimant is never doubled. When another worker holds a step this
 * one needs, it returns "handed-off" and leaves the run to that worker.
 */
export async function executeRun(db: Db, runId: string, opts: RunnerOptions = {}): Promise<ExecuteOutcome> {
  const lease = leaseMs(opts);
  const worker = opts.workerId ?? `pid-${process.pid}`;
  for (;;) {
    const [run] = await db.select().from(pipelineRuns).where(eq(pipelineRuns.id, runId));
    if (!run) return "missing";
    if (run.status !== "queued" && run.status !== "running") return "finished";
    if (run.cancelRequested) {
      await finishCancelled(db, runId);
      return "finished";
    }
    if (run.status === "queued") {
      await db
        .update(pipelineRuns)
        .set({ status: "running", startedAt: sql`coalesce(${pipelineRuns.startedAt}, now())` })
        .where(and(eq(pipelineRuns.id, runId), eq(pipelineRuns.status, "queued")));
      continue;
    }

    const steps = await db.select().from(pipelineSteps).where(eq(pipelineSteps.runId, runId)).orderBy(asc(pipelineSteps.position));
    const outputs: Record<string, string | null> = {};
    for (const s of steps) if (s.status === "succeeded") outputs[s.stepKey] = s.output;
    const stages = stagesOf(steps.map((s) => ({ row: s, group: (s.details as StepDetails).def.group })));
    const stage = stages.find((st) => st.some((s) => s.row.status !== "succeeded"));
    if (!stage) {
      await finishSucceeded(db, runId, stages.at(-1)!.map((s) => s.row));
      return "finished";
    }
    const stopped = stage.find((s) => s.row.status === "failed" || s.row.status === "cancelled" || s.row.status === "skipped");
    if (stopped) {
      await finishFailed(db, runId, `Step "${stopped.row.stepKey}" ${stopped.row.status}${stopped.row.error ? `: ${stopped.row.error}` : "."}`);
      return "finished";
    }

    const todo = stage.filter((s) => s.row.status !== "succeeded");
    const claimed: { row: typeof steps[number]; claim: string }[] = [];
    for (const { row } of todo) {
      const claim = crypto.randomUUID();
      const got = await db
        .update(pipelineSteps)
        .set({
          status: "running",
          attempts: sql`${pipelineSteps.attempts} + 1`,
          startedAt: sql`now()`,
          finishedAt: null,
          error: null,
          output: null,
          model: null,
          requestId: null,
          inputTokens: 0,
          outputTokens: 0,
          costMicros: 0,
          latencyMs: 0,
          details: sql`(${pipelineSteps.details} - 'synthesis' - 'instructions' - 'failedRequestId' - 'waiting') || jsonb_build_object('claim', ${claim}::text, 'worker', ${worker}::text, 'heartbeat', ${NOW_MS})`,
        })
        .where(
          and(
            eq(pipelineSteps.id, row.id),
            or(eq(pipelineSteps.status, "pending"), and(eq(pipelineSteps.status, "running"), sql`coalesce((${pipelineSteps.details}->>'heartbeat')::bigint, 0) < ${NOW_MS} - ${lease}`)),
          ),
        )
        .returning();
      if (got.length) claimed.push({ row: got[0], claim });
    }
    if (!claimed.length) return "handed-off";

    const results = await Promise.all(claimed.map((c) => runStep(db, run, c.row, c.claim, outputs, lease)));
    if (results.includes("lost")) return "handed-off";
    // Loop: reload, and either go on to the next stage, finish, or stop at a failure.
  }
}

type StepRow = typeof pipelineSteps.$inferSelect;
type RunRow = typeof pipelineRuns.$inferSelect;

async function runStep(db: Db, run: RunRow, row: StepRow, claim: string, outputs: Record<string, string | null>, lease: number): Promise<"done" | "lost"> {
  const details = row.details as StepDetails;
  const def = details.def;
  const ctl = new AbortController();
  const set = aborts.get(run.id) ?? new Set();
  set.add(ctl);
  aborts.set(run.id, set);
  const mine = and(eq(pipelineSteps.id, row.id), eq(pipelineSteps.status, "running"), sql`${pipelineSteps.details}->>'claim' = ${claim}`);

  let text = "";
  let dirty = false;
  let lastWrite = Date.now();
  let lost = false;
  let writing: Promise<void> | null = null;
  const patch: Record<string, unknown> = {};
  const flush = async () => {
    const out = dirty ? text : undefined;
    dirty = false;
    const extra = JSON.stringify(patch);
    const rows = await db
      .update(pipelineSteps)
      .set({ ...(out !== undefined ? { output: out } : {}), details: sql`${pipelineSteps.details} || ${extra}::jsonb || jsonb_build_object('heartbeat', ${NOW_MS})` })
      .where(mine)
      .returning({ cancel: sql<boolean>`(select r.cancel_requested from pipeline_runs r where r.id = ${pipelineSteps.runId})` });
    lastWrite = Date.now();
    if (!rows.length) {
      lost = true;
      ctl.abort(new Error("lease lost"));
    } else if (rows[0].cancel) ctl.abort(new Error("cancelled"));
  };
  const write = () =>
    (writing = flush()
      .catch((e) => console.error("[pipelines] heartbeat failed", e))
      .finally(() => {
        writing = null;
      }));
  const timer = setInterval(() => {
    if (writing || (!dirty && Date.now() - lastWrite < Math.min(1000, lease / 3))) return;
    void write();
  }, FLUSH_MS);

  // A call refused by a rate limit waits out its Retry-After and asks again, while the step shows
  // that it waits (in its row, so every reader and a reload see it), up to rateLimitWaitMs() per
  // attempt in all; a cancel ends the wait at once. Only past that bound does the step fail.
  const bound = rateLimitWaitMs();
  let waited = 0;
  const showWaiting = async (w: StepDetails["waiting"]) => {
    patch.waiting = w;
    await writing;
    await write();
  };
  const admitWaiting = async (buckets: Bucket[], maxTokens: number) => {
    for (;;) {
      try {
        return await (await admitCall(db, buckets))(maxTokens);
      } catch (e) {
        if (!(e instanceof RateLimitedError)) throw e;
        const ms = e.retryAfterSeconds * 1000;
        if (waited + ms > bound) {
          const s = (n: number) => `${Math.round(n / 1000)} s`;
          throw new RateLimitedError(
            `${e.message} The step ${waited ? `waited ${s(waited)} and ` : ""}would have had to wait ${s(ms)} more, past the ${s(bound)} a pipeline step waits for rate limits (MC_PIPELINE_RATE_LIMIT_WAIT_MS); retry the step later.`,
            e.retryAfterSeconds,
            e.limit,
          );
        }
        await showWaiting({ limit: e.limit, until: Date.now() + ms });
        await sleep(ms, ctl.signal);
        waited += ms;
        await showWaiting(null);
      }
    }
  };

  // What a synthesis step's instructions cost, once written: charged even if the answer then fails.
  let before = { inputTokens: 0, outputTokens: 0, costMicros: 0 };
  const onEvent = (ev: DelegateEvent) => {
    if (ev.type === "start") patch.model = ev.model;
    else if (ev.type === "delta") {
      text += ev.text;
      dirty = true;
    } else if (ev.type === "fallback") {
      // The page names the model now answering, not the one that failed.
      patch.model = ev.to;
      dirty = true;
      if (ev.discardOutput) text = "";
    }
  };

  try {
    const prompt = renderTemplate(def.template, { input: run.input, steps: outputs });
    // A run started with an API key keeps to that key's model allow-list, as its direct calls do,
    // and stops once the key is revoked (reserve alone refuses it only for a minute after).
    // Its calls count against the key's and the team's rate limits too, as the key's own calls do;
    // a run started from the dashboard's against the team's.
    const [key] = details.apiKeyId ? await db.select().from(apiKeys).where(eq(apiKeys.id, details.apiKeyId)) : [];
    if (key?.revokedAt) throw new KeyRevokedError();
    const buckets = key ? await apiKeyBuckets(db, { ...key, limitId: limitIdOf(key) }) : await teamBuckets(db, run.teamId);
    const common = {
      teamId: run.teamId,
      userId: run.startedBy,
      apiKeyId: details.apiKeyId ?? null,
      modelAllowList: key?.modelAllowList.length ? key.modelAllowList : undefined,
      tokenGate: (maxTokens: number) => admitWaiting(buckets, maxTokens),
      source: "pipeline" as const,
      pipelineRunId: run.id,
      signal: ctl.signal,
    };
    let result: DelegateResult;
    let synth: SynthesisResult | undefined;
    if (def.kind === "synthesis") {
      const it = synthesisStream(db, { ...common, task: prompt, strongModel: def.strongModel, cheapModel: def.model, capMicros: def.maxCostMicros, maxOutputTokens: def.maxOutputTokens, stepKey: def.key });
      for (;;) {
        const { value, done } = await it.next();
        if (done) {
          synth = value;
          break;
        }
        if (value.phase === "instructions") {
          if (value.event.type === "done") {
            const r = value.event.result;
            patch.instructions = r.text;
            before = { inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens, costMicros: callerCostMicros(r) };
          }
          continue;
        }
        onEvent(value.event);
      }
      result = { requestId: synth.execution.requestId, model: synth.execution.model, text: synth.execution.text, costMicros: synth.totalCostMicros } as DelegateResult;
    } else {
      const it = delegateStream(db, {
        ...common,
        task: prompt,
        model: def.model,
        restartAfterPartialOutput: true,
        constraints: def.maxCostMicros !== undefined && def.model === "auto" ? { maxCostMicros: def.maxCostMicros } : undefined,
        maxOutputTokens: await outputAllowance(db, { model: def.model, prompt, capMicros: def.maxCostMicros, wanted: def.maxOutputTokens, stepKey: def.key }),
      });
      for (;;) {
        const { value, done } = await it.next();
        if (done) {
          result = value;
          break;
        }
        onEvent(value);
      }
    }
    clearInterval(timer);
    await writing;
    if (lost) return "lost";

    const usage = synth
      ? { inputTokens: synth.instructions.inputTokens + synth.execution.inputTokens, outputTokens: synth.instructions.outputTokens + synth.execution.outputTokens }
      : { inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens };
    const latencyMs = synth ? synth.instructions.latencyMs + synth.execution.latencyMs : result.latencyMs;
    const cost = callerCostMicros(result);
    const overCap = def.maxCostMicros !== undefined && cost > def.maxCostMicros;
    const [costUsd, capUsd] = formatUsdApart(cost, def.maxCostMicros ?? 0);
    const extra: Partial<StepDetails> = synth ? { synthesis: { ...synth, execution: omitText(synth.execution) }, instructions: synth.instructions.text } : {};
    const status = overCap ? "failed" : "succeeded";
    const done = await db
      .update(pipelineSteps)
      .set({
        status,
        error: overCap ? `Step "${def.key}" cost ${costUsd}, over its cap of ${capUsd} (auto chose ${result.model}, estimated within the cap). The answer is kept; raise the cap or name a cheaper model.` : null,
        output: result.text,
        model: result.model,
        requestId: result.requestId,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        costMicros: cost,
        latencyMs,
        finishedAt: sql`now()`,
        details: withAttempt(extra, { attempt: row.attempts, status, ...usage, costMicros: cost, requestId: result.requestId }),
      })
      .where(mine)
      .returning({ id: pipelineSteps.id });
    await refreshRunCost(db, run.id);
    return done.length ? "done" : "lost";
  } catch (e) {
    clearInterval(timer);
    await writing;
    if (lost) return "lost";
    delete patch.waiting;
    const cancelled = ctl.signal.aborted;
    const message =
      e instanceof DelegateError || e instanceof StepStopError || e instanceof RateLimitedError
        ? e.message
        : e instanceof Error && /has no output yet|Unknown placeholder/.test(e.message)
          ? e.message
          : `Internal error: ${(e as Error)?.message ?? String(e)}`;
    if (!(e instanceof DelegateError) && !(e instanceof StepStopError) && !(e instanceof RateLimitedError) && !cancelled) console.error(`[pipelines] step ${def.key} of run ${run.id}`, e);
    const failedRequestId = e instanceof DelegateError || e instanceof StepStopError ? e.requestId : null;
    // A failed call is charged for output that had begun (and a synthesis step for its instructions).
    const charged = {
      inputTokens: before.inputTokens + (e instanceof DelegateError ? e.usage.inputTokens : 0),
      outputTokens: before.outputTokens + (e instanceof DelegateError ? e.usage.outputTokens : 0),
      costMicros: before.costMicros + (e instanceof DelegateError ? e.costMicros : 0),
    };
    const status = cancelled ? "cancelled" : "failed";
    const res = await db
      .update(pipelineSteps)
      .set({
        status,
        error: cancelled ? "Cancelled while running." : message,
        output: text || null,
        ...charged,
        // How long the step tried (every fallback included), not the 0 it was claimed with.
        latencyMs: sql`greatest(0, round(extract(epoch from clock_timestamp() - ${pipelineSteps.startedAt}) * 1000))::int`,
        finishedAt: sql`now()`,
        details: withAttempt({ failedRequestId, ...patch }, { attempt: row.attempts, status, ...charged, requestId: failedRequestId }),
      })
      .where(mine)
      .returning({ id: pipelineSteps.id });
    return res.length ? "done" : "lost";
  } finally {
    clearInterval(timer);
    set.delete(ctl);
    if (!set.size) aborts.delete(run.id);
  }
}

function omitText<T extends { text: string }>(x: T): Omit<T, "text"> {
  const { text: _t, ...rest } = x;
  return rest;
}

/**
 * The run's cost is every call recorded for it — a step's attempts before a retry, the
 * instructions of a synthesis step stopped before its answer, a context summary — not the sum
 * of its steps' last attempts. Each row is written before its call returns; the team and the
 * run's start bound the read to the (team_id, created_at) index.
 */
async function refreshRunCost(db: Pick<Db, "update">, runId: string) {
  await db
    .update(pipelineRuns)
    .set({
      costMicros: sql`(select coalesce(sum(q.cost_micros), 0) from ${requests} q
        where q.team_id = ${pipelineRuns.teamId} and q.created_at >= ${pipelineRuns.createdAt} and q.pipeline_run_id = ${pipelineRuns.id})`,
    })
    .where(eq(pipelineRuns.id, runId));
}

const active = inArray(pipelineRuns.status, ["queued", "running"]);

/** How a run ends: its status, with its output or the reason it stopped. */
type RunEnd = { status: "succeeded"; output: string | null; error: null } | { status: "failed"; error: string } | { status: "cancelled" };

/**
 * Ends a run that is still active. Its steps still pending take `pending` (a stopped run's steps
 * say why they never ran), its cost is refreshed and its status set, in one commit: a reader that
 * sees the run ended sees its whole cost.
 */
async function endRun(db: Db, runId: string, end: RunEnd, pending?: PgUpdateSetSource<typeof pipelineSteps>) {
  await db.transaction(async (tx) => {
    if (pending) await tx.update(pipelineSteps).set(pending).where(and(eq(pipelineSteps.runId, runId), eq(pipelineSteps.status, "pending")));
    await refreshRunCost(tx, runId);
    await tx.update(pipelineRuns).set({ ...end, finishedAt: sql`now()` }).where(and(eq(pipelineRuns.id, runId), active));
  });
}

function finishSucceeded(db: Db, runId: string, last: StepRow[]) {
  const output = last.length === 1 ? last[0].output : last.map((s) => `## ${s.stepKey}\n\n${s.output ?? ""}`).join("\n\n");
  return endRun(db, runId, { status: "succeeded", output, error: null });
}

function finishFailed(db: Db, runId: string, reason: string) {
  return endRun(db, runId, { status: "failed", error: reason }, { status: "skipped", error: "Not run: an earlier step stopped the run." });
}

export function finishCancelled(db: Db, runId: string) {
  return endRun(db, runId, { status: "cancelled" }, { status: "cancelled", error: "Cancelled before it ran.", finishedAt: sql`now()` });
}

/**
 * Runs that need a worker: queued or running, with no step under a live lease and no sign of
 * life (start, a finished step, a heartbeat) for a whole lease. Found by every runner's reaper.
 */
export async function findOrphanedRuns(db: Db, lease: number, limit = 20): Promise<string[]> {
  const rows = await db.execute<{ id: string }>(sql`
    select r.id from pipeline_runs r
    where r.status in ('queued', 'running')
      and not exists (
        select 1 from pipeline_steps s
        where s.run_id = r.id and s.status = 'running'
          and coalesce((s.details->>'heartbeat')::bigint, 0) >= ${NOW_MS} - ${lease})
      and greatest(r.created_at, coalesce(r.started_at, r.created_at),
            coalesce((select max(s.finished_at) from pipeline_steps s where s.run_id = r.id), r.created_at))
          < clock_timestamp() - make_interval(secs => ${lease / 1000})
    order by r.created_at
    limit ${limit}`);
  const list = Array.isArray(rows) ? rows : (rows as { rows: { id: string }[] }).rows;
  return list.map((r) => r.id);
}

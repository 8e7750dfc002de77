import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type PgBoss from "pg-boss";
import { pipelineRuns } from "@/db/schema";
import { getDb, type Db } from "@/db";
import { executeRun, findOrphanedRuns, leaseMs } from "./runner";

/**
 * Where runs are executed. With DATABASE_URL each run is a pg-boss job, so any number of app
 * instances and `npm run worker` processes share the work; embedded (PGlite) mode runs them in
 * this process. Either way a reaper re-dispatches runs whose worker stopped showing signs of life.
 * Everything that must be single per process (the pg-boss instance, the local queue) is on globalThis.
 */
export const QUEUE = "pipeline-run";

type LocalRunner = { queue: string[]; active: Set<string>; pending: Set<string>; concurrency: number; started: boolean; db?: Db };
type State = {
  boss?: PgBoss;
  bossStarting?: Promise<PgBoss>;
  working?: boolean;
  /** Runs this process's pg-boss worker takes at a time (unset when it runs none). */
  workerConcurrency?: number;
  local?: LocalRunner;
  reaper?: ReturnType<typeof setInterval>;
};
const g = globalThis as { __mcPipelines?: State };
const state = (g.__mcPipelines ??= {});

export function usesPgBoss(): boolean {
  return !!process.env.DATABASE_URL?.trim();
}

/** The process's one pg-boss instance (created and started on first use; only with DATABASE_URL). */
export async function getBoss(): Promise<PgBoss> {
  if (state.boss) return state.boss;
  if (!usesPgBoss()) throw new Error("pg-boss needs DATABASE_URL; embedded mode runs pipelines in-process.");
  state.bossStarting ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const PgBossCtor = require("pg-boss") as typeof PgBoss;
    const boss = new PgBossCtor({ connectionString: process.env.DATABASE_URL, max: 4, application_name: "mission-control-pipelines" });
    boss.on("error", (e) => console.error("[pipelines] pg-boss", e));
    await boss.start();
    await boss.createQueue(QUEUE, { name: QUEUE, policy: "short", retryLimit: 5, retryDelay: 5, expireInSeconds: 3600 });
    state.boss = boss;
    return boss;
  })().catch((e) => {
    state.bossStarting = undefined;
    throw e;
  });
  return state.bossStarting;
}

/** Hands a run to whoever executes runs. Never throws for a lost dispatch: the reaper catches it. */
export async function dispatchRun(runId: string): Promise<void> {
  try {
    if (usesPgBoss()) {
      // `short` policy + singletonKey: at most one waiting job per run, however often it is sent.
      await (await getBoss()).send(QUEUE, { runId }, { singletonKey: runId });
    } else {
      enqueueLocal(runId);
    }
  } catch (e) {
    console.error(`[pipelines] could not dispatch run ${runId}; the reaper will pick it up`, e);
  }
}

function localRunner(): LocalRunner {
  return (state.local ??= { queue: [], active: new Set(), pending: new Set(), concurrency: Number(process.env.MC_PIPELINE_CONCURRENCY) || 4, started: false });
}

function enqueueLocal(runId: string) {
  const r = localRunner();
  if (r.active.has(runId) || r.pending.has(runId)) return;
  r.pending.add(runId);
  r.queue.push(runId);
  pump();
}

function pump() {
  const r = localRunner();
  // Runs wait in memory until this process's runner is started (server.ts starts it at boot).
  while (r.started && r.active.size < r.concurrency && r.queue.length) {
    const runId = r.queue.shift()!;
    r.pending.delete(runId);
    r.active.add(runId);
    void (async () => {
      try {
        await executeRun(r.db ?? (await getDb()), runId);
      } catch (e) {
        console.error(`[pipelines] run ${runId} stopped unexpectedly; the reaper will resume it`, e);
      } finally {
        r.active.delete(runId);
        pump();
      }
    })();
  }
}

function ensureReaper() {
  if (state.reaper) return;
  const lease = leaseMs();
  state.reaper = setInterval(() => void reapOnce(), Math.max(500, Math.floor(lease / 2)));
  state.reaper.unref?.();
}

/** One pass of the reaper: re-dispatch runs nobody is working on. Returns how many it found. */
export async function reapOnce(db?: Db): Promise<number> {
  try {
    const ids = await findOrphanedRuns(db ?? localRunner().db ?? (await getDb()), leaseMs());
    for (const id of ids) await dispatchRun(id);
    return ids.length;
  } catch (e) {
    console.error("[pipelines] reaper", e);
    return 0;
  }
}

/**
 * Starts executing runs in this process: a pg-boss worker with DATABASE_URL (unless
 * MC_PIPELINE_WORKER=0, for app instances that leave the work to `npm run worker`), otherwise the
 * in-process runner, which also resumes runs a previous process left unfinished. Idempotent.
 */
export async function startPipelineRunner(opts: { db?: Db; concurrency?: number; forceWorker?: boolean } = {}): Promise<void> {
  const r = localRunner();
  if (opts.db) r.db = opts.db;
  if (opts.concurrency) r.concurrency = opts.concurrency;
  if (!usesPgBoss()) {
    r.started = true;
    ensureReaper();
    await reapOnce(opts.db);
    pump();
    return;
  }
  if (process.env.MC_PIPELINE_WORKER === "0" && !opts.forceWorker) return;
  if (state.working) return;
  state.working = true;
  const boss = await getBoss();
  const n = opts.concurrency ?? (Number(process.env.MC_PIPELINE_CONCURRENCY) || 4);
  state.workerConcurrency = n;
  for (let i = 0; i < n; i++) {
    await boss.work<{ runId: string }>(QUEUE, { pollingIntervalSeconds: 1, batchSize: 1 }, async (jobs) => {
      for (const job of jobs) await executeRun(r.db ?? (await getDb()), job.data.runId);
    });
  }
  ensureReaper();
  void reapOnce(opts.db);
}

/** Stops the worker (waiting up to `timeoutMs` for jobs in hand), the reaper and pg-boss's pool. */
export async function stopPipelineRunner(opts: { timeoutMs?: number } = {}): Promise<void> {
  if (state.reaper) clearInterval(state.reaper);
  state.reaper = undefined;
  const boss = state.boss ?? (state.bossStarting ? await state.bossStarting.catch(() => undefined) : undefined);
  state.boss = undefined;
  state.bossStarting = undefined;
  state.working = false;
  state.workerConcurrency = undefined;
  if (boss) await boss.stop({ graceful: true, wait: true, timeout: opts.timeoutMs ?? 15_000 });
  const r = state.local;
  if (r) {
    r.started = false;
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    while (r.active.size && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    r.queue.length = 0;
    r.pending.clear();
    r.db = undefined;
  }
}

const runs = (n: number) => `${n} run${n === 1 ? "" : "s"}`;
const place = (ahead: number) => (ahead === 0 ? "next in line" : `in line behind ${runs(ahead)} queued before it`);

/**
 * The one statement behind a queued run's reason with pg-boss: how many runs are running (and how
 * many of them are `teamId`'s), and for each of `runIds` how many runs were queued before it. One row
 * per run found, each carrying the shared counts (a run deleted meanwhile is first in line). It reads
 * only runs waiting or running, which `pipeline_runs_active_idx` holds, so a long history costs nothing.
 */
export function placeInLine(db: Db, teamId: string, runIds: string[]) {
  const counts = db
    .select({
      running: sql<number>`count(*)::int`.as("running"),
      mine: sql<number>`(count(*) filter (where ${pipelineRuns.teamId} = ${teamId}))::int`.as("mine"),
    })
    .from(pipelineRuns)
    // Statuses written out, not bound: a generic plan with the status as a parameter could not use the partial index.
    .where(sql`${pipelineRuns.status} = 'running'`)
    .as("counts");
  const queued = alias(pipelineRuns, "queued");
  return db
    .select({
      id: pipelineRuns.id,
      running: counts.running,
      mine: counts.mine,
      ahead: sql<number>`${db.select({ n: sql`count(*)::int` }).from(queued).where(and(sql`${queued.status} = 'queued'`, lt(queued.createdAt, pipelineRuns.createdAt)))}`,
    })
    .from(counts)
    .leftJoin(pipelineRuns, inArray(pipelineRuns.id, runIds));
}

/**
 * Why each of a team's queued runs has not started, in words, derived when they are read (nothing
 * is stored). Runs wait for a free slot of whoever executes them: this process's in-memory runner
 * (MC_PIPELINE_CONCURRENCY runs at a time, per process, for all teams together) or, with
 * DATABASE_URL, any pg-boss worker. The counts are read once for all `runIds` (at most one
 * statement, however many runs are listed); each run gets its own place in line.
 */
export async function queuedReasons(db: Db, teamId: string, runIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!runIds.length) return out;
  if (!usesPgBoss()) {
    const r = localRunner();
    if (!r.started) {
      for (const id of runIds) out.set(id, "Queued: this server's pipeline runner has not started yet; the run starts when it does.");
      return out;
    }
    const waiting = runIds.filter((id) => !r.active.has(id) && r.queue.includes(id));
    const mine = waiting.length && r.active.size ? await db.$count(pipelineRuns, and(eq(pipelineRuns.teamId, teamId), inArray(pipelineRuns.id, [...r.active]))) : 0;
    for (const id of runIds) {
      const ahead = r.queue.indexOf(id);
      if (r.active.has(id)) out.set(id, "Starting.");
      else if (ahead < 0) out.set(id, `Queued: waiting to be picked up again (a run nobody is working on is resumed within ${Math.round(leaseMs() / 1000)} s).`);
      else
        out.set(
          id,
          `Queued: this server runs ${r.concurrency} pipeline ${r.concurrency === 1 ? "run" : "runs"} at a time (MC_PIPELINE_CONCURRENCY) and ${runs(r.active.size)} ${r.active.size === 1 ? "is" : "are"} running (${mine} of them this team's); this one is ${place(ahead)} and starts when one ends.`,
        );
    }
    return out;
  }
  const rows = await placeInLine(db, teamId, runIds);
  const each = state.workerConcurrency ? `this server's worker runs ${state.workerConcurrency} at a time` : "each worker runs MC_PIPELINE_CONCURRENCY (default 4) at a time";
  const { running, mine } = rows[0];
  const aheadOf = new Map(rows.map((c) => [c.id, c.ahead ?? 0]));
  for (const id of runIds) {
    const ahead = aheadOf.get(id) ?? 0;
    if (!running && !ahead) {
      out.set(id, `Queued: no pipeline worker has taken it yet. Workers poll every second; if it stays queued, none is running — start one with npm run worker (app servers with MC_PIPELINE_WORKER=0 run none).`);
    } else {
      out.set(id, `Queued: waiting for a free pipeline worker (${each}). ${runs(running)} ${running === 1 ? "is" : "are"} running (${mine} of them this team's); this one is ${place(ahead)} and starts when one ends.`);
    }
  }
  return out;
}

/** Why one queued run has not started (see `queuedReasons`). */
export async function queuedReason(db: Db, teamId: string, runId: string): Promise<string> {
  return (await queuedReasons(db, teamId, [runId])).get(runId)!;
}

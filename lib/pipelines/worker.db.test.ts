import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db";
import { pipelineSteps, requests } from "@/db/schema";
import { seedFleet } from "@/db/seed";
import { createUser } from "@/lib/auth/users";
import { createTeam } from "@/lib/teams/service";
import { startMockFleet } from "@/mock-fleet/server";
import { freshDb } from "@/test/db";
import { stopPipelineRunner } from "./queue";
import { createPipeline, getRun, startRun, waitForRun } from "./service";
import type { StepDef } from "./schemas";

/**
 * Real worker processes (`scripts/worker.ts`) sharing runs through pg-boss: only meaningful on
 * Postgres. On PGlite the same recovery path is covered in pipelines.db.test.ts with the state a
 * killed worker leaves behind.
 */
const onPostgres = !!process.env.DATABASE_URL;

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let fleet: Awaited<ReturnType<typeof startMockFleet>>;
let teamId: string;
let userId: string;
const workers: ChildProcess[] = [];

function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(process.cwd(), "scripts/worker.ts")], {
    cwd: process.cwd(),
    env: { ...process.env, MC_PIPELINE_LEASE_MS: "2000", MC_PIPELINE_CONCURRENCY: "4", NODE_ENV: "test" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  workers.push(child);
  let log = "";
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker did not start:\n${log}`)), 30_000);
    const onData = (b: Buffer) => {
      log += b.toString();
      if (log.includes("ready")) {
        clearTimeout(t);
        resolve(child);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (b: Buffer) => (log += b.toString()));
    child.on("exit", (code) => {
      clearTimeout(t);
      if (!log.includes("ready")) reject(new Error(`worker exited (${code}):\n${log}`));
    });
  });
}
const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null || c.signalCode ? r(c.exitCode) : c.once("exit", (code) => r(code))));

const steps: StepDef[] = [
  { key: "one", kind: "prompt", model: "gpt-4o-mini", group: 0, template: "Summarise: {{input}}" },
  { key: "two", kind: "prompt", model: "claude-3-5-haiku-20241022", group: 1, template: "Write a long, detailed analysis of: {{steps.one}}" },
  { key: "three", kind: "prompt", model: "mistral-small-latest", group: 2, template: "Improve: {{steps.two}}" },
];

describe.skipIf(!onPostgres)("pipeline workers on postgres (pg-boss)", () => {
  beforeAll(async () => {
    db = (await freshDb()).db;
    fleet = await startMockFleet({ port: 0, seed: 5 });
    await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
    userId = (await createUser(db, { name: "w", email: "w@t.test", password: "password-123" })).id;
    teamId = (await createTeam(db, { name: "W", slug: "w", ownerId: userId })).id;
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && !w.signalCode) w.kill("SIGKILL");
    await stopPipelineRunner();
    await fleet?.close();
    await closeDb();
  });

  it("a worker killed mid-run: another finishes the run, and no finished step runs twice", async () => {
    await fleet.configure({ defaults: { latencyMs: 5, tokensPerSecond: 0 }, models: { "claude-3-5-haiku-20241022": { tokensPerSecond: 25 } } });
    const a = await startWorker();
    const p = await createPipeline(db, { teamId, userId, name: "kill", steps });
    const { id } = await startRun(db, { teamId, pipelineId: p.id, input: "The quarterly report: revenue up, costs down, hiring paused.", userId });

    for (;;) {
      const r = (await getRun(db, teamId, id))!;
      if (r.steps[1].status === "running" && (r.steps[1].output?.length ?? 0) > 0) break;
      expect(r.status).not.toBe("succeeded");
      await new Promise((res) => setTimeout(res, 50));
    }
    a.kill("SIGKILL");
    await exited(a);
    const dead = (await getRun(db, teamId, id))!;
    expect(dead.steps.map((s) => s.status)).toEqual(["succeeded", "running", "pending"]);

    await fleet.configure({ models: { "claude-3-5-haiku-20241022": { tokensPerSecond: 0 } } });
    const b = await startWorker();
    const run = await waitForRun(db, teamId, id, 40_000);
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.attempts)).toEqual([1, 2, 1]);
    expect(run.steps[0].output).toBe(dead.steps[0].output);

    const rows = await db.select().from(requests).where(eq(requests.pipelineRunId, id));
    expect(rows.filter((r) => r.model === "gpt-4o-mini")).toHaveLength(1);
    const usage = await fleet.usage();
    expect(usage.models["gpt-4o-mini"].requests).toBe(1);
    expect(usage.models["claude-3-5-haiku-20241022"].ok).toBe(1);

    b.kill("SIGTERM");
    expect(await exited(b)).toBe(0); // graceful stop: pg-boss and the database pool closed
  }, 90_000);

  it("two workers share many runs; each step runs exactly once", async () => {
    await fleet.configure({ defaults: { latencyMs: 400, tokensPerSecond: 0 } });
    const [a, b] = await Promise.all([startWorker(), startWorker()]);
    const p = await createPipeline(db, { teamId, userId, name: "share", steps });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await startRun(db, { teamId, pipelineId: p.id, input: `Run ${i}: notes about item ${i}.`, userId })).id);
    const runs = await Promise.all(ids.map((id) => waitForRun(db, teamId, id, 60_000)));
    expect(runs.map((r) => r.status)).toEqual(ids.map(() => "succeeded"));
    for (const r of runs) expect(r.steps.map((s) => s.attempts)).toEqual([1, 1, 1]);
    const workersUsed = new Set<string>();
    for (const id of ids) {
      for (const s of await db.select({ details: pipelineSteps.details }).from(pipelineSteps).where(eq(pipelineSteps.runId, id))) workersUsed.add(String(s.details.worker));
    }
    expect(workersUsed).toEqual(new Set([`pid-${a.pid}`, `pid-${b.pid}`]));
    a.kill("SIGTERM");
    b.kill("SIGTERM");
    expect(await Promise.all([exited(a), exited(b)])).toEqual([0, 0]);
  }, 120_000);
});

describe.skipIf(onPostgres)("pipeline workers on pglite", () => {
  it("needs Postgres: `npm run worker` refuses embedded mode (runs execute in the app process)", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], { env: { ...process.env, DATABASE_URL: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    expect(await exited(child)).toBe(1);
    expect(err).toContain("set DATABASE_URL");
  }, 30_000);
});

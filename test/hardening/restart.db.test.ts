/**
 * Restart: Postgres is stopped for a few seconds while delegate calls (through the gateway) and
 * pipeline runs are under way, then started again. While it is down, requests must fail with a
 * JSON error and never hang; afterwards the app must serve again with no manual step, and no
 * pipeline run may be left queued or running.
 *
 * This stops the machine's shared Postgres server, so it runs only when asked:
 *   MC_RESTART_TEST=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/mc_hard_test \
 *     npx vitest run --project db --no-file-parallelism test/hardening/restart.db.test.ts
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, type Db } from "@/db";
import { pipelineRuns, requests } from "@/db/schema";
import { seedFleet } from "@/db/seed";
import { createApiKey } from "@/lib/auth/api-keys";
import { createUser } from "@/lib/auth/users";
import { invalidateFleet } from "@/lib/execution/fleet";
import { replaySpool } from "@/lib/execution/spool";
import { handleApiV1 } from "@/lib/gateway";
import { createPipeline, startRun, startPipelineRunner, stopPipelineRunner } from "@/lib/pipelines";
import { createTeam } from "@/lib/teams/service";
import { startMockFleet } from "@/mock-fleet/server";
import { freshDb } from "@/test/db";

const enabled = process.env.MC_RESTART_TEST === "1" && !!process.env.DATABASE_URL;
const DOWN_MS = Number(process.env.MC_RESTART_DOWN_MS ?? 3_000);
if (!enabled) console.log("[restart] skipped: set MC_RESTART_TEST=1 and DATABASE_URL (a Postgres test database); it stops the shared Postgres server for a few seconds");

function pgctl(action: "stop" | "start") {
  const version = readdirSync("/etc/postgresql")[0];
  execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", action, ...(action === "stop" ? ["-m", "fast"] : [])], { stdio: "pipe" });
}

let db: Db;
let fleet: Awaited<ReturnType<typeof startMockFleet>>;
let server: http.Server;
let api: string;
let key: string;
let teamId: string;
let pipelineId: string;

describe.skipIf(!enabled)("Postgres restart under load", () => {
  beforeAll(async () => {
    process.env.MC_PIPELINE_LEASE_MS ??= "3000";
    db = (await freshDb()).db;
    fleet = await startMockFleet({ port: 0, seed: 9 });
    await fleet.configure({ defaults: { latencyMs: 150, tokensPerSecond: 400 } });
    await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
    invalidateFleet();
    const owner = (await createUser(db, { name: "r", email: "r@t.test", password: "password-123" })).id;
    teamId = (await createTeam(db, { name: "Restart", slug: "restart", ownerId: owner })).id;
    key = (await createApiKey(db, { teamId, name: "load", createdBy: owner })).key;
    pipelineId = (await createPipeline(db, {
      teamId,
      userId: owner,
      name: "two steps",
      description: "",
      steps: [
        { key: "a", kind: "prompt", model: "gpt-4.1-mini", group: 0, template: "Summarise: {{input}}" },
        { key: "b", kind: "prompt", model: "gpt-4o-mini", group: 1, template: "Shorten: {{steps.a}}" },
      ],
    })).id;
    await startPipelineRunner({ db });
    server = http.createServer(handleApiV1);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  });
  afterAll(async () => {
    try {
      pgctl("start");
    } catch {
      // already running
    }
    await stopPipelineRunner({ timeoutMs: 5_000 }).catch(() => {});
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await fleet?.close();
    await closeDb().catch(() => {});
  });

  it("requests fail with a clear error while Postgres is down, the app recovers by itself, and no pipeline run is left stuck", async () => {
    type Result = { phase: "before" | "down" | "after"; status: number; message: string; ms: number; id?: string };
    const results: Result[] = [];
    let phase: Result["phase"] = "before";
    let stop = false;
    const runIds: string[] = [];
    const call = async () => {
      const at = phase;
      const t0 = Date.now();
      try {
        const res = await fetch(`${api}/delegate`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify({ task: { description: "What is 12 * 12?" } }),
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await res.json()) as { error?: { message?: string } };
        results.push({ phase: at, status: res.status, message: body.error?.message ?? "", ms: Date.now() - t0, id: res.headers.get("x-mc-request-id") ?? undefined });
      } catch (e) {
        results.push({ phase: at, status: 0, message: `no answer: ${(e as Error).message}`, ms: Date.now() - t0 });
      }
    };
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) await call();
      }),
    );
    for (let i = 0; i < 4; i++) runIds.push((await startRun(db, { teamId, pipelineId, input: `document ${i}: the quarterly report is late.` })).id);
    await new Promise((r) => setTimeout(r, 1_500));

    let recoveredMs = -1;
    try {
      pgctl("stop");
      phase = "down";
      await new Promise((r) => setTimeout(r, DOWN_MS));
    } finally {
      pgctl("start");
    }
    const upAt = Date.now();
    phase = "after";
    // No manual step: the same process, pool and runner must serve again.
    for (let i = 0; i < 60 && recoveredMs < 0; i++) {
      try {
        await db.execute(sql`select 1`);
        recoveredMs = Date.now() - upAt;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    expect(recoveredMs, "the database client never reconnected").toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 2; i++) runIds.push((await startRun(db, { teamId, pipelineId, input: `after restart ${i}` })).id);
    await new Promise((r) => setTimeout(r, 3_000));
    stop = true;
    await load;

    // Every run ends: the runner and its reaper pick up what the outage interrupted.
    const deadline = Date.now() + 90_000;
    let runs = await db.select({ id: pipelineRuns.id, status: pipelineRuns.status }).from(pipelineRuns).where(inArray(pipelineRuns.id, runIds));
    while (runs.some((r) => r.status === "queued" || r.status === "running") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      runs = await db.select({ id: pipelineRuns.id, status: pipelineRuns.status }).from(pipelineRuns).where(inArray(pipelineRuns.id, runIds));
    }
    const stuck = runs.filter((r) => r.status === "queued" || r.status === "running");
    // Every answered call is recorded: a call already at the provider when the database stopped
    // got its answer, and its row waited in the spool until now.
    expect(await replaySpool(db)).toBe(0);
    const answered = results.filter((r) => r.status === 200).map((r) => r.id!);
    const recorded = new Set((await db.select({ id: requests.id }).from(requests).where(inArray(requests.id, answered))).map((r) => r.id));
    const unrecorded = answered.filter((id) => !recorded.has(id));

    const down = results.filter((r) => r.phase === "down" && r.status !== 200);
    const after = results.filter((r) => r.phase === "after");
    const statuses = (rs: Result[]) => rs.reduce<Record<string, number>>((a, r) => ((a[r.status] = (a[r.status] ?? 0) + 1), a), {});
    console.log(
      `[restart] Postgres down ${DOWN_MS / 1000} s under load: before ${JSON.stringify(statuses(results.filter((r) => r.phase === "before")))}, while down ${JSON.stringify(statuses(results.filter((r) => r.phase === "down")))}, ` +
        `after ${JSON.stringify(statuses(after))}; database reachable again ${recoveredMs} ms after start; slowest answer while down ${Math.max(0, ...down.map((r) => r.ms))} ms; ` +
        `answered ${answered.length}, of which recorded ${answered.length - unrecorded.length}; ` +
        `pipeline runs: ${JSON.stringify(runs.reduce<Record<string, number>>((a, r) => ((a[r.status] = (a[r.status] ?? 0) + 1), a), {}))}, stuck ${stuck.length}; ` +
        `sample error while down: ${down[0]?.message ?? "(none)"}`,
    );
    expect(down.length, "no request failed while Postgres was down — did it stop?").toBeGreaterThan(0);
    for (const r of down) {
      expect(r.status, `a request hung or lost its connection while the database was down: ${r.message}`).toBeGreaterThanOrEqual(500);
      expect(r.message.length).toBeGreaterThan(10);
    }
    // Recovery: the last calls (after the reconnect) succeed.
    expect(after.slice(-4).every((r) => r.status === 200), JSON.stringify(after.slice(-4))).toBe(true);
    expect(stuck, "pipeline runs left queued or running").toEqual([]);
    expect(unrecorded, "answered calls with no request row").toEqual([]);
    const [{ n }] = (await db.select({ n: sql<number>`count(*)::int` }).from(pipelineRuns).where(eq(pipelineRuns.teamId, teamId))) as { n: number }[];
    expect(n).toBe(runIds.length);
  }, 240_000);
});

/**
 * What delegate() adds over calling the mock fleet directly with the same SDK path, with the
 * requests row written. Usage: npm run bench:delegate [-- --n 2000] (DATABASE_URL → Postgres,
 * else in-memory PGlite). Prints p50/p99 of both and the difference.
 */
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { closeDb, rawQuery } from "@/db";
import { openScratchDb } from "@/db/scratch";
import { seedFleet } from "@/db/seed";
import { createUser } from "@/lib/auth/users";
import { delegate } from "@/lib/execution/delegate";
import { loadFleet } from "@/lib/execution/fleet";
import { completeModel } from "@/lib/providers/call";
import { createTeam } from "@/lib/teams/service";
import { startMockFleet } from "@/mock-fleet/server";
import { pct } from "./percentile";

const { values } = parseArgs({ options: { n: { type: "string", default: "2000" }, model: { type: "string", default: "gpt-4.1-mini" } } });
const N = Number(values.n);
const MODEL = values.model!;

async function main() {
  // The fleet's port changes every run and seedFleet keeps existing providers: start from an empty schema.
  const h = await openScratchDb("bench");
  const fleet = await startMockFleet({ port: 0 });
  await fetch(`${fleet.url}/__fleet/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ defaults: { latencyMs: 0, tokensPerSecond: 0 } }) });
  await seedFleet(h.db, { mockFleetUrl: fleet.url, env: {} });
  const user = await createUser(h.db, { name: "bench", email: `bench-${Date.now()}@bench.local`, password: "bench-password" });
  const team = await createTeam(h.db, { name: "Bench", slug: `bench-${Date.now()}`, ownerId: user.id });
  const fm = (await loadFleet(h.db)).byName.get(MODEL)!;
  const messages = [{ role: "user" as const, content: "Summarise: the quarterly numbers are in and spend is flat." }];

  // The floor of "the row is written before the call returns": the same SDK call, then one
  // bare single-row INSERT committed through the raw driver (prepared; no payload, no rollup).
  await h.db.execute(sql`create table if not exists bench_floor (id uuid primary key, team_id uuid not null, cost_micros bigint not null)`);
  const direct: number[] = [];
  const floor: number[] = [];
  const viaDelegate: number[] = [];
  const warm = Math.min(200, N / 5);
  // Interleave the two so drift in the machine's load affects both alike.
  for (let i = 0; i < N + warm; i++) {
    let t = performance.now();
    await completeModel({ provider: fm.config, model: MODEL, messages, maxTokens: 256, stream: false });
    const d = performance.now() - t;
    t = performance.now();
    await completeModel({ provider: fm.config, model: MODEL, messages, maxTokens: 256, stream: false });
    await rawQuery(h.db, "bench_floor_insert", "insert into bench_floor (id, team_id, cost_micros) values ($1::text::uuid, $2::text::uuid, $3)", [crypto.randomUUID(), team.id, 1]);
    const f = performance.now() - t;
    t = performance.now();
    await delegate(h.db, { teamId: team.id, userId: user.id, source: "api", messages, model: MODEL, maxOutputTokens: 256 });
    const v = performance.now() - t;
    if (i >= warm) {
      direct.push(d);
      floor.push(f);
      viaDelegate.push(v);
    }
  }
  const row = (name: string, xs: number[]) => `${name.padEnd(34)} p50 ${pct(xs, 50).toFixed(3)} ms   p99 ${pct(xs, 99).toFixed(3)} ms`;
  console.log(`delegate() overhead, ${N} sequential calls each, database: ${h.kind}, model ${MODEL}, mock fleet with zero latency`);
  console.log(row("direct (same SDK call, no stream)", direct));
  console.log(row("SDK call + one bare INSERT (floor)", floor));
  console.log(row("delegate() (+ row written)", viaDelegate));
  console.log(`floor (one durable write, nothing else): p50 ${(pct(floor, 50) - pct(direct, 50)).toFixed(3)} ms, p99 ${(pct(floor, 99) - pct(direct, 99)).toFixed(3)} ms`);
  console.log(`added: p50 ${(pct(viaDelegate, 50) - pct(direct, 50)).toFixed(3)} ms, p99 ${(pct(viaDelegate, 99) - pct(direct, 99)).toFixed(3)} ms`);
  console.log(JSON.stringify({ n: N, database: h.kind, direct_p50_ms: pct(direct, 50), direct_p99_ms: pct(direct, 99), floor_p50_ms: pct(floor, 50), floor_p99_ms: pct(floor, 99), delegate_p50_ms: pct(viaDelegate, 50), delegate_p99_ms: pct(viaDelegate, 99), added_p50_ms: pct(viaDelegate, 50) - pct(direct, 50), added_p99_ms: pct(viaDelegate, 99) - pct(direct, 99) }));
  await fleet.close();
  await closeDb();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

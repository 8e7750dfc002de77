/**
 * Dashboard benchmark: 1,000,000 request rows over 90 days and 5 teams in Postgres, then the server
 * render of Overview, Costs, Budgets, Requests, Models and Ratings measured over HTTP (p50 / p95), and Overview's and Costs' data work
 * in-process. Results: docs/benchmarks/budgets.md.
 *
 *   createdb: psql -h 127.0.0.1 -U postgres -c 'create database mc_bench_dashboard'
 *   npx tsx bench/dashboard.ts seed   [--url postgres://postgres@127.0.0.1:5432/mc_bench_dashboard] [--rows 1000000]
 *   npx tsx bench/dashboard.ts data   [--url …]                       # queries only, in-process
 *   npx tsx bench/dashboard.ts http   [--url …] [--port 3311] [-n 60]  # needs a `next build` in .next
 *   npx tsx bench/dashboard.ts zone   [--url …] [--zone Asia/Kathmandu]  # times a zone change of bench0 (its rollup re-filed) and back
 */
import { spawn } from "node:child_process";
import { sql } from "drizzle-orm";
import { openDb, rowsOf, setDbHandle, type Db } from "@/db";
import { budgets, memberships, teams, users } from "@/db/schema";
import { createUser } from "@/lib/auth/users";
import { setTeamTimezone } from "@/lib/teams/service";
import { listBudgets } from "@/lib/budgets/service";
import { stackByDay, totalsByKey } from "@/lib/charts/series";
import { dayIn } from "@/lib/zone";
import { rebuildTeamRollup } from "@/lib/execution/record";
import { averageRating, lastDays, recentRequests, seriesLabels, spendByDay, topModels, usageTotals } from "@/lib/usage/queries";
import { pct } from "./percentile";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const URL_ = arg("--url", process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/mc_bench_dashboard");
const PASSWORD = "bench-pass-123";
const MODELS = ["gpt-4.1", "gpt-4.1-mini", "gpt-4o-mini", "claude-3-5-haiku-20241022", "claude-sonnet-4", "mistral-small-latest", "grok-3-mini", "llama3.1:8b"];

async function seed(db: Db, rows: number) {
  console.log(`Seeding ${rows.toLocaleString()} requests over 90 days and 5 teams…`);
  const t0 = performance.now();
  await db.execute(sql`truncate requests, usage_daily, budgets, memberships, teams, users, api_keys cascade`);
  const owner = await createUser(db, { name: "Bench", email: "bench@bench.local", password: PASSWORD });
  const teamIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    const [t] = await db.insert(teams).values({ slug: `bench${i}`, name: `Bench ${i}` }).returning();
    teamIds.push(t.id);
    await db.insert(memberships).values({ teamId: t.id, userId: owner.id, role: "owner" });
    await db.insert(budgets).values({ teamId: t.id, name: "Monthly", limitMicros: 5_000_000_000, period: "monthly", periodStart: new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1)) });
  }
  const userIds: string[] = [owner.id];
  for (let u = 0; u < 19; u++) {
    const x = await createUser(db, { name: `U${u}`, email: `u${u}@bench.local`, password: PASSWORD });
    userIds.push(x.id);
    for (const t of teamIds) await db.insert(memberships).values({ teamId: t, userId: x.id, role: "member" }).onConflictDoNothing();
  }
  const keyIds: string[] = [];
  for (const t of teamIds)
    for (let k = 0; k < 3; k++) {
      const r = await db.execute(sql`insert into api_keys (team_id, name, prefix, key_hash) values (${t}, ${`key${k}`}, ${`mc_${k}`}, ${`${t}-${k}`}) returning id`);
      keyIds.push(((r as unknown as { rows?: { id: string }[] }).rows ?? (r as unknown as { id: string }[]))[0].id);
    }
  // One statement per 100k rows: random team, model, user or key, tokens and cost, spread over 90 days.
  const batch = 100_000;
  for (let done = 0; done < rows; done += batch) {
    const n = Math.min(batch, rows - done);
    await db.execute(sql`
      insert into requests (team_id, user_id, api_key_id, source, domain, requested_model, model, provider_kind, input_tokens, output_tokens, cost_micros, latency_ms, status, created_at)
      select t.ids[1 + (g % 5)],
             case when g % 4 = 0 then null else u.ids[1 + floor(random() * array_length(u.ids, 1))::int] end,
             case when g % 4 = 0 then (${sql.raw(`array[${keyIds.map((k) => `'${k}'::uuid`).join(",")}]`)})[1 + (g % 5) * 3 + floor(random() * 3)::int] else null end,
             case when g % 4 = 0 then 'api'::request_source else 'playground'::request_source end,
             'code', 'auto', m.names[1 + floor(random() * array_length(m.names, 1))::int], 'openai',
             200 + (g * 31 % 1500), 100 + (g * 17 % 800), 50 + (g * 37 % 20000), 200 + (g * 11 % 3000),
             case when g % 50 = 0 then 'error'::request_status else 'ok'::request_status end,
             now() - (random() * interval '90 days')
      from generate_series(${done + 1}::int, ${done + n}::int) g,
           (select ${sql.raw(`array[${teamIds.map((t) => `'${t}'::uuid`).join(",")}]`)} as ids) t,
           (select ${sql.raw(`array[${userIds.map((u) => `'${u}'`).join(",")}]`)}::text[] as ids) u,
           (select ${sql.raw(`array[${MODELS.map((m) => `'${m}'`).join(",")}]`)}::text[] as names) m`);
    process.stdout.write(`  ${(done + n).toLocaleString()} rows\r`);
  }
  // The rollup the recorder keeps current (lib/execution/record.ts), built in one pass per team here.
  for (const t of teamIds) await rebuildTeamRollup(db, t);
  await db.execute(sql`analyze`);
  const [c] = (await db.execute(sql`select (select count(*) from requests)::int as requests, (select count(*) from usage_daily)::int as rollup`)) as unknown as { requests: number; rollup: number }[];
  console.log(`\nSeeded in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(c)}`);
}

/** What the Overview and Costs pages query, in-process (the data part of a render). */
async function dataBench(db: Db, n: number) {
  const [t] = await db.select().from(teams).where(sql`slug = 'bench0'`);
  const now = new Date();
  const tz = t.timezone;
  const today = dayIn(now, tz);
  const since30 = lastDays(30, tz, now).day;
  const from90 = lastDays(90, tz, now).day;
  const overview = async () => {
    const [, , , , list] = await Promise.all([usageTotals(db, t.id, today), usageTotals(db, t.id, since30), topModels(db, t.id, since30), recentRequests(db, t.id), listBudgets(db, t.id), averageRating(db, t.id, 30, tz, now)]);
    await spendByDay(db, [t.id], dayIn(list[0].periodStart, tz), today, "team");
  };
  const costs = async (by: "model" | "user") => {
    const rows = await spendByDay(db, [t.id], from90, today, by);
    await seriesLabels(db, by, [...new Set(rows.map((r) => r.key))]);
    stackByDay(rows, { from: from90, to: today });
    totalsByKey(rows);
  };
  for (const [name, fn] of [
    ["overview", overview],
    ["costs 90 days by model", () => costs("model")],
    ["costs 90 days by member", () => costs("user")],
  ] as const) {
    for (let i = 0; i < 5; i++) await fn();
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await fn();
      ms.push(performance.now() - s);
    }
    console.log(`data  ${name.padEnd(26)} p50 ${pct(ms, 50).toFixed(1)} ms  p95 ${pct(ms, 95).toFixed(1)} ms  (n=${n})`);
  }
}

async function signIn(base: string): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const jar = new Map<string, string>();
  const take = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(";");
      const i = kv.indexOf("=");
      jar.set(kv.slice(0, i), kv.slice(i + 1));
    }
  };
  take(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams({ email: "bench@bench.local", password: PASSWORD, csrfToken, callbackUrl: `${base}/` }),
  });
  take(res);
  if (![...jar.keys()].some((k) => k.includes("session-token"))) throw new Error(`Sign-in failed (HTTP ${res.status}).`);
  return cookie();
}

async function httpBench(n: number, port: number) {
  const base = `http://127.0.0.1:${port}`;
  const server = spawn("npx", ["tsx", "server.ts"], {
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOSTNAME: "127.0.0.1", DATABASE_URL: URL_, MC_DEMO: "0", AUTH_SECRET: process.env.AUTH_SECRET ?? "bench-secret-bench-secret-bench-secret-1234" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  server.stdout.on("data", (c) => (log += c));
  server.stderr.on("data", (c) => (log += c));
  try {
    for (let i = 0; ; i++) {
      if (i > 240) throw new Error(`Server did not start:\n${log}`);
      try {
        if ((await fetch(`${base}/api/health`)).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 500));
    }
    const cookie = await signIn(base);
    const pages = [
      ["Overview", "/t/bench0"],
      ["Costs (30 days by model)", "/t/bench0/costs"],
      ["Costs (90 days by member)", "/t/bench0/costs?days=90&by=user"],
      ["Budgets", "/t/bench0/budgets"],
      ["Requests (newest 50)", "/t/bench0/requests"],
      ["Requests (errors only)", "/t/bench0/requests?status=error"],
      ["Requests (one model)", "/t/bench0/requests?model=gpt-4.1"],
      ["Models (30 days)", "/t/bench0/models"],
      ["Ratings", "/t/bench0/ratings"],
    ];
    for (const [name, path] of pages) {
      const get = async () => {
        const s = performance.now();
        const res = await fetch(base + path, { headers: { cookie } });
        const body = await res.text();
        if (res.status !== 200 || !body.includes("</html>")) throw new Error(`${path}: HTTP ${res.status}`);
        return performance.now() - s;
      };
      for (let i = 0; i < 5; i++) await get();
      const ms: number[] = [];
      for (let i = 0; i < n; i++) ms.push(await get());
      console.log(`http  ${name.padEnd(26)} p50 ${pct(ms, 50).toFixed(1)} ms  p95 ${pct(ms, 95).toFixed(1)} ms  (n=${n}, one at a time)`);
    }
  } finally {
    try {
      process.kill(-server.pid!, "SIGTERM");
    } catch {}
  }
}

/** A zone change re-files the team's usage (setTeamTimezone): how long it takes, and the pages' data in the new zone. */
async function zoneBench(db: Db, zone: string, n: number) {
  const [t] = await db.select().from(teams).where(sql`slug = 'bench0'`);
  const [owner] = await db.select({ id: users.id }).from(users).where(sql`email = 'bench@bench.local'`);
  const [c] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from requests where team_id = ${t.id}`));
  for (const [from, to] of [[t.timezone, zone], [zone, t.timezone], [t.timezone, zone]]) {
    const s = performance.now();
    await setTeamTimezone(db, { teamId: t.id, timezone: to, actorUserId: owner.id });
    console.log(`zone  ${from} → ${to}: ${(performance.now() - s).toFixed(0)} ms for ${c.n.toLocaleString()} requests of bench0`);
  }
  await db.execute(sql`analyze usage_daily`);
  await dataBench(db, n);
  await setTeamTimezone(db, { teamId: t.id, timezone: t.timezone, actorUserId: owner.id });
}

async function main() {
  const mode = process.argv[2] ?? "data";
  const n = Number(arg("-n", "60"));
  if (mode === "http") return httpBench(n, Number(arg("--port", "3311")));
  const handle = openDb({ url: URL_ });
  await handle.ready;
  setDbHandle(handle);
  if (mode === "seed") await seed(handle.db, Number(arg("--rows", "1000000")));
  else if (mode === "zone") await zoneBench(handle.db, arg("--zone", "Asia/Kathmandu"), n);
  else await dataBench(handle.db, n);
  await handle.close();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

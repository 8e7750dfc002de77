/**
 * Splits the gateway's added latency in one process, sequential calls, same fleet:
 * the provider SDK alone → delegate() (routing, budget, grouped row write) → the HTTP gateway
 * (key auth, body, zod, rate limit, JSON out) in front of delegate().
 *   npx tsx bench/gateway-layer.ts [--n 600] [--budget] [--limits]    (DATABASE_URL with "bench" in its name → Postgres, wiped)
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { openScratchDb } from "@/db/scratch";
import { seedFleet } from "@/db/seed";
import { delegate } from "@/lib/execution/delegate";
import { loadFleet } from "@/lib/execution/fleet";
import { completeModel } from "@/lib/providers/call";
import { handleApiV1 } from "@/lib/gateway";
import { benchTeam } from "./fixture";
import { startMockFleet } from "@/mock-fleet/server";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { pct } from "./percentile";

const args = parseArgs({ options: { n: { type: "string", default: "600" }, budget: { type: "boolean", default: false }, limits: { type: "boolean", default: false } } }).values;
const N = Number(args.n);
async function main() {
  process.env.AUTH_SECRET ??= "bench-secret-bench-secret-bench-secret-42";
  // The fleet's port changes every run and seedFleet keeps existing providers: start from an empty schema.
  const h = await openScratchDb("bench");
  const fleet = await startMockFleet({ port: 0 });
  await fetch(`${fleet.url}/__fleet/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ defaults: { latencyMs: 0, tokensPerSecond: 0 } }) });
  await seedFleet(h.db, { mockFleetUrl: fleet.url, env: {} });
  // --budget / --limits: the same hard-stop team budget and key limits as bench/gateway-server.ts.
  const { team, key } = await benchTeam(h.db, { budget: args.budget, limits: args.limits });
  const server = http.createServer(handleApiV1);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 1 });
  const fm = (await loadFleet(h.db)).byName.get("gpt-4.1-mini")!;
  const messages = [{ role: "user" as const, content: "Summarise: the quarterly numbers are in and spend is flat." }];
  const body = JSON.stringify({ model: "gpt-4.1-mini", messages, max_tokens: 64 });
  const a: number[] = [], b: number[] = [], c: number[] = [];
  for (let i = 0; i < N + 100; i++) {
    let t = performance.now();
    await completeModel({ provider: fm.config, model: "gpt-4.1-mini", messages, maxTokens: 64 });
    const x = performance.now() - t;
    t = performance.now();
    await delegate(h.db, { teamId: team.id, apiKeyId: null, source: "api", messages, model: "gpt-4.1-mini", maxOutputTokens: 64 });
    const y = performance.now() - t;
    t = performance.now();
    const r = await pool.request({ path: "/api/v1/chat/completions", method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body });
    await r.body.text();
    const z = performance.now() - t;
    if (i >= 100) (a.push(x), b.push(y), c.push(z));
  }
  const row = (name: string, xs: number[]) => `| ${name} | ${pct(xs, 50).toFixed(2)} ms | ${pct(xs, 99).toFixed(2)} ms |`;
  console.log(`\n${N} sequential calls each, database ${h.kind}, one process, team budget ${args.budget ? "on" : "off"}, key limits ${args.limits ? "on" : "off"}\n\n| path | p50 | p99 |\n| --- | ---: | ---: |`);
  console.log([row("SDK → mock fleet", a), row("delegate() in process", b), row("HTTP gateway → delegate()", c)].join("\n"));
  console.log(`\ngateway layer over delegate(): p50 ${(pct(c, 50) - pct(b, 50)).toFixed(2)} ms, p99 ${(pct(c, 99) - pct(b, 99)).toFixed(2)} ms; delegate() over the SDK: p50 ${(pct(b, 50) - pct(a, 50)).toFixed(2)} ms`);
  process.exit(0);
}
main();

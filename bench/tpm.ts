/**
 * How far a team's tokens-per-minute limit is passed by a burst of concurrent calls spread over
 * two gateway processes on one database (the figure lib/gateway/README.md quotes).
 *
 *   DATABASE_URL=postgres://…/mc_bench_… npx tsx bench/tpm.ts [--calls 100] [--tpm 1000] [--latency 300] [--max-tokens 40]
 *
 * This process seeds the database (wiped first: its name must contain "bench"), runs the mock fleet
 * (each answer takes `latency` ms, so the calls are in flight together) and sends `calls` concurrent
 * /chat/completions, alternating between two child processes that each serve handleApiV1. It prints
 * the calls answered and refused, the tokens the answered calls used and the window's shared count.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { eq } from "drizzle-orm";
import { openScratchDb } from "@/db/scratch";
import { seedFleet } from "@/db/seed";
import { rateLimitWindows, teams } from "@/db/schema";
import { handleApiV1 } from "@/lib/gateway";
import { startMockFleet } from "@/mock-fleet/server";
import { benchTeam } from "./fixture";

const { values } = parseArgs({
  options: {
    serve: { type: "boolean", default: false },
    calls: { type: "string", default: "100" },
    tpm: { type: "string", default: "1000" },
    latency: { type: "string", default: "300" },
    "max-tokens": { type: "string", default: "40" },
  },
});

/** A child: the gateway on an existing database; prints its port. */
function serve() {
  const server = http.createServer(handleApiV1);
  server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
  process.on("SIGTERM", () => process.exit(0));
}

function child(children: ChildProcess[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn("npx", ["tsx", path.join(__dirname, "tpm.ts"), "--serve"], { env: process.env, stdio: ["ignore", "pipe", "inherit"] });
    children.push(c);
    let out = "";
    c.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    c.on("exit", (code) => reject(new Error(`gateway child exited (${code})`)));
  });
}

async function main() {
  if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL is required: two processes share one Postgres database.");
  const calls = Number(values.calls);
  const tpm = Number(values.tpm);
  const h = await openScratchDb("bench");
  const fleet = await startMockFleet({ port: 0, seed: 11 });
  await fleet.configure({ defaults: { latencyMs: Number(values.latency), tokensPerSecond: 0, errorRates: { rateLimit: 0, server: 0, timeout: 0, drop: 0 } } });
  await seedFleet(h.db, { mockFleetUrl: fleet.url, env: {} });
  const { team, key } = await benchTeam(h.db);
  await h.db.update(teams).set({ tokensPerMinute: tpm }).where(eq(teams.id, team.id));
  const children: ChildProcess[] = [];
  try {
    const ports = await Promise.all([child(children), child(children)]);
    // Start in a fresh minute, so the burst shares one window.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 15_000) await new Promise((r) => setTimeout(r, left + 50));
    const results = await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        fetch(`http://127.0.0.1:${ports[i % 2]}/api/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "gpt-4.1-mini", max_tokens: Number(values["max-tokens"]), messages: [{ role: "user", content: "Name three colours." }] }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { usage?: { total_tokens: number } } })),
      ),
    );
    await new Promise((r) => setTimeout(r, 500)); // the children write what holds gave back within 200 ms
    const ok = results.filter((r) => r.status === 200);
    const [row] = await h.db.select().from(rateLimitWindows).where(eq(rateLimitWindows.key, `team:${team.id}`));
    console.log(
      JSON.stringify({
        calls,
        tpm,
        answered: ok.length,
        refused429: results.filter((r) => r.status === 429).length,
        other: results.filter((r) => r.status !== 200 && r.status !== 429).length,
        tokensUsed: ok.reduce((s, r) => s + (r.body.usage?.total_tokens ?? 0), 0),
        windowTokens: row?.tokens ?? null,
      }),
    );
  } finally {
    for (const c of children) c.kill("SIGTERM");
    await fleet.close();
    await h.close();
  }
}

if (values.serve) serve();
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });

/**
 * What one durable statement costs when the database has been idle, next to a tight loop: the
 * request row's statement (with and without the budget settlement), the settlement alone (with
 * and without its ledger row), a bare committed INSERT and `select 1`. One request at a time the
 * gateway's commit behaves like the "gap" rows: each process idles between requests.
 *
 *   npx tsx bench/idle-commit.ts [--n 400] [--gap 3]     (DATABASE_URL with "bench" in its name → Postgres, wiped)
 */
import { parseArgs } from "node:util";
import { rawQuery } from "@/db";
import { openScratchDb } from "@/db/scratch";
import { SETTLEMENT_SELECT, settlementCtes } from "@/lib/budgets";
import { insertRequestRecords } from "@/lib/execution/record";
import { benchTeam } from "./fixture";
import { pct } from "./percentile";

const args = parseArgs({ options: { n: { type: "string", default: "400" }, gap: { type: "string", default: "3" } } }).values;
const N = Number(args.n);
const GAP = Number(args.gap);

async function main() {
  const h = await openScratchDb("bench");
  const db = h.db;
  const { team, keyRow: key, budget: b } = await benchTeam(db, { budget: true });
  const rec = () => ({
    id: crypto.randomUUID(),
    teamId: team.id,
    apiKeyId: key.id,
    source: "openai" as const,
    taskProfile: { domain: "summary", complexity: { score: 0.2, level: "simple" }, contextTokens: 20 },
    domain: "summary",
    requestedModel: "gpt-4.1-mini",
    model: "gpt-4.1-mini",
    providerKind: "openai",
    selectionReason: "Requested explicitly.",
    confidence: 1,
    fallbacksTried: [],
    inputTokens: 20,
    outputTokens: 40,
    costMicros: 80,
    latencyMs: 2,
    status: "ok" as const,
    prompt: "Summarise: the quarterly numbers are in and spend is flat.",
    response: "word ".repeat(40),
  });
  // A stream another model dropped mid-answer before this one answered: its part is filed under it.
  const fellBack = {
    fallbacksTried: [{ model: "gpt-4.1", error: "stream_dropped: The provider ended the answer without reporting usage.", inputTokens: 20, outputTokens: 12, costMicros: 136, estimated: true }],
    inputTokens: 40,
    outputTokens: 52,
    costMicros: 216,
  };
  const item = JSON.stringify([{ budget_id: b.id, lease_id: null, x: 80, from_lease: 0 }]);
  const settle = `with ${settlementCtes("$1")}\n${SETTLEMENT_SELECT}`;
  const settleNoLedger = settle.replace(/,\nled as \([\s\S]*?where i\.x <> 0\)/, "");
  if (settleNoLedger === settle) throw new Error("the settlement statement changed shape: update this benchmark");
  const cases: [string, () => Promise<unknown>][] = [
    ["request row + payload + rollup + settlement (what a call commits)", () => insertRequestRecords(db, [rec()], item)],
    ["request row + payload + rollup", () => insertRequestRecords(db, [rec()])],
    ["the same, after a failed attempt billed for its part (two rollup rows)", () => insertRequestRecords(db, [{ ...rec(), ...fellBack }])],
    ["settlement alone", () => rawQuery(db, "bench_settle", settle, [item])],
    ["settlement without its ledger row", () => rawQuery(db, "bench_settle_noledger", settleNoLedger, [item])],
    ["bare committed INSERT", () => rawQuery(db, "bench_bare", "insert into budget_ledger (budget_id, team_id, kind, amount_micros) values ($1::uuid, $2::uuid, 'settle', 1)", [b.id, team.id])],
    ["select 1", () => rawQuery(db, "bench_one", "select 1", [])],
  ];
  console.log(`\nOne statement at a time, database ${h.kind}, ${N} each (after 50 warm-up), p50 / p90\n`);
  console.log(`| statement | tight loop | after ${GAP} ms idle |\n| --- | ---: | ---: |`);
  for (const [name, fn] of cases) {
    const cell: string[] = [];
    for (const gap of [0, GAP]) {
      const ts: number[] = [];
      for (let i = 0; i < N + 50; i++) {
        const t0 = performance.now();
        await fn();
        if (i >= 50) ts.push(performance.now() - t0);
        if (gap) await new Promise((r) => setTimeout(r, gap));
      }
      cell.push(`${pct(ts, 50).toFixed(3)} / ${pct(ts, 90).toFixed(3)} ms`);
    }
    console.log(`| ${name} | ${cell[0]} | ${cell[1]} |`);
  }
  await h.close();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

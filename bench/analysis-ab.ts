/**
 * analyse() now against analyse() at an earlier commit, in one process, calls alternating, so that
 * the machine's changes of speed (large on this VM) fall on both alike. The old commit's analyse.ts
 * and privacy.ts are written to a temporary folder; keywords, hashing and types are today's.
 * Also checks that both give identical profiles on the RouterBench prompts, when the file is there.
 * Usage: npx tsx bench/analysis-ab.ts <commit> [--iterations 100000]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { analyse } from "@/lib/analysis";
import type { AnalyseInput, TaskProfile } from "@/lib/analysis/types";
import { benchTask } from "./analysis-task";
import { pct } from "./percentile";

const args = process.argv.slice(2);
const commit = args[0];
if (!commit || commit.startsWith("--")) throw new Error("usage: npx tsx bench/analysis-ab.ts <commit> [--iterations N]");
const itIdx = args.indexOf("--iterations");
const iterations = itIdx >= 0 ? Number(args[itIdx + 1]) : 100_000;

const root = path.resolve(__dirname, "..");
const dir = mkdtempSync(path.join(tmpdir(), "analysis-ab-"));
const show = (file: string) => execFileSync("git", ["show", `${commit}:lib/analysis/${file}`], { cwd: root, encoding: "utf8" });
const lib = (name: string) => JSON.stringify(path.join(root, "lib/analysis", name));
writeFileSync(path.join(dir, "privacy.ts"), show("privacy.ts"));
writeFileSync(
  path.join(dir, "analyse.ts"),
  show("analyse.ts").replace(/from "\.\/(keywords|hash|types)"/g, (_m, name: string) => `from ${lib(`${name}.ts`)}`),
);

async function main() {
  const old: (input: AnalyseInput) => TaskProfile = (await import(pathToFileURL(path.join(dir, "analyse.ts")).href)).analyse;
  rmSync(dir, { recursive: true });

  const task = benchTask();

  let sink = 0;
  const time = (fn: (input: AnalyseInput) => TaskProfile) => {
    const t0 = process.hrtime.bigint();
    sink += fn({ task, priority: "normal" }).contextTokens;
    return Number(process.hrtime.bigint() - t0) / 1000;
  };
  for (let i = 0; i < 20_000; i++) time(analyse) + time(old);
  const now: number[] = new Array(iterations);
  const then: number[] = new Array(iterations);
  for (let i = 0; i < iterations; i++) {
    now[i] = time(analyse);
    then[i] = time(old);
  }
  const row = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} µs   p90 ${pct(xs, 90).toFixed(1)} µs   p99 ${pct(xs, 99).toFixed(1)} µs`;
  console.log(`analyse() on a ${task.length}-character task, ${iterations} alternating calls after 20,000 warm-up each (sink ${sink % 7})`);
  console.log(`working tree  ${row(now)}`);
  console.log(`${commit.slice(0, 10).padEnd(12)}  ${row(then)}`);

  const data = path.resolve(root, "../shared/data/routing/routerbench-train.jsonl");
  let compared = 0;
  let differ = 0;
  if (existsSync(data)) {
    for (const line of readFileSync(data, "utf8").split("\n")) {
      if (!line.trim()) continue;
      const prompt = JSON.parse(line).prompt as string;
      compared++;
      if (JSON.stringify(analyse({ task: prompt })) !== JSON.stringify(old({ task: prompt }))) differ++;
    }
    console.log(`profiles on ${compared} RouterBench prompts: ${differ} differ`);
  }
  console.log(
    JSON.stringify({
      commit,
      iterations,
      now_p50_us: +pct(now, 50).toFixed(2),
      now_p99_us: +pct(now, 99).toFixed(2),
      old_p50_us: +pct(then, 50).toFixed(2),
      old_p99_us: +pct(then, 99).toFixed(2),
      profiles_compared: compared,
      profiles_differ: differ,
    }),
  );
}
void main();

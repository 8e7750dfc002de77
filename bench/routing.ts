/**
 * Replay benchmark. Usage:
 *   npm run bench:routing -- --train <file> --test <file> [--choices <out.jsonl>]
 *     [--knobs 0,0.5,1] [--seed 7] [--no-explore] [--explore-scale 0.5] [--dim 16384] [--epochs 3] [--prior 1]
 *     [--cost-view length|actual] [--no-memory] [--k 100] [--power 8] [--kappa 2] [--mem-dim 64]
 *     [--tau T] [--novel-lo L] [--novel-hi H] [--novel-scale S] [--per-model-pool P] [--shift-kappa K] [--unknown-prior U] [--unknown-scale S]
 *     [--unknown-bonus B] [--novel-live 0|1] [--novel-tau T] [--workers N]
 * The last line printed is one JSON object with every figure (see docs/routing.md).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { cheapestPointAbove, DEFAULT_REPLAY, mergeReplays, parseReplayFile, runReplay, type ReplayOptions, type ReplayResult } from "@/lib/routing/replay";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const trainPath = arg("train");
const testPath = arg("test");
if (!trainPath || !testPath) {
  console.error("usage: npm run bench:routing -- --train <file.jsonl> --test <file.jsonl> [--choices <out.jsonl>] [--knobs 0,0.5,1] [--seed N] [--no-explore]");
  process.exit(2);
}
const train = parseReplayFile(readFileSync(trainPath, "utf8"), trainPath);
const test = parseReplayFile(readFileSync(testPath, "utf8"), testPath);

const num = (name: string) => (arg(name) !== undefined ? Number(arg(name)) : undefined);
const memoryOpt = process.argv.includes("--no-memory")
  ? false
  : Object.fromEntries(
      ([["mem-dim", "dim"], ["k", "k"], ["power", "power"], ["kappa", "kappa"], ["tau", "tau"], ["novel-lo", "novelLo"], ["novel-hi", "novelHi"], ["novel-scale", "novelScale"], ["per-model-pool", "perModelPool"], ["shift-kappa", "shiftKappa"], ["unknown-prior", "unknownPrior"], ["unknown-scale", "unknownScale"], ["unknown-bonus", "unknownBonus"], ["novel-live", "novelLive"], ["novel-tau", "novelTau"]] as const).flatMap(([flag, key]) => (num(flag) !== undefined ? [[key, num(flag)]] : [])),
    );
const opts: ReplayOptions = {
  ...DEFAULT_REPLAY,
  costView: arg("cost-view") === "actual" ? "actual" : "length",
  knobs: arg("knobs")?.split(",").map(Number) ?? DEFAULT_REPLAY.knobs,
  seed: Number(arg("seed") ?? DEFAULT_REPLAY.seed),
  exploration: process.argv.includes("--no-explore")
    ? { enabled: false }
    : { ...DEFAULT_REPLAY.exploration, ...(arg("explore-scale") ? { scale: Number(arg("explore-scale")) } : {}) },
  textModel: {
    ...(arg("dim") ? { dim: Number(arg("dim")) } : {}),
    ...(arg("epochs") ? { epochs: Number(arg("epochs")) } : {}),
    ...(arg("prior") ? { priorPrecision: Number(arg("prior")) } : {}),
    memory: memoryOpt,
  },
};

async function main() {
  // Knobs are independent walks: split them over worker threads (--workers, default one per core, at
  // most 2 here); the joined figures are identical to one thread's (mergeReplays).
  const workers = Math.max(1, Math.min(Number(arg("workers") ?? Math.min(2, availableParallelism())), opts.knobs.length));
  const t0 = Date.now();
  const r =
    workers === 1
      ? runReplay(train, test, opts)
      : mergeReplays(
          await Promise.all(
            Array.from({ length: workers }, (_, w) => {
              const knobs = opts.knobs.filter((_, i) => i % workers === w);
              return new Promise<ReplayResult>((resolve, reject) => {
                const worker = new Worker(path.join(__dirname, "routing", "replay-worker.cjs"), { workerData: { trainPath, testPath, opts: { ...opts, knobs } } });
                worker.once("message", resolve);
                worker.once("error", reject);
              });
            }),
          ),
          opts.knobs,
        );
  // A ratio to a best single model that scores 0 or costs $0 has no value: say so instead of "NaN%".
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "n/a");

  console.log(`train ${train.length} rows (${trainPath}), test ${r.prompts} prompts (${testPath}), ${r.models.length} models, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log("single models on the test prompts:");
  for (const s of [...r.singles].sort((a, b) => a.cost_usd - b.cost_usd)) {
    console.log(`  ${s.model.padEnd(36)} quality ${s.quality.toFixed(3)}  cost $${s.cost_usd.toFixed(4)}`);
  }
  console.log(`best single: ${r.best_single.model} quality ${r.best_single.quality.toFixed(3)} cost $${r.best_single.cost_usd.toFixed(4)}`);
  console.log("router sweep (knob = quality-vs-cost setting):");
  for (const p of r.points) {
    console.log(
      `  knob ${p.knob.toFixed(2)}  quality ${p.quality.toFixed(3)} (${pct(p.quality_ratio)} of best)  cost $${p.cost_usd.toFixed(4)} (${pct(p.cost_ratio)} of best)  explored ${p.explored}`,
    );
  }
  for (const floor of [1, 0.98, 0.95, 0.9]) {
    const p = cheapestPointAbove(r.points, floor);
    console.log(p ? `cheapest point with ≥ ${pct(floor)} of best quality: knob ${p.knob} → ${pct(p.quality_ratio)} at ${pct(p.cost_ratio)} of the cost` : `no point reaches ${pct(floor)} of best quality`);
  }
  console.log(`AIQ ${r.aiq.toFixed(4)} vs best-single hull ${r.aiq_best_single_hull.toFixed(4)}`);

  const choicesPath = arg("choices");
  if (choicesPath) {
    writeFileSync(choicesPath, r.choices.map((c) => JSON.stringify(c)).join("\n") + "\n");
    console.log(`wrote ${r.choices.length} choices to ${choicesPath}`);
  }
  const round = (x: number, d = 6) => Math.round(x * 10 ** d) / 10 ** d;
  console.log(
    JSON.stringify({
      prompts: r.prompts,
      best_single: { model: r.best_single.model, quality: round(r.best_single.quality), cost_usd: round(r.best_single.cost_usd) },
      points: r.points.map((p) => ({ knob: p.knob, quality: round(p.quality), cost_usd: round(p.cost_usd), quality_ratio: round(p.quality_ratio), cost_ratio: round(p.cost_ratio) })),
      aiq: round(r.aiq),
      aiq_best_single_hull: round(r.aiq_best_single_hull),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * Runs the replay for several settings on several train/test pairs, one after another, and prints
 * AIQ − best-single-hull AIQ and the best point at ≤ 25 % cost per pair. For tuning on the inner
 * splits only (docs/routing.md).
 *   npx tsx bench/routing/tune.ts <splitdir> <pair,pair,…> '<json settings>' ['<json settings>' …]
 * A pair is "<train>:<test>" (file names without .jsonl); a setting is a Partial<ReplayOptions>
 * whose "memory" key (if any) goes to textModel.memory, e.g. '{"memory":{"tau":0.05},"seed":8}'.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_REPLAY, parseReplayFile, runReplay, type ReplayOptions } from "@/lib/routing/replay";

const [dir, pairsArg, ...settings] = process.argv.slice(2);
const load = (n: string) => parseReplayFile(readFileSync(`${dir}/${n}.jsonl`, "utf8"), n);
const pairs = pairsArg.split(",").map((p) => p.split(":") as [string, string]);
const cache = new Map<string, ReturnType<typeof load>>();
const get = (n: string) => cache.get(n) ?? (cache.set(n, load(n)), cache.get(n)!);
for (const sj of settings.length ? settings : ["{}"]) {
  const s = JSON.parse(sj) as Partial<ReplayOptions> & { memory?: unknown; explore?: number };
  const o: Partial<ReplayOptions> = {
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
    ...(s.knobs ? { knobs: s.knobs } : {}),
    exploration: { ...DEFAULT_REPLAY.exploration, ...(s.explore !== undefined ? { scale: s.explore } : {}) },
    textModel: { ...(s.memory !== undefined ? { memory: s.memory as never } : {}) },
  };
  const cells: string[] = [];
  let sum = 0;
  let worst = Infinity;
  for (const [tr, te] of pairs) {
    const r = runReplay(get(tr), get(te), o);
    const d = r.aiq - r.aiq_best_single_hull;
    sum += d;
    worst = Math.min(worst, d);
    const b = r.points.filter((p) => p.cost_ratio <= 0.25).sort((x, y) => y.quality_ratio - x.quality_ratio)[0];
    cells.push(`${te.replace(/-test/, "")} ${r.aiq.toFixed(4)}/${r.aiq_best_single_hull.toFixed(4)} (${d >= 0 ? "+" : ""}${d.toFixed(4)}) ${b ? `${(b.quality_ratio * 100).toFixed(1)}%@${(b.cost_ratio * 100).toFixed(1)}` : "-"}`);
  }
  console.log(`${sj}  mean Δ ${(sum / pairs.length).toFixed(4)} worst ${worst.toFixed(4)}\n    ${cells.join("\n    ")}`);
}

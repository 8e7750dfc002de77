/**
 * The replay benchmark's core, shared by bench/routing.ts and its tests. It runs the product's
 * own analyser, router and learning code: warm start on the train rows, then for every test
 * prompt in order route() chooses from the prompt text and the models' prices alone, only the
 * chosen model's score is revealed, and it is fed back as a rating.
 */
import { analyse } from "@/lib/analysis";
import { applyOutcome, cloneSnapshot, seededRng, warmStart, type ExplorationPolicy, type WarmStartOptions } from "@/lib/learning";
import { isRefusal, route, type RouteCandidate } from "./index";
import { aiq, type CostQuality } from "./aiq";
import { parseReplayFile, type ReplayRow } from "./outcomes-file";

export { MAX_COST_USD, OutcomesFileError, parseReplayFile, type ReplayRow } from "./outcomes-file";

export interface ReplayOptions {
  /**
   * What the router is told each model will cost for a prompt. "length" (default): an estimate
   * from the prompt's length — per model, a least-squares line cost ≈ α + β·characters fitted on
   * the train rows — so nothing about the answer leaks into the choice. "actual": the answer's real
   * cost from the row (leaks the answer's length; kept only to compare with older figures).
   * Totals are always the real costs.
   */
  costView: "length" | "actual";
  knobs: number[];
  seed: number;
  exploration: Partial<ExplorationPolicy>;
  textModel: WarmStartOptions;
}

export const DEFAULT_KNOBS = [
  0, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.62, 0.64, 0.66, 0.68, 0.7, 0.72, 0.74, 0.76, 0.78, 0.8, 0.82, 0.84, 0.86, 0.88, 0.9, 0.95, 1,
];

export const DEFAULT_REPLAY: ReplayOptions = {
  costView: "length",
  knobs: DEFAULT_KNOBS,
  seed: 7,
  exploration: { enabled: true, scale: 0.1, maxExtraCostFraction: 1, maxExtraCostMicros: Infinity },
  textModel: {},
};

export interface ReplayPoint {
  knob: number;
  quality: number;
  cost_usd: number;
  quality_ratio: number;
  cost_ratio: number;
  explored: number;
}

export interface ReplayResult {
  prompts: number;
  models: string[];
  singles: { model: string; quality: number; cost_usd: number }[];
  best_single: { model: string; quality: number; cost_usd: number };
  points: ReplayPoint[];
  aiq: number;
  aiq_best_single_hull: number;
  choices: { knob: number; id: string; model: string }[];
}

export function runReplay(train: ReplayRow[], test: ReplayRow[], options: Partial<ReplayOptions> = {}): ReplayResult {
  const o = { ...DEFAULT_REPLAY, ...options };
  const warm = warmStart(train, o.textModel);
  // One cost scale for the whole run (the average price of the dearest model on the train file),
  // so the knob trades quality against absolute cost — a Lagrangian over the whole test set.
  const costScaleMicros =
    (train.reduce((s, r) => s + Math.max(...Object.values(r.outcomes).map((x) => x.cost_usd)), 0) / train.length) * 1e6;

  const estimate = lengthCostModel(train, test);
  const { models, singles, best } = singleModels(test);

  // The product refuses an empty task; a replay must still choose for every row of the file, so
  // a blank prompt is routed as the text "(empty prompt)" — the router sees that it knows nothing.
  const profiles = test.map((r) => analyse({ task: r.prompt.trim() ? r.prompt : "(empty prompt)", qualityRequirement: "normal" }));
  const choices: ReplayResult["choices"] = [];
  const points: ReplayPoint[] = [];
  for (const knob of o.knobs) {
    const snap = cloneSnapshot(warm);
    const rng = seededRng(o.seed);
    let q = 0;
    let c = 0;
    let explored = 0;
    for (let i = 0; i < test.length; i++) {
      const row = test[i];
      const profile = profiles[i];
      // Only the price of each model for this prompt is visible to the router, never the scores.
      const candidates: RouteCandidate[] = Object.entries(row.outcomes).map(([id, out]) => ({
        id,
        provider: id.split("/")[0],
        // The replay has no notion of where a model runs; privacy routing is tested separately.
        local: true,
        enabled: true,
        contextWindow: Number.MAX_SAFE_INTEGER,
        inputPerMTokMicros: 0,
        outputPerMTokMicros: 0,
        strengths: [],
        costTier: "unknown",
        estimatedCostMicros: (o.costView === "actual" ? out.cost_usd : estimate(id, row.prompt.length)) * 1e6,
      }));
      const d = route(profile, candidates, {
        learned: snap,
        settings: { qualityVsCost: knob, costScaleMicros, exploration: o.exploration },
        rng,
      });
      if (isRefusal(d)) throw new Error(`router refused test prompt ${row.id}: ${d.message}`);
      const out = row.outcomes[d.model];
      q += out.score;
      c += out.cost_usd;
      if (d.explored) explored++;
      choices.push({ knob, id: row.id, model: d.model });
      // Reveal only the chosen model's score, as a rating.
      applyOutcome(snap, { domain: profile.domain, model: d.model, y: out.score, vector: profile.vector }, { mutate: true });
    }
    points.push({
      knob,
      quality: q / test.length,
      cost_usd: c,
      quality_ratio: q / test.length / best.quality,
      cost_ratio: c / best.cost_usd,
      explored,
    });
  }
  const singlePts: CostQuality[] = singles.map((s) => ({ cost: s.cost_usd, quality: s.quality }));
  const cMin = Math.min(...singlePts.map((p) => p.cost));
  const cMax = Math.max(...singlePts.map((p) => p.cost));
  return {
    prompts: test.length,
    models,
    singles,
    best_single: best,
    points,
    aiq: aiq(points.map((p) => ({ cost: p.cost_usd, quality: p.quality })), cMin, cMax),
    aiq_best_single_hull: aiq(singlePts, cMin, cMax),
    choices,
  };
}

/**
 * Every model of the file used alone on all its rows (a row without the model scores 0 and costs
 * nothing), and the best of them: highest mean score, ties → cheaper.
 */
export function singleModels(rows: ReplayRow[]) {
  const models = [...new Set(rows.flatMap((r) => Object.keys(r.outcomes)))].sort();
  const singles = models.map((m) => {
    let q = 0;
    let c = 0;
    for (const r of rows) {
      q += r.outcomes[m]?.score ?? 0;
      c += r.outcomes[m]?.cost_usd ?? 0;
    }
    return { model: m, quality: q / rows.length, cost_usd: c };
  });
  const best = singles.reduce((a, b) => (b.quality > a.quality || (b.quality === a.quality && b.cost_usd < a.cost_usd) ? b : a));
  return { models, singles, best };
}

/**
 * Joins replays of the same files run on disjoint sets of knobs (e.g. in parallel threads) into the
 * result one run over all of them gives: points and choices in the order of `knobs`, AIQ over the
 * joined points. Every knob's walk is independent (its own copy of the warm snapshot, its own rng
 * seeded the same way), so the figures are identical to a single run's.
 */
export function mergeReplays(parts: ReplayResult[], knobs: number[]): ReplayResult {
  const first = parts[0];
  const order = (k: number) => knobs.indexOf(k);
  const points = parts.flatMap((p) => p.points).sort((a, b) => order(a.knob) - order(b.knob));
  const choices = parts.flatMap((p) => p.choices).sort((a, b) => order(a.knob) - order(b.knob)); // stable: prompt order kept
  const cMin = Math.min(...first.singles.map((s) => s.cost_usd));
  const cMax = Math.max(...first.singles.map((s) => s.cost_usd));
  return { ...first, points, choices, aiq: aiq(points.map((p) => ({ cost: p.cost_usd, quality: p.quality })), cMin, cMax) };
}

/**
 * Per model, cost ≈ α + β·(prompt characters), least squares on the train rows (β ≥ 0, α ≥ 0).
 * A model missing from the train rows is fitted the same way on `priceRows` (the test file: its
 * costs over the whole file stand in for the model's price list — one line per model, no score,
 * no single answer's cost); without them it gets the mean of the known models' estimates.
 */
export function lengthCostModel(train: ReplayRow[], priceRows: ReplayRow[] = []): (model: string, chars: number) => number {
  const fit = new Map<string, { a: number; b: number }>();
  const fitOn = (rows: ReplayRow[], m: string) => {
    let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const r of rows) {
      const o = r.outcomes[m];
      if (!o) continue;
      const x = r.prompt.length;
      n++;
      sx += x;
      sy += o.cost_usd;
      sxx += x * x;
      sxy += x * o.cost_usd;
    }
    if (n === 0) return;
    const varX = sxx / n - (sx / n) ** 2;
    let b = varX > 1e-12 ? (sxy / n - (sx / n) * (sy / n)) / varX : 0;
    b = Math.max(0, b);
    let a = sy / n - b * (sx / n);
    if (a < 0) {
      a = 0;
      b = sxx > 0 ? sxy / sxx : 0;
    }
    fit.set(m, { a, b });
  };
  for (const m of new Set(train.flatMap((r) => Object.keys(r.outcomes)))) fitOn(train, m);
  const known = [...fit.values()];
  for (const m of new Set(priceRows.flatMap((r) => Object.keys(r.outcomes)))) if (!fit.has(m)) fitOn(priceRows, m);
  return (model, chars) => {
    const f = fit.get(model);
    if (f) return f.a + f.b * chars;
    return known.length ? known.reduce((s, g) => s + g.a + g.b * chars, 0) / known.length : 0;
  };
}

/** The best point with at least `minQualityRatio` of the best single model's quality (cheapest first). */
export function cheapestPointAbove(points: ReplayPoint[], minQualityRatio: number): ReplayPoint | undefined {
  return points.filter((p) => p.quality_ratio >= minQualityRatio).sort((a, b) => a.cost_ratio - b.cost_ratio)[0];
}

/** A seeded Fisher–Yates shuffle (same seed, same order on every machine). */
export function shuffle<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Seeded train/test split. */
export function split<T>(xs: T[], seed: number, trainFraction = 0.7): [T[], T[]] {
  const s = shuffle(xs, seed);
  const n = Math.round(s.length * trainFraction);
  return [s.slice(0, n), s.slice(n)];
}

export const SIMULATOR_KNOBS = [0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/**
 * The routing simulator: an outcomes file is split 70/30 (seeded), the router warm-starts on the
 * 70 % and is replayed on the 30 % it has never seen, for a few settings of the knob.
 */
export function simulateOutcomes(text: string, opts: { seed?: number; maxRows?: number; knobs?: number[] } = {}) {
  const rows = parseReplayFile(text);
  const maxRows = opts.maxRows ?? 3000;
  if (rows.length > maxRows) throw new Error(`The file has ${rows.length} prompts; the simulator takes at most ${maxRows}. Use \`npm run bench:routing\` for larger files.`);
  if (rows.length < 20) throw new Error(`The file has ${rows.length} ${rows.length === 1 ? "prompt" : "prompts"}; at least 20 are needed to hold some out.`);
  const [train, test] = split(rows, opts.seed ?? 20240601);
  const { choices: _c, ...result } = runReplay(train, test, { knobs: opts.knobs ?? SIMULATOR_KNOBS });
  return { ...result, train: train.length, test: test.length };
}

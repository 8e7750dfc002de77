import type { Domain, SparseVector } from "@/lib/analysis";
import { sampleBeta, sampleNormal } from "./rng";
import { familiarity, memoryAdd, neighbourEvidence, neighbours, type MemoryState, type Neighbours } from "./memory";
import { emptyTextModel, textLogit, textUpdate, type TextModelState } from "./text-model";

/** Beta posterior pseudo-counts for one (domain, model), on top of the prior. */
export interface Arm {
  /** Weighted successes. */
  a: number;
  /** Weighted failures. */
  b: number;
}

/**
 * Everything the router learns. Plain JSON (no classes, no typed arrays) so it can be stored in
 * Postgres as jsonb and shared between processes.
 */
export interface LearningSnapshot {
  version: 1;
  /** arms[domain][model]. */
  arms: Partial<Record<Domain, Record<string, Arm>>>;
  /** Optional per-task text model; present after a warm start with prompts. */
  text?: TextModelState;
  /** Text-model updates are ignored below this many outcomes for a model (too little to trust). */
  textMinOutcomes: number;
  /**
   * Optional nearest-neighbour memory of past tasks and outcomes (lib/learning/memory.ts); present
   * after a warm start with prompts. When present, the estimate for a task with a vector is the
   * neighbours' outcomes on top of the text model's (or the ratings') estimate.
   */
  memory?: MemoryState;
  /**
   * Model-agnostic prior for models the snapshot does not know, learned at warm start from the
   * train rows' costs: a model's score minus the mean score of all models on the same prompt,
   * against its relative log-price position among them (0 = cheapest, 1 = dearest), centred — a
   * least-squares slope. Absent when the rows had no costs.
   */
  pricePrior?: { slope: number };
}

export type Rating = { kind: "thumbs"; up: boolean } | { kind: "stars"; stars: 1 | 2 | 3 | 4 | 5 };
export type Signal = "error" | "fallback" | "success";

/** Prior belief before any outcome: Beta(mean·strength, (1−mean)·strength). */
export interface QualityPrior {
  mean: number;
  strength: number;
}
export const DEFAULT_PRIOR: QualityPrior = { mean: 0.5, strength: 2 };

export function emptySnapshot(): LearningSnapshot {
  return { version: 1, arms: {}, textMinOutcomes: 20 };
}

/** Deep copy, for callers that keep the old snapshot (the replay keeps one per setting). */
export function cloneSnapshot(s: LearningSnapshot): LearningSnapshot {
  return structuredClone(s);
}

/** Rating → (success value in [0, 1], evidence weight). */
export function ratingOutcome(r: Rating): { y: number; weight: number } {
  if (r.kind === "thumbs") return { y: r.up ? 1 : 0, weight: 1 };
  const s = Math.min(5, Math.max(1, Math.round(r.stars)));
  return { y: (s - 1) / 4, weight: 1 };
}

/**
 * Automatic signals: an error is a full failure; a fallback (the model was skipped for a later
 * one) half a failure; a plain success is weak evidence (it ran, nobody judged the answer).
 */
export function signalOutcome(s: Signal): { y: number; weight: number } {
  if (s === "error") return { y: 0, weight: 1 };
  if (s === "fallback") return { y: 0, weight: 0.5 };
  return { y: 1, weight: 0.25 };
}

/**
 * Records one outcome y ∈ [0, 1] with `weight` for (domain, model), and — when the task's text
 * vector is given and the snapshot has a text model — for that task. Returns a new snapshot;
 * pass `{ mutate: true }` to update in place (the replay does, for speed).
 */
export function applyOutcome(
  snapshot: LearningSnapshot,
  o: { domain: Domain; model: string; y: number; weight?: number; vector?: SparseVector },
  opts: { mutate?: boolean } = {},
): LearningSnapshot {
  const s = opts.mutate ? snapshot : cloneSnapshot(snapshot);
  const w = o.weight ?? 1;
  const y = Math.min(1, Math.max(0, o.y));
  const residualBase = o.vector && s.memory && w >= 1 && (s.memory.shiftKappa ?? 0) > 0 ? priorMean(s, { domain: o.domain, model: o.model, vector: o.vector }) : undefined;
  const byModel = (s.arms[o.domain] ??= {});
  const arm = (byModel[o.model] ??= { a: 0, b: 0 });
  arm.a += w * y;
  arm.b += w * (1 - y);
  if (o.vector && s.text) textUpdate(s.text, o.model, o.vector, y, w);
  // Only full outcomes are remembered (a weak "it ran" signal is not a judged answer). The residual
  // is against the prior the router had for this model and task (before this outcome).
  if (o.vector && s.memory && w >= 1) memoryAdd(s.memory, o.vector, { [o.model]: y }, true, residualBase === undefined ? null : y - residualBase);
  return s;
}

export function applyRating(
  snapshot: LearningSnapshot,
  r: { domain: Domain; model: string; rating: Rating; vector?: SparseVector },
  opts: { mutate?: boolean } = {},
): LearningSnapshot {
  return applyOutcome(snapshot, { domain: r.domain, model: r.model, vector: r.vector, ...ratingOutcome(r.rating) }, opts);
}

export function applySignal(
  snapshot: LearningSnapshot,
  r: { domain: Domain; model: string; signal: Signal; vector?: SparseVector },
  opts: { mutate?: boolean } = {},
): LearningSnapshot {
  return applyOutcome(snapshot, { domain: r.domain, model: r.model, vector: r.vector, ...signalOutcome(r.signal) }, opts);
}

/** Posterior of the quality of `model` on a task, with where the estimate came from. */
export interface QualityEstimate {
  /** Expected success probability (0..1). */
  mean: number;
  /** Standard deviation of the estimate: large = little evidence. */
  sd: number;
  /** Outcomes behind the estimate. */
  evidence: number;
  source: "text-model" | "ratings" | "prior";
  /** One Thompson draw from the posterior. */
  sample(rng: () => number): number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Quality posterior for (domain, model). With a task vector and a text model that has seen
 * enough outcomes for this model, the text model answers (it knows this exact task's words);
 * otherwise the Beta posterior of (domain, model) on top of `prior`.
 */
export function qualityEstimate(
  snapshot: LearningSnapshot,
  q: {
    domain: Domain;
    model: string;
    vector?: SparseVector;
    prior?: QualityPrior;
    explorationScale?: number;
    /** The model's relative log-price position among the candidates (0..1) minus their mean position. */
    pricePosition?: number;
  },
): QualityEstimate {
  const mem = snapshot.memory;
  if (!q.vector || !mem || mem.vectors.length === 0) return baseEstimate(snapshot, q);
  const nb = neighboursOf(mem, q.vector);
  const { a, b } = neighbourEvidence(mem, nb, q.model);
  // Unlike every warm-start task: the text model extrapolates, so its guess is shrunk towards the
  // model's overall quality and the draw widens (more exploration) — no early lock-in.
  // A model no warm-start or text-model evidence knows is unfamiliar on every task: its prior is
  // its overall live record on top of an optimistic `unknownPrior`, so each new model gets tried
  // a few times before the router settles (instead of staying at 0.5 behind a tried model).
  const textArm = snapshot.text?.models[q.model];
  const known = !!textArm && textArm.n >= snapshot.textMinOutcomes;
  const up = mem.unknownPrior ?? 0;
  const us = mem.unknownScale ?? -1;
  const unknown = !known && (up > 0 || us >= 0);
  const fam = unknown ? 0 : familiarity(mem, nb);
  const scale0 = q.explorationScale ?? 1;
  const ns = mem.novelScale ?? -1;
  const scale = unknown && us >= 0 ? us : fam < 1 && ns >= 0 ? scale0 + (1 - fam) * (ns - scale0) : scale0;
  const base = baseEstimate(snapshot, { ...q, explorationScale: scale });
  if (a + b <= 0 && fam >= 1 && nb.shift === 0) return base;
  // An unknown model's live record is already the memory's evidence (a, b): its prior is `up`
  // alone (counting the record in both would halve its estimate after one failure — lock-in).
  const g = fam < 1 ? (unknown && up > 0 ? unknownPriorMean(snapshot, mem, nb, up, q.pricePosition) : overallQuality(snapshot, q.model, q.prior)) : 0;
  const shift = nb.shift;
  const clamp = (p: number) => Math.min(0.99, Math.max(0.01, p));
  const p0 = shift !== 0 ? clamp(fam * base.mean + (1 - fam) * g + shift) : fam * base.mean + (1 - fam) * g;
  const k = mem.kappa;
  const pa = k * p0 + a;
  const pb = k * (1 - p0) + b;
  const mean = pa / (pa + pb);
  return {
    mean,
    sd: Math.sqrt((pa * pb) / ((pa + pb) * (pa + pb) * (pa + pb + 1))),
    evidence: base.evidence,
    source: base.source,
    // The prior part is itself uncertain: draw it from the base posterior, then the neighbours' Beta.
    // Scale 0 means greedy: the draw is the mean (a Beta with infinite counts would draw NaN, and a
    // NaN never wins the router's draw, so any other model would be "explored" in its place).
    sample: scale <= 0 ? () => mean : (rng) => {
      const p = shift !== 0 ? clamp(fam * base.sample(rng) + (1 - fam) * g + shift) : fam * base.sample(rng) + (1 - fam) * g;
      return sampleBeta(Math.max(1e-6, (k * p + a) / scale), Math.max(1e-6, (k * (1 - p) + b) / scale), rng);
    },
  };
}

/**
 * Prior mean of a model the snapshot does not know. With a learned price slope, the candidate's
 * price position and `unknownBonus` ≥ 0: the known models' mean quality on this task's neighbours
 * (how hard the task is) + slope × position + the bonus (optimism, so it gets tried). Else `up`.
 */
function unknownPriorMean(snapshot: LearningSnapshot, mem: MemoryState, nb: Neighbours, up: number, position: number | undefined): number {
  const slope = snapshot.pricePrior?.slope;
  const bonus = mem.unknownBonus ?? -1;
  if (slope === undefined || position === undefined || bonus < 0) return up;
  let a = 0;
  let b = 0;
  const text = snapshot.text?.models;
  if (nb.pa && nb.pb) {
    for (let mi = 0; mi < nb.pa.length; mi++) {
      const arm = text?.[mem.models[mi]];
      if (!arm || arm.n < snapshot.textMinOutcomes) continue;
      a += nb.pa[mi];
      b += nb.pb[mi];
    }
  }
  // Too little nearby evidence: the known models' overall mean.
  if (a + b < 1) {
    let n = 0;
    let sum = 0;
    for (const [m, arm] of Object.entries(text ?? {})) {
      if (arm.n < snapshot.textMinOutcomes) continue;
      sum += overallQuality(snapshot, m);
      n++;
    }
    a = n > 0 ? sum / n : 0.5;
    b = 1 - a;
  }
  const d = a / (a + b);
  return Math.min(0.98, Math.max(0.02, d + slope * position + bonus));
}

/** The router's prior for a model on a task before the memory's own outcomes for it (text model or ratings, shrunk when novel). */
function priorMean(snapshot: LearningSnapshot, q: { domain: Domain; model: string; vector: SparseVector }): number {
  const base = baseEstimate(snapshot, q);
  const mem = snapshot.memory;
  if (!mem || mem.vectors.length === 0) return base.mean;
  const fam = familiarity(mem, neighboursOf(mem, q.vector));
  return fam >= 1 ? base.mean : fam * base.mean + (1 - fam) * overallQuality(snapshot, q.model);
}

/** A model's mean outcome over every domain (the arms), on top of the prior; the prior alone when unseen. */
export function overallQuality(snapshot: LearningSnapshot, model: string, prior: QualityPrior = DEFAULT_PRIOR): number {
  let a = prior.mean * prior.strength;
  let b = (1 - prior.mean) * prior.strength;
  for (const byModel of Object.values(snapshot.arms)) {
    const arm = byModel?.[model];
    if (arm) {
      a += arm.a;
      b += arm.b;
    }
  }
  return a / (a + b);
}

// One neighbour search per task, not per candidate: the router asks for every model with the same
// vector object. Keyed by the vector; invalid once the memory changes (another object or an add).
const nbCache = new WeakMap<SparseVector, { mem: MemoryState; added: number; nb: Neighbours }>();
function neighboursOf(mem: MemoryState, v: SparseVector): Neighbours {
  const hit = nbCache.get(v);
  if (hit && hit.mem === mem && hit.added === mem.added) return hit.nb;
  const nb = neighbours(mem, v);
  nbCache.set(v, { mem, added: mem.added, nb });
  return nb;
}

/** The text model's (or the ratings') posterior, before the neighbour memory. */
function baseEstimate(
  snapshot: LearningSnapshot,
  q: { domain: Domain; model: string; vector?: SparseVector; prior?: QualityPrior; explorationScale?: number },
): QualityEstimate {
  const scale = q.explorationScale ?? 1;
  const textArm = snapshot.text?.models[q.model];
  if (q.vector && snapshot.text && textArm && textArm.n >= snapshot.textMinOutcomes) {
    const l = textLogit(snapshot.text, q.model, q.vector)!;
    const sdLogit = Math.sqrt(l.variance);
    const mean = sigmoid(l.mean / Math.sqrt(1 + (Math.PI * l.variance) / 8));
    return {
      mean,
      sd: mean * (1 - mean) * sdLogit,
      evidence: textArm.n,
      source: "text-model",
      sample: scale <= 0 ? () => mean : (rng) => sigmoid(l.mean + scale * sdLogit * sampleNormal(rng)),
    };
  }
  const prior = q.prior ?? DEFAULT_PRIOR;
  const arm = snapshot.arms[q.domain]?.[q.model];
  const a = prior.mean * prior.strength + (arm?.a ?? 0);
  const b = (1 - prior.mean) * prior.strength + (arm?.b ?? 0);
  const mean = a / (a + b);
  const evidence = (arm?.a ?? 0) + (arm?.b ?? 0);
  return {
    mean,
    sd: Math.sqrt((a * b) / ((a + b) * (a + b) * (a + b + 1))),
    evidence,
    source: evidence > 0 ? "ratings" : "prior",
    // Scaling the pseudo-counts down widens the draw (more exploration) without moving the mean.
    sample: scale <= 0 ? () => mean : (rng) => sampleBeta(a / scale, b / scale, rng),
  };
}

/** Expected quality of `model` for `domain` (the Beta posterior mean, prior 0.5). */
export function expectedQuality(snapshot: LearningSnapshot, domain: Domain, model: string, vector?: SparseVector): number {
  return qualityEstimate(snapshot, { domain, model, vector }).mean;
}

export { emptyTextModel };

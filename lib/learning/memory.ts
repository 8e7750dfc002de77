import type { SparseVector } from "@/lib/analysis";

/**
 * Nearest-neighbour memory of past tasks and their outcomes ("tasks like this one went well with
 * model m"). Each remembered task is the analyser's hashed text vector squeezed to `dim` dense
 * numbers by a signed random projection (cosines are kept approximately; Johnson–Lindenstrauss),
 * plus the score of every model that was tried on it (null = not tried).
 *
 * For a new task, the `k` most similar remembered tasks vote, each with weight max(0, cos)^power:
 * for model m, a Beta posterior with κ pseudo-outcomes at the prior mean (the text model's
 * prediction) plus the weighted scores of the neighbours where m was tried. Far neighbours weigh
 * almost nothing, so a task unlike anything remembered keeps the prior and its wide posterior —
 * and Thompson sampling explores there. New outcomes are remembered at once, so a new kind of task
 * is learned from its own first few outcomes. Plain JSON; a ring buffer of at most `cap` tasks.
 */
export interface MemoryState {
  dim: number;
  cap: number;
  k: number;
  power: number;
  /** Pseudo-outcomes of the prior (the text model's or the ratings' estimate). */
  kappa: number;
  /** Model names; entry scores are indexed by position here. */
  models: string[];
  /** Projected, L2-normalised vectors (rounded to 4 decimals to keep the JSON small). */
  vectors: number[][];
  /** scores[entry][modelIndex]: the outcome in [0, 1], or null when that model was not tried. */
  scores: (number | null)[][];
  /**
   * online[entry]: 1 when the task was remembered after the warm start (a live outcome, usually
   * one model), 0 for warm-start rows. Absent in older snapshots (= all warm start).
   */
  online?: (0 | 1)[];
  /**
   * Relative kernel width: a neighbour's weight is also multiplied by exp(−(s_max − s)/τ), where
   * s_max is the nearest remembered task's cosine, so once closer tasks are known (e.g. the first
   * live outcomes of a new kind of task) the far ones stop voting. 0 or absent = off.
   */
  tau?: number;
  /**
   * Familiarity ramp: f = clamp((s_warm − novelLo) / (novelHi − novelLo)), s_warm = the cosine of
   * the nearest warm-start task. Below novelHi the text model's prior is shrunk towards the
   * model's overall quality (weight 1 − f) and exploration widens towards `novelScale`.
   * Absent = always familiar (no shrinkage).
   */
  novelLo?: number;
  novelHi?: number;
  /** Exploration scale at familiarity 0, interpolated with the caller's by familiarity (negative = keep the caller's). */
  novelScale?: number;
  /**
   * Per-model neighbours: model m's evidence comes from the k nearest tasks *where m was tried*
   * (among the nearest `k × perModelPool` tasks), not from the k nearest tasks overall. Live
   * outcomes carry one model each, so with the overall top k a model gets only a few of them.
   * 0 or absent = off.
   */
  perModelPool?: number;
  /**
   * resid[entry]: a live outcome minus the router's prior estimate for that model and task (null
   * for warm-start rows). Nearby residuals shift every model's prior by their weighted mean
   * (shrunk with `shiftKappa` pseudo-entries of 0): if the models tried on a new kind of task do
   * worse than predicted, the untried ones are presumed to as well, so they no longer look better
   * merely for being untried. shiftKappa 0 or absent = off.
   */
  resid?: (number | null)[];
  shiftKappa?: number;
  /**
   * Prior mean (κ pseudo-outcomes) of a model the text model does not know yet (fewer than
   * textMinOutcomes outcomes): optimistic, so new models get tried. 0 or absent = the router's
   * ordinary prior (0.5, or 0.7 for a listed strength).
   */
  unknownPrior?: number;
  /**
   * With a learned price slope (snapshot.pricePrior) and the candidate's price position: the
   * unknown model's prior is the known models' mean on this task + slope × position + this bonus
   * (optimism, so it is tried) instead of `unknownPrior`. Negative or absent = `unknownPrior`.
   */
  unknownBonus?: number;
  /** Thompson scale for such a model (negative or absent = as for known models). */
  unknownScale?: number;
  /**
   * 1 = on a task unlike every warm-start task (familiarity 0) the warm-start tasks do not vote
   * (the prior already stands for them): the evidence is the live outcomes of tasks like it.
   * 0/absent = off.
   */
  novelLive?: number;
  /** Relative kernel width on a task of familiarity 0; negative/absent = `tau`. */
  novelTau?: number;
  /** Next slot to overwrite once `cap` is reached. */
  next: number;
  /** Tasks remembered so far (also overwritten ones): changes on every add. */
  added: number;
}

/** Tuned on the inner split of the RouterBench train part (docs/routing.md). */
export const MEMORY_DEFAULTS = { dim: 64, cap: 4000, k: 100, power: 0, kappa: 2, tau: 0.05, novelLo: 0.8, novelHi: 0.95, novelScale: 0, perModelPool: 10, shiftKappa: 0, unknownPrior: 1, unknownScale: -1, unknownBonus: 0, novelLive: 1, novelTau: 0.2 };

export type MemorySettings = Partial<Pick<MemoryState, "dim" | "cap" | "k" | "power" | "kappa" | "tau" | "novelLo" | "novelHi" | "novelScale" | "perModelPool" | "shiftKappa" | "unknownPrior" | "unknownScale" | "novelLive" | "novelTau" | "unknownBonus">>;

export function emptyMemory(o: MemorySettings = {}): MemoryState {
  return { ...MEMORY_DEFAULTS, ...o, models: [], vectors: [], scores: [], online: [], next: 0, added: 0 };
}

/** Signed hash of a feature index into one of `dim` buckets (fixed: stored vectors depend on it). */
function bucket(i: number, dim: number): { j: number; sign: number } {
  let h = Math.imul(i ^ 0x5bd1e995, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return { j: h % dim, sign: h & 0x80000000 ? -1 : 1 };
}

export function project(x: SparseVector, dim: number): Float64Array {
  const out = new Float64Array(dim);
  for (let k = 0; k < x.indices.length; k++) {
    const { j, sign } = bucket(x.indices[k], dim);
    out[j] += sign * x.values[k];
  }
  let n = 0;
  for (let j = 0; j < dim; j++) n += out[j] * out[j];
  n = Math.sqrt(n) || 1;
  for (let j = 0; j < dim; j++) out[j] /= n;
  return out;
}

function modelIndex(m: MemoryState, model: string): number {
  let i = m.models.indexOf(model);
  if (i < 0) {
    i = m.models.length;
    m.models.push(model);
    for (const s of m.scores) s.push(null);
  }
  return i;
}

/**
 * Remembers one task with the outcomes it has (a full replay row, or one rated model). Mutates.
 * `online` = false for warm-start rows (they define what is familiar), true for live outcomes.
 */
export function memoryAdd(m: MemoryState, x: SparseVector | Float64Array, outcomes: Record<string, number>, online = true, resid: number | null = null): void {
  const v = x instanceof Float64Array ? x : project(x, m.dim);
  for (const model of Object.keys(outcomes)) modelIndex(m, model);
  const row: (number | null)[] = m.models.map((name) => (name in outcomes ? Math.min(1, Math.max(0, outcomes[name])) : null));
  const rounded = Array.from(v, (z) => Math.round(z * 1e4) / 1e4);
  const on = m.online ?? (m.online = m.vectors.map(() => 0 as const));
  const rs = m.resid ?? (m.resid = m.vectors.map(() => null));
  const r = resid === null ? null : Math.round(resid * 1e4) / 1e4;
  if (m.vectors.length < m.cap) {
    m.vectors.push(rounded);
    m.scores.push(row);
    on.push(online ? 1 : 0);
    rs.push(r);
  } else {
    m.vectors[m.next] = rounded;
    m.scores[m.next] = row;
    on[m.next] = online ? 1 : 0;
    rs[m.next] = r;
    m.next = (m.next + 1) % m.cap;
  }
  m.added++;
}

/** Neighbour weights of a task: indices of the k nearest remembered tasks and their weights. */
export interface Neighbours {
  idx: Int32Array;
  w: Float64Array;
  /** Cosine of the nearest warm-start task (−1 when there is none). */
  warmMax: number;
  /** Shift of every model's prior from nearby live residuals (0 when off or none). */
  shift: number;
  /** Per-model evidence (perModelPool > 0): weighted successes / failures by model index. */
  pa?: Float64Array;
  pb?: Float64Array;
}

// Scratch buffers (JS is single-threaded), grown on demand.
let simBuf = new Float64Array(0);
let selBuf = new Float64Array(0);
let keyBuf = new Float64Array(0);

/** The k-th largest of a[0..n) (quickselect on a copy in selBuf). */
function kthLargest(a: Float64Array, n: number, k: number): number {
  if (selBuf.length < n) selBuf = new Float64Array(n * 2);
  const s = selBuf;
  s.set(a.subarray(0, n));
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = s[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (s[i] > pivot) i++;
      while (s[j] < pivot) j--;
      if (i <= j) {
        const t = s[i];
        s[i] = s[j];
        s[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return s[target];
}

// The stored vectors as one flat typed array per memory object (derived, never serialised):
// appended to in place while the memory only grows, rebuilt after a wrap or a foreign change.
const flatCache = new WeakMap<MemoryState, { added: number; rows: number; flat: Float64Array }>();
function flatOf(m: MemoryState): Float64Array {
  const d = m.dim;
  const n = m.vectors.length;
  let c = flatCache.get(m);
  if (c && c.added === m.added && c.rows === n) return c.flat;
  const appendOnly = c !== undefined && n > c.rows && m.added - c.added === n - c.rows && n < m.cap;
  if (!c || !appendOnly) c = { added: 0, rows: 0, flat: new Float64Array(Math.max(n, 64) * d * 2) };
  if (c.flat.length < n * d) {
    const bigger = new Float64Array(n * d * 2);
    bigger.set(c.flat.subarray(0, c.rows * d));
    c.flat = bigger;
  }
  for (let e = c.rows; e < n; e++) {
    const u = m.vectors[e];
    for (let j = 0; j < d; j++) c.flat[e * d + j] = u[j];
  }
  c.rows = n;
  c.added = m.added;
  flatCache.set(m, c);
  return c.flat;
}

export function neighbours(m: MemoryState, x: SparseVector | Float64Array): Neighbours {
  const n = m.vectors.length;
  const empty = { idx: new Int32Array(0), w: new Float64Array(0), warmMax: -1, shift: 0 };
  if (n === 0) return empty;
  const v = x instanceof Float64Array ? x : project(x, m.dim);
  if (simBuf.length < n) simBuf = new Float64Array(n * 2);
  const sims = simBuf;
  const d = m.dim;
  const flat = flatOf(m);
  const online = m.online;
  let warmMax = -1;
  let liveMax = -1;
  let max = -1;
  for (let e = 0, off = 0; e < n; e++, off += d) {
    let s = 0;
    for (let j = 0; j < d; j++) s += flat[off + j] * v[j];
    sims[e] = s;
    if (s > max) max = s;
    if (online && online[e] === 1) {
      if (s > liveMax) liveMax = s;
    } else if (s > warmMax) warmMax = s;
  }
  // On a task unlike every warm-start task (familiarity 0) only the live outcomes vote (the prior
  // already stands for the warm start), with a wider kernel (novelTau): a new kind of task is
  // learned from its own outcomes, pooled over more of them. (Applied for 0 < f < 1 too, it cost
  // ~0.004 AIQ on the inner split, whose code prompts are half-familiar.)
  const fam = familiarityOf(m, warmMax);
  const novel = fam <= 0 && !!online;
  const warmW = novel && (m.novelLive ?? 0) > 0 ? 0 : 1;
  const nt = m.novelTau ?? -1;
  const tauP = novel && nt >= 0 ? nt : (m.tau ?? 0);
  const maxP = warmW > 0 ? max : liveMax;
  const k = Math.min(m.k, n);
  const threshold = Math.max(0, kthLargest(sims, n, k));
  const tau = m.tau ?? 0;
  const idx: number[] = [];
  const w: number[] = [];
  for (let e = 0; e < n && idx.length < k; e++) {
    if (sims[e] >= threshold && sims[e] > 0) {
      idx.push(e);
      w.push(Math.pow(sims[e], m.power) * (tau > 0 ? Math.exp(-(max - sims[e]) / tau) : 1));
    }
  }
  const res: Neighbours = { idx: Int32Array.from(idx), w: Float64Array.from(w), warmMax, shift: 0 };
  const sk = m.shiftKappa ?? 0;
  const resid = m.resid;
  let sw = 0;
  let swr = 0;
  const pool = m.perModelPool ?? 0;
  if (pool > 0) {
    // Walk the nearest k·pool tasks from the nearest down; each model takes its first k.
    const L = Math.min(n, Math.ceil(k * pool));
    const t = Math.max(0, kthLargest(sims, n, L));
    // Sort keys: (1 − cosine) in millionths, then the entry index (a native typed-array sort).
    const span = 2 ** Math.ceil(Math.log2(n + 1));
    let nc = 0;
    if (keyBuf.length < n) keyBuf = new Float64Array(n * 2);
    if (warmW > 0) {
      for (let e = 0; e < n; e++) if (sims[e] >= t && sims[e] > 0) keyBuf[nc++] = Math.round(Math.max(0, 1 - sims[e]) * 1e6) * span + e;
    } else {
      // Only live outcomes vote: walk all of them (the warm-start tasks may be nearer).
      for (let e = 0; e < n; e++) if (online![e] === 1 && sims[e] > 0) keyBuf[nc++] = Math.round(Math.max(0, 1 - sims[e]) * 1e6) * span + e;
    }
    const cand = keyBuf.subarray(0, nc).sort();
    const M = m.models.length;
    const pa = new Float64Array(M);
    const pb = new Float64Array(M);
    const cnt = new Int32Array(M);
    let full = 0;
    for (let c = 0; c < cand.length && c < L && full < M; c++) {
      const e = cand[c] % span;
      const row = m.scores[e];
      const we = Math.pow(sims[e], m.power) * (tauP > 0 ? Math.exp(-(maxP - sims[e]) / tauP) : 1) * (online && online[e] === 1 ? 1 : warmW);
      const re = resid?.[e];
      if (sk > 0 && re !== null && re !== undefined) {
        sw += we;
        swr += we * re;
      }
      for (let mi = 0; mi < M; mi++) {
        const y = row[mi];
        if (y === null || y === undefined || cnt[mi] >= k) continue;
        if (++cnt[mi] === k) full++;
        pa[mi] += we * y;
        pb[mi] += we * (1 - y);
      }
    }
    res.pa = pa;
    res.pb = pb;
  } else if (sk > 0 && resid) {
    for (let t = 0; t < idx.length; t++) {
      const re = resid[idx[t]];
      if (re === null || re === undefined) continue;
      sw += w[t];
      swr += w[t] * re;
    }
  }
  if (sk > 0 && sw > 0) res.shift = swr / (sk + sw);
  return res;
}

/** How familiar a task is from the warm start: 1 = like the warm-start tasks, 0 = unlike all of them. */
export function familiarity(m: MemoryState, nb: Neighbours): number {
  return familiarityOf(m, nb.warmMax);
}

function familiarityOf(m: MemoryState, warmMax: number): number {
  const lo = m.novelLo ?? 0;
  const hi = m.novelHi ?? 0;
  if (!(hi > lo)) return 1;
  return Math.min(1, Math.max(0, (warmMax - lo) / (hi - lo)));
}

/** Weighted successes and failures of `model` among the neighbours (0, 0 when it was never tried there). */
export function neighbourEvidence(m: MemoryState, nb: Neighbours, model: string): { a: number; b: number } {
  const mi = m.models.indexOf(model);
  if (mi < 0) return { a: 0, b: 0 };
  if (nb.pa && nb.pb) return mi < nb.pa.length ? { a: nb.pa[mi], b: nb.pb[mi] } : { a: 0, b: 0 };
  let a = 0;
  let b = 0;
  for (let t = 0; t < nb.idx.length; t++) {
    const y = m.scores[nb.idx[t]][mi];
    if (y === null || y === undefined) continue;
    a += nb.w[t] * y;
    b += nb.w[t] * (1 - y);
  }
  return { a, b };
}

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
  /** Next slot to overwrite once `cap` is reached. */
  next: number;
  /** Tasks remembered so far (also overwritten ones): changes on every add. */
  added: number;
}

/** Tuned on the inner split of the RouterBench train part (docs/routing.md). */
export const MEMORY_DEFAULTS = { dim: 64, cap: 4000, k: 100, power: 8, kappa: 2 } as const;

export function emptyMemory(o: Partial<Pick<MemoryState, "dim" | "cap" | "k" | "power" | "kappa">> = {}): MemoryState {
  return { ...MEMORY_DEFAULTS, ...o, models: [], vectors: [], scores: [], next: 0, added: 0 };
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

/** Remembers one task with the outcomes it has (a full replay row, or one rated model). Mutates. */
export function memoryAdd(m: MemoryState, x: SparseVector | Float64Array, outcomes: Record<string, number>): void {
  const v = x instanceof Float64Array ? x : project(x, m.dim);
  for (const model of Object.keys(outcomes)) modelIndex(m, model);
  const row: (number | null)[] = m.models.map((name) => (name in outcomes ? Math.min(1, Math.max(0, outcomes[name])) : null));
  const rounded = Array.from(v, (z) => Math.round(z * 1e4) / 1e4);
  if (m.vectors.length < m.cap) {
    m.vectors.push(rounded);
    m.scores.push(row);
  } else {
    m.vectors[m.next] = rounded;
    m.scores[m.next] = row;
    m.next = (m.next + 1) % m.cap;
  }
  m.added++;
}

/** Neighbour weights of a task: indices of the k nearest remembered tasks and their weights. */
export interface Neighbours {
  idx: Int32Array;
  w: Float64Array;
}

// Scratch buffers (JS is single-threaded), grown on demand.
let simBuf = new Float64Array(0);
let selBuf = new Float64Array(0);

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
  const empty = { idx: new Int32Array(0), w: new Float64Array(0) };
  if (n === 0) return empty;
  const v = x instanceof Float64Array ? x : project(x, m.dim);
  if (simBuf.length < n) simBuf = new Float64Array(n * 2);
  const sims = simBuf;
  const d = m.dim;
  const flat = flatOf(m);
  for (let e = 0, off = 0; e < n; e++, off += d) {
    let s = 0;
    for (let j = 0; j < d; j++) s += flat[off + j] * v[j];
    sims[e] = s;
  }
  const k = Math.min(m.k, n);
  const threshold = Math.max(0, kthLargest(sims, n, k));
  const idx: number[] = [];
  const w: number[] = [];
  for (let e = 0; e < n && idx.length < k; e++) {
    if (sims[e] >= threshold && sims[e] > 0) {
      idx.push(e);
      w.push(Math.pow(sims[e], m.power));
    }
  }
  return { idx: Int32Array.from(idx), w: Float64Array.from(w) };
}

/** Weighted successes and failures of `model` among the neighbours (0, 0 when it was never tried there). */
export function neighbourEvidence(m: MemoryState, nb: Neighbours, model: string): { a: number; b: number } {
  const mi = m.models.indexOf(model);
  if (mi < 0) return { a: 0, b: 0 };
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

/** Pure parts of bench/routing/embedding-signal.ts (tested in embedding-math.test.ts). */

export type Vec = number[];

/**
 * The part of a prompt to encode: its last paragraph (after the last blank line). The encoder reads
 * only about the first 128 tokens, and the few-shot prompts here (arc-challenge, winogrande) open
 * with the same worked examples and put the question last — whole, they all encode to one vector.
 */
export function lastParagraph(prompt: string): string {
  const parts = prompt.split(/\n\s*\n/).filter((p) => p.trim());
  return parts.length ? parts[parts.length - 1].trim() : prompt;
}

export function unit(v: Vec): Vec {
  const n = Math.hypot(...v);
  return n > 0 ? v.map((x) => x / n) : v;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Indices of the k rows of `rows` (unit vectors) closest to `query` (a unit vector) by cosine. */
export function nearest(rows: Vec[], query: Vec, k: number): number[] {
  return rows
    .map((r, i) => ({ i, s: dot(r, query) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((x) => x.i);
}

/** Per-dimension mean and standard deviation of `rows`, to put every feature on one scale. */
export function standardiser(rows: Vec[]): (v: Vec) => Vec {
  const d = rows[0].length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  const sd = mean.map((m, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j] - m) ** 2, 0) / rows.length) || 1);
  return (v) => v.map((x, j) => (x - mean[j]) / sd[j]);
}

export type Logistic = { w: Float64Array; b: number };

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export const predictLogistic = (m: Logistic, x: Vec) => sigmoid(dot(x, m.w) + m.b);

/**
 * Logistic regression by plain full-batch gradient descent on the mean cross-entropy plus
 * (l2 / 2)·|w|² (the bias is not penalised). Targets may be soft (a score in 0..1).
 */
export function fitLogistic(x: Vec[], y: number[], { steps = 300, rate = 0.1, l2 = 0.01 } = {}): Logistic {
  const d = x[0].length;
  const m: Logistic = { w: new Float64Array(d), b: 0 };
  const grad = new Float64Array(d);
  for (let step = 0; step < steps; step++) {
    grad.fill(0);
    let gb = 0;
    for (let i = 0; i < x.length; i++) {
      const err = predictLogistic(m, x[i]) - y[i];
      const xi = x[i];
      for (let j = 0; j < d; j++) grad[j] += err * xi[j];
      gb += err;
    }
    for (let j = 0; j < d; j++) m.w[j] -= rate * (grad[j] / x.length + l2 * m.w[j]);
    m.b -= (rate * gb) / x.length;
  }
  return m;
}

/**
 * The offline router's choice for one prompt: the model with the highest predicted quality minus
 * λ × its estimated cost (ties to the first). `predicted` and `costEst` are indexed by model.
 */
export function pick(predicted: number[], costEst: number[], lambda: number): number {
  let best = 0;
  for (let m = 1; m < predicted.length; m++) {
    if (predicted[m] - lambda * costEst[m] > predicted[best] - lambda * costEst[best]) best = m;
  }
  return best;
}

/** The highest quality among `points` whose cost is within `budget`; undefined if none is. */
export function bestWithin(points: { cost: number; quality: number }[], budget: number): number | undefined {
  const q = points.filter((p) => p.cost <= budget).map((p) => p.quality);
  return q.length ? Math.max(...q) : undefined;
}

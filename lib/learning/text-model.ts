import type { SparseVector } from "@/lib/analysis";

/**
 * Per-model online Bayesian logistic regression over the analyser's hashed text vector, with a
 * diagonal Gaussian posterior (Chapelle & Li, "An Empirical Evaluation of Thompson Sampling",
 * 2011, algorithm 3, run online): each outcome is one diagonal Newton step. The posterior gives
 * both a predicted success probability for this exact task and its uncertainty, which Thompson
 * sampling uses to explore.
 */
export interface TextModelArm {
  /** Posterior means; index `dim` is the bias. */
  w: number[];
  /** Posterior precisions (prior precision + accumulated curvature). */
  q: number[];
  /** Outcomes seen (fractional when warm-start epochs share one outcome). */
  n: number;
}

export interface TextModelState {
  dim: number;
  priorPrecision: number;
  models: Record<string, TextModelArm>;
}

export function emptyTextModel(dim: number, priorPrecision = 1): TextModelState {
  return { dim, priorPrecision, models: {} };
}

function armFor(state: TextModelState, model: string): TextModelArm {
  let arm = state.models[model];
  if (!arm) {
    arm = { w: new Array(state.dim + 1).fill(0), q: new Array(state.dim + 1).fill(state.priorPrecision), n: 0 };
    state.models[model] = arm;
  }
  return arm;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Logit mean and variance of P(success | x) for `model`; undefined when the model is unknown. */
export function textLogit(state: TextModelState, model: string, x: SparseVector): { mean: number; variance: number } | undefined {
  const arm = state.models[model];
  if (!arm) return undefined;
  const d = state.dim;
  let mean = arm.w[d];
  let variance = 1 / arm.q[d];
  for (let k = 0; k < x.indices.length; k++) {
    const i = x.indices[k] % d;
    const v = x.values[k];
    mean += arm.w[i] * v;
    variance += (v * v) / arm.q[i];
  }
  return { mean, variance };
}

/** Predictive P(success), the logit mean moderated by its variance (MacKay's probit approximation). */
export function textPredict(state: TextModelState, model: string, x: SparseVector): number | undefined {
  const l = textLogit(state, model, x);
  if (!l) return undefined;
  return sigmoid(l.mean / Math.sqrt(1 + (Math.PI * l.variance) / 8));
}

/**
 * One outcome y ∈ [0, 1] (a success probability: 1 = good answer) for `model` on task `x`.
 * `weight` < 1 shares one outcome over several warm-start epochs. Mutates `state`.
 */
export function textUpdate(state: TextModelState, model: string, x: SparseVector, y: number, weight = 1): void {
  const arm = armFor(state, model);
  const d = state.dim;
  const l = textLogit(state, model, x)!;
  const p = sigmoid(l.mean);
  const curvature = Math.max(p * (1 - p), 0.01) * weight;
  const g = (y - p) * weight;
  arm.q[d] += curvature;
  arm.w[d] += g / arm.q[d];
  for (let k = 0; k < x.indices.length; k++) {
    const i = x.indices[k] % d;
    const v = x.values[k];
    arm.q[i] += curvature * v * v;
    arm.w[i] += (g * v) / arm.q[i];
  }
  arm.n += weight;
}

/**
 * Pure data preparation for the Models page's charts, from the very figures its performance table
 * shows (lib/usage/model-stats.ts modelStats): nothing is computed here that the table does not
 * also say, only chosen (which models can be drawn) and arranged (axis scale and ticks).
 */
import type { ModelStats } from "@/lib/usage/model-stats";

export type ModelFigures = Pick<ModelStats, "model" | "requests" | "errors" | "p50LatencyMs" | "p95LatencyMs" | "avgCostMicros" | "ratings" | "avgRating">;

/** A model with both a cost per task (micro-dollars) and an average rating (0..1) in the window. */
export type QualityCostPoint = { model: string; costMicros: number; rating: number; ratings: number };
export type LatencyBar = { model: string; p50: number; p95: number };
export type ErrorBar = { model: string; rate: number; errors: number; requests: number };

/**
 * "log" once the dearest model costs 10× the cheapest or more (linear would pile the cheap ones on
 * the axis); "symlog" when one of them is free, as log cannot place $0.
 */
export type CostScale = "linear" | "log" | "symlog";

export type ModelCharts = {
  /** Some listed model had a call in the window: without one there is nothing to draw. */
  hasRequests: boolean;
  quality: {
    points: QualityCostPoint[];
    /** Models left out of the plot: without a rating in the window, or rated but without a successful call (so no cost per task). */
    unrated: string[];
    noCost: string[];
    scale: CostScale;
    /** Ticks in micro-dollars for log and symlog (powers of ten over the points); recharts picks them for linear. */
    ticks?: number[];
  };
  latency: { bars: LatencyBar[]; /** Called in the window but never successfully: no latency to show. */ noSuccess: string[] };
  errors: { bars: ErrorBar[] };
};

const WIDE_SPREAD = 10;

/**
 * `models` are the page's models in its table order; `stats` may hold others (a model deleted
 * since), which the table does not list and the charts leave out too.
 */
export function prepareModelCharts(models: string[], stats: ModelFigures[]): ModelCharts {
  const statOf = new Map(stats.map((s) => [s.model, s]));
  const listed = models.flatMap((m) => {
    const s = statOf.get(m);
    return s ? [s] : [];
  });
  const points: QualityCostPoint[] = [];
  const unrated: string[] = [];
  const noCost: string[] = [];
  for (const m of models) {
    const s = statOf.get(m);
    if (s?.avgRating == null) unrated.push(m);
    else if (s.avgCostMicros == null) noCost.push(m);
    else points.push({ model: m, costMicros: s.avgCostMicros, rating: s.avgRating, ratings: s.ratings });
  }
  const called = listed.filter((s) => s.requests > 0);
  return {
    hasRequests: called.length > 0,
    quality: { points, unrated, noCost, ...costScale(points.map((p) => p.costMicros)) },
    latency: {
      bars: called.flatMap((s) => (s.p50LatencyMs != null && s.p95LatencyMs != null ? [{ model: s.model, p50: s.p50LatencyMs, p95: s.p95LatencyMs }] : [])),
      noSuccess: called.filter((s) => s.p50LatencyMs == null).map((s) => s.model),
    },
    errors: { bars: called.map((s) => ({ model: s.model, rate: s.errors / s.requests, errors: s.errors, requests: s.requests })) },
  };
}

/** The cost axis: its scale, and for log scales ticks at the powers of ten that enclose the costs. */
export function costScale(costsMicros: number[]): { scale: CostScale; ticks?: number[] } {
  const positive = costsMicros.filter((c) => c > 0);
  if (positive.length < 2) return { scale: "linear" };
  const lo = Math.min(...positive);
  const hi = Math.max(...positive);
  if (hi / lo < WIDE_SPREAD) return { scale: "linear" };
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo) + 1e-9); e <= Math.ceil(Math.log10(hi) - 1e-9); e++) ticks.push(Number((10 ** e).toPrecision(1)));
  const free = costsMicros.length > positive.length;
  return free ? { scale: "symlog", ticks: [0, ...ticks] } : { scale: "log", ticks };
}

/** The error-rate axis (0..1): to the next 10 % up to half, then the next quarter; at least 10 %, so a row of zeros still has an axis. */
export function rateTicks(max: number): number[] {
  const step = max > 0.5 ? 0.25 : 0.1;
  const top = Math.max(0.1, Math.ceil(max / step - 1e-9) * step);
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + 1e-9; i++) ticks.push(Number((i * step).toFixed(2)));
  return ticks;
}

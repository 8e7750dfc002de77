import type { LoggedPoint, LoggedSingle } from "@/lib/routing/logged-replay";
export type SimPoint = { knob: number; quality: number; cost_usd: number; quality_ratio: number; cost_ratio: number };
export type SimSingle = { model: string; quality: number; cost_usd: number };

/**
 * Prepares the cost–quality chart of a simulation: the router's curve ordered by cost (one point
 * per knob setting) and one point per single model; quality in percent, cost in dollars.
 */
export function prepareCostQuality<P extends Pick<SimPoint, "knob" | "quality" | "cost_usd">>(points: P[], singles: SimSingle[]) {
  const router = [...points]
    .sort((a, b) => a.cost_usd - b.cost_usd || a.quality - b.quality)
    .map((p) => ({ cost: round(p.cost_usd, 6), quality: round(p.quality * 100, 2), knob: p.knob }));
  const models = singles.map((s) => ({ cost: round(s.cost_usd, 6), quality: round(s.quality * 100, 2), model: s.model }));
  const maxCost = Math.max(0, ...router.map((p) => p.cost), ...models.map((m) => m.cost));
  return { router, models, maxCost };
}

/** The point of the sweep nearest to a knob value (the slider). */
export function pointAtKnob<T extends { knob: number }>(points: T[], knob: number): T | undefined {
  return points.reduce<T | undefined>((best, p) => (best === undefined || Math.abs(p.knob - knob) < Math.abs(best.knob - knob) ? p : best), undefined);
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The slider's stops: the sweep's points in knob order, one stop each. The knobs are not evenly
 * spaced (0, 0.3, 0.5, …), so the slider moves by index and can only sit on a computed point.
 */
export function knobStops<T extends { knob: number }>(points: T[]): T[] {
  return [...points].sort((a, b) => a.knob - b.knob);
}

/** Index of the stop nearest to a knob value (the initial 0.5 may not be a computed setting). */
export function stopIndex(stops: { knob: number }[], knob: number): number {
  const best = pointAtKnob(stops, knob);
  return best ? stops.indexOf(best) : -1;
}

/**
 * The quality axis (percent): from a round value under the lowest point up to 100 — not past it,
 * as a "nice" automatic domain would (it once read 105 %) — unless a point is above 100.
 */
export function qualityAxis(values: number[]): { domain: [number, number]; ticks: number[] } {
  const min = Math.min(100, ...values);
  const max = Math.max(100, ...values);
  const raw = Math.max(max - min, 4) / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw - 1e-12)!;
  const hi = Math.ceil(max / step - 1e-9) * step;
  // Every point at the top (all 100 %) still gets an axis of a few ticks below it.
  const floor = Math.floor(min / step + 1e-9) * step;
  const lo = Math.max(0, floor < hi ? floor : hi - 4 * step);
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + 1e-9; i++) ticks.push(Number((lo + i * step).toFixed(6)));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks };
}

/** A logged-ratings point (lib/routing/logged-replay.ts): how many results matched, their mean rating and cost per task. */
export type LoggedSimPoint = Pick<LoggedPoint, "knob" | "matched" | "quality" | "costMicros">;

/**
 * The chart and slider of the simulator on logged ratings. Cost is per task (the mean over the
 * matched results), in dollars. Only settings with at least `minMatched` matched results are drawn;
 * the slider still stops at every setting, so that a thin one can say how few results it rests on.
 */
export function prepareLoggedCurve(points: LoggedSimPoint[], singles: LoggedSingle[], minMatched: number) {
  const drawn = points.filter((p) => p.matched >= minMatched && p.quality !== null && p.costMicros !== null);
  const chart = prepareCostQuality(
    drawn.map((p) => ({ knob: p.knob, quality: p.quality!, cost_usd: p.costMicros! / 1_000_000 })),
    singles.map((m) => ({ model: m.model, quality: m.quality, cost_usd: m.costMicros / 1_000_000 })),
  );
  return { chart, drawn: drawn.length, stops: knobStops(points) };
}

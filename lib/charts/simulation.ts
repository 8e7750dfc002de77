export type SimPoint = { knob: number; quality: number; cost_usd: number; quality_ratio: number; cost_ratio: number };
export type SimSingle = { model: string; quality: number; cost_usd: number };

/**
 * Prepares the cost–quality chart of a simulation: the router's curve ordered by cost (one point
 * per knob setting) and one point per single model; quality in percent, cost in dollars.
 */
export function prepareCostQuality(points: SimPoint[], singles: SimSingle[]) {
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

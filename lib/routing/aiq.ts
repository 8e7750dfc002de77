/**
 * RouterBench's AIQ (Hu et al. 2024, §4): the area under a router's non-decreasing convex hull in
 * the (cost, quality) plane, normalised by the cost range: AIQ = 1/(c_max − c_min) ∫ R̃(c) dc.
 *
 * R̃(c) here: the best quality reachable at average cost ≤ c by mixing the given points
 * (randomly choosing between two sweep settings per prompt reaches any point on the segment
 * between them) — the upper concave hull, made flat after its best-quality point, and 0 below
 * its cheapest point (nothing is reachable there).
 */
export interface CostQuality {
  cost: number;
  quality: number;
}

/** Upper concave hull, cheapest first, cut at the best-quality point (non-decreasing). */
export function nonDecreasingHull(points: CostQuality[]): CostQuality[] {
  const pts = [...points].sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  const hull: CostQuality[] = [];
  for (const p of pts) {
    if (hull.length > 0 && hull[hull.length - 1].cost === p.cost) continue; // same cost: keep the better (sorted first)
    while (hull.length >= 2) {
      const a = hull[hull.length - 2];
      const b = hull[hull.length - 1];
      // Drop b when it lies on or below the segment a → p.
      const cross = (b.cost - a.cost) * (p.quality - a.quality) - (b.quality - a.quality) * (p.cost - a.cost);
      if (cross >= 0) hull.pop();
      else break;
    }
    hull.push(p);
  }
  let best = 0;
  for (let i = 1; i < hull.length; i++) if (hull[i].quality > hull[best].quality) best = i;
  return hull.slice(0, best + 1);
}

export function hullValue(hull: CostQuality[], c: number): number {
  if (hull.length === 0 || c < hull[0].cost) return 0;
  for (let i = 1; i < hull.length; i++) {
    if (c <= hull[i].cost) {
      const a = hull[i - 1];
      const b = hull[i];
      return a.quality + ((b.quality - a.quality) * (c - a.cost)) / (b.cost - a.cost);
    }
  }
  return hull[hull.length - 1].quality;
}

/** AIQ of `points` over [cMin, cMax] (exact: the hull is piecewise linear). */
export function aiq(points: CostQuality[], cMin: number, cMax: number): number {
  const hull = nonDecreasingHull(points);
  if (!(cMax > cMin)) return hullValue(hull, cMax);
  const xs = [cMin, cMax, ...hull.map((p) => p.cost).filter((x) => x > cMin && x < cMax)].sort((a, b) => a - b);
  let area = 0;
  for (let i = 1; i < xs.length; i++) {
    const a = xs[i - 1];
    const b = xs[i];
    if (b <= a) continue;
    if (b <= hull[0].cost) continue; // below the cheapest point: R̃ = 0
    area += ((hullValue(hull, a < hull[0].cost ? hull[0].cost : a) + hullValue(hull, b)) / 2) * (b - Math.max(a, hull[0].cost));
  }
  return area / (cMax - cMin);
}

/** Pure parts of bench/routing/ceiling.ts (tested in ceiling-math.test.ts). */
import { nonDecreasingHull, type CostQuality } from "@/lib/routing/aiq";

/**
 * Best total score reachable with total cost ≤ budget when each group (one per dataset) must be
 * served by one option or a mix of its options, each option given as the group's total cost and
 * total score. Exact: every group starts at its cheapest option; then the segments of the
 * groups' upper hulls are bought in order of score per dollar, the last one partly (a mix).
 * Undefined when even the cheapest options cost more than the budget.
 */
export function groupedCeiling(groups: CostQuality[][], budget: number): number | undefined {
  let cost = 0;
  let score = 0;
  const segs: { dc: number; dq: number }[] = [];
  for (const options of groups) {
    const hull = nonDecreasingHull(options);
    cost += hull[0].cost;
    score += hull[0].quality;
    for (let i = 1; i < hull.length; i++) segs.push({ dc: hull[i].cost - hull[i - 1].cost, dq: hull[i].quality - hull[i - 1].quality });
  }
  if (cost > budget) return undefined;
  // Each group's hull is concave, so sorting all segments by slope keeps each group's in order.
  segs.sort((a, b) => b.dq / b.dc - a.dq / a.dc);
  let left = budget - cost;
  for (const s of segs) {
    const take = Math.min(1, left / s.dc);
    score += take * s.dq;
    left -= take * s.dc;
    if (take < 1) break;
  }
  return score;
}

/** ROC AUC (Mann–Whitney, ties at mid-rank); undefined with fewer than `min` of either class. */
export function rocAuc(pairs: { p: number; y: boolean }[], min = 5): number | undefined {
  const pos = pairs.filter((x) => x.y).length;
  const neg = pairs.length - pos;
  if (pos < min || neg < min) return undefined;
  const sorted = [...pairs].sort((a, b) => a.p - b.p);
  let rankSumPos = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j].p === sorted[i].p) j++;
    const mid = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (sorted[k].y) rankSumPos += mid;
    i = j;
  }
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

import { formatUsd } from "@/lib/format";

/**
 * What exploring may cost. The router draws each candidate's quality from its posterior
 * (Thompson sampling); when the draw picks another model than the expected-value choice, that
 * model is tried only if its extra cost stays within these caps. Exploring towards a cheaper
 * model is always allowed.
 */
export interface ExplorationPolicy {
  enabled: boolean;
  /** Extra cost over the expected-value choice, as a fraction of its cost (0.5 = +50 %). */
  maxExtraCostFraction: number;
  /** Extra cost over the expected-value choice in micro-dollars, per decision. */
  maxExtraCostMicros: number;
  /** What is left of the caller's exploration budget (e.g. per team per day); unset = no budget. */
  budgetRemainingMicros?: number;
  /** Width of the posterior draw (1 = plain Thompson sampling, 0 = never explore). */
  scale: number;
}

export const DEFAULT_EXPLORATION: ExplorationPolicy = {
  enabled: true,
  maxExtraCostFraction: 1,
  maxExtraCostMicros: 20_000,
  scale: 1,
};

export function explorationChoice(
  policy: ExplorationPolicy,
  greedyCostMicros: number,
  sampledCostMicros: number,
): { explore: boolean; extraCostMicros: number; why: string } {
  const extra = sampledCostMicros - greedyCostMicros;
  if (!policy.enabled || policy.scale <= 0) return { explore: false, extraCostMicros: 0, why: "exploration disabled" };
  if (extra <= 0) return { explore: true, extraCostMicros: 0, why: "exploring a cheaper model" };
  if (extra > policy.maxExtraCostFraction * greedyCostMicros) {
    const cap = `cap +${Math.round(policy.maxExtraCostFraction * 100)}%`;
    // Against a free or nearly free choice a percentage means nothing ("+14,220,000,000,000%").
    const why =
      greedyCostMicros <= 0
        ? `exploring would add ${formatUsd(extra)} to a free choice (${cap})`
        : sampledCostMicros >= 10 * greedyCostMicros
          ? `exploring would cost ${Math.round(sampledCostMicros / greedyCostMicros).toLocaleString("en-US")}× as much, ${formatUsd(extra)} more (${cap})`
          : `exploring would add ${Math.round((extra / greedyCostMicros) * 100)}% to the cost (${cap})`;
    return { explore: false, extraCostMicros: 0, why };
  }
  if (extra > policy.maxExtraCostMicros)
    return { explore: false, extraCostMicros: 0, why: `exploring would add ${formatUsd(extra)} (cap ${formatUsd(policy.maxExtraCostMicros)} a decision)` };
  if (policy.budgetRemainingMicros !== undefined && extra > policy.budgetRemainingMicros)
    return { explore: false, extraCostMicros: 0, why: "exploration budget used up" };
  return { explore: true, extraCostMicros: extra, why: `exploring at +${Math.round(extra)} µ$` };
}

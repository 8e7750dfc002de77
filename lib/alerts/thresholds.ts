/**
 * The thresholds (percent of the limit) a budget has reached. Pure integer maths on micro-dollars,
 * so 80 % of $1 is reached at exactly 800,000 µ$. A refusal reaches 100 % (a hard stop refuses
 * before spend touches the limit); lower thresholds only fire once spend reaches them, so an alert
 * never says "passed 50 %" of a budget nothing was spent from.
 */
export function crossedThresholds(thresholds: number[], spentMicros: number, limitMicros: number, refused = false): number[] {
  return [...new Set(thresholds)]
    .filter((t) => t > 0 && (spentMicros * 100 >= t * limitMicros || (refused && t === 100)))
    .sort((a, b) => a - b);
}

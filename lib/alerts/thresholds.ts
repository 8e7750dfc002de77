/**
 * The thresholds (percent of the limit) a budget has reached. Pure integer maths on micro-dollars,
 * so 80 % of $1 is reached at exactly 800,000 µ$. A refusal reaches every threshold up to 100 %.
 */
export function crossedThresholds(thresholds: number[], spentMicros: number, limitMicros: number, refused = false): number[] {
  return [...new Set(thresholds)]
    .filter((t) => t > 0 && (spentMicros * 100 >= t * limitMicros || (refused && t <= 100)))
    .sort((a, b) => a - b);
}

/**
 * The thresholds (percent of the limit) a budget has reached. Pure integer maths on micro-dollars,
 * so 80 % of $1 is reached at exactly 800,000 µ$. A refusal reaches 100 % (a hard stop refuses
 * before spend touches the limit); lower thresholds only fire once spend reaches them, so an alert
 * never says "passed 50 %" of a budget nothing was spent from. `sinceMicros` is what was spent when
 * the limit was set: a threshold that spend had already passed then is not reached again by it.
 */
export function crossedThresholds(thresholds: number[], spentMicros: number, limitMicros: number, refused = false, sinceMicros = 0): number[] {
  return [...new Set(thresholds)]
    .filter((t) => t > 0 && ((spentMicros * 100 >= t * limitMicros && sinceMicros * 100 < t * limitMicros) || (refused && t === 100)))
    .sort((a, b) => a - b);
}

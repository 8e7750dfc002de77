/** The p-th percentile (0–100) of xs, nearest rank below: the benchmarks' one definition. */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

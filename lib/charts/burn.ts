import { dayRange, microsToDollars } from "./series";

/**
 * Cumulative spend per day of a period, then a straight forecast line from today to the period's
 * end at `burnPerDayMicros`. Days are UTC days (the rollup's).
 */
export function burnSeries(daily: { day: string; costMicros: number }[], opts: { from: string; today: string; to: string; burnPerDayMicros: number }) {
  const byDay = new Map(daily.map((d) => [d.day, d.costMicros]));
  let cum = 0;
  const out: { day: string; spent?: number; forecast?: number }[] = [];
  for (const day of dayRange(opts.from, opts.today)) {
    cum += byDay.get(day) ?? 0;
    out.push({ day, spent: microsToDollars(cum) });
  }
  if (out.length) out[out.length - 1].forecast = out[out.length - 1].spent;
  let f = cum;
  for (const day of dayRange(opts.from, opts.to).filter((d) => d > opts.today)) {
    f += opts.burnPerDayMicros;
    out.push({ day, forecast: microsToDollars(f) });
  }
  return out;
}

/**
 * Axis ticks from 0 to at least `top`, about `count` of them, on a step of 1, 2, 2.5 or 5 times a
 * power of ten ($0.34 → 0, 0.1, 0.2, 0.3, 0.4; not 0, 0.085, 0.17, …).
 */
export function niceTicks(top: number, count = 4): number[] {
  if (!(top > 0)) return [0, 1];
  const raw = top / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw - 1e-12)!;
  const ticks: number[] = [];
  // Rounded to the step's decimals so that 0.30000000000000004 prints as 0.3.
  const dec = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  for (let i = 0; ; i++) {
    const t = Number((i * step).toFixed(dec));
    ticks.push(t);
    if (t >= top - 1e-12) return ticks;
  }
}

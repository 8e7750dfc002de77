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

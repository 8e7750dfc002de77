import { addDays, dayStart } from "@/lib/zone";
import { dayRange, microsToDollars } from "./series";

/**
 * Cumulative spend per day of a period, then a straight forecast line from now to the period's
 * end at `burnPerDayMicros`. Days are the team's (`timeZone`, as the rollup files them; UTC if not given). Each forecast point is the spend
 * expected by the end of its day, the rest of today included, so the last one is the forecast
 * for the period (forecastBudget's `projectedMicros`); without `now`, today is taken as over.
 */
export function burnSeries(daily: { day: string; costMicros: number }[], opts: { from: string; today: string; to: string; burnPerDayMicros: number; now?: Date; timeZone?: string }) {
  const byDay = new Map(daily.map((d) => [d.day, d.costMicros]));
  let cum = 0;
  const out: { day: string; spent?: number; forecast?: number }[] = [];
  for (const day of dayRange(opts.from, opts.today)) {
    cum += byDay.get(day) ?? 0;
    out.push({ day, spent: microsToDollars(cum) });
  }
  if (out.length) out[out.length - 1].forecast = out[out.length - 1].spent;
  const restOfToday = opts.now ? Math.max(0, dayStart(addDays(opts.today, 1), opts.timeZone ?? "UTC").getTime() - opts.now.getTime()) / 86_400_000 : 0;
  let days = restOfToday;
  for (const day of dayRange(opts.from, opts.to).filter((d) => d > opts.today)) {
    days += 1;
    out.push({ day, forecast: microsToDollars(Math.round(cum + opts.burnPerDayMicros * days)) });
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

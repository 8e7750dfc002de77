import { partsIn, zonedMidnight } from "@/lib/zone";

export type Period = "daily" | "weekly" | "monthly" | "custom";

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** Start of the budget period containing `at`, in the team's time zone (weeks start on Monday). */
export function startOfPeriod(period: Exclude<Period, "custom">, at: Date, timeZone: string): Date {
  const p = partsIn(at, timeZone);
  if (period === "daily") return zonedMidnight(p.y, p.m, p.d, timeZone);
  if (period === "monthly") return zonedMidnight(p.y, p.m, 1, timeZone);
  const back = WEEKDAYS.indexOf(p.weekday);
  const day = new Date(Date.UTC(p.y, p.m - 1, p.d - back));
  return zonedMidnight(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), timeZone);
}

/** Adds `days` calendar days to the wall-clock date of `at` in `timeZone`, at local midnight. */
export function addZonedDays(at: Date, days: number, timeZone: string): Date {
  const p = partsIn(at, timeZone);
  const d = new Date(Date.UTC(p.y, p.m - 1, p.d + days));
  return zonedMidnight(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), timeZone);
}

export type PeriodSpec = {
  period: Period;
  customDays?: number | null;
  periodStart: Date;
  /** When set, the period that began at `periodStart` ends then (the team's zone changed during it; see transitionEnd). */
  periodEndsAt?: Date | null;
};

/**
 * Start of the period that contains `now`. Calendar periods are computed from the clock; a custom
 * period of N days is a chain anchored at the budget's `periodStart`, so any start from the same
 * chain (even a stale one read by another process) gives the same answer. Never moves backwards.
 */
export function currentPeriodStart(b: PeriodSpec, now: Date, timeZone: string): Date {
  if (b.periodEndsAt) return now.getTime() < b.periodEndsAt.getTime() ? b.periodStart : currentPeriodStart({ ...b, periodStart: b.periodEndsAt, periodEndsAt: null }, now, timeZone);
  if (b.period !== "custom") {
    const s = startOfPeriod(b.period, now, timeZone);
    return s.getTime() > b.periodStart.getTime() ? s : b.periodStart;
  }
  const days = Math.max(1, b.customDays ?? 30);
  let start = b.periodStart;
  // Jump close with arithmetic, then walk in the zone (DST makes days 23–25 hours).
  const approx = Math.floor((now.getTime() - start.getTime()) / (days * 86_400_000)) - 1;
  if (approx > 0) start = addZonedDays(start, approx * days, timeZone);
  for (let next = addZonedDays(start, days, timeZone); next.getTime() <= now.getTime(); next = addZonedDays(start, days, timeZone)) start = next;
  return start;
}

/** The instant the period starting at `start` ends (the next reset). */
export function periodEnd(b: Omit<PeriodSpec, "periodStart">, start: Date, timeZone: string): Date {
  switch (b.period) {
    case "daily":
      return addZonedDays(start, 1, timeZone);
    case "weekly":
      return addZonedDays(start, 7, timeZone);
    case "monthly": {
      const p = partsIn(start, timeZone);
      return p.m === 12 ? zonedMidnight(p.y + 1, 1, 1, timeZone) : zonedMidnight(p.y, p.m + 1, 1, timeZone);
    }
    case "custom":
      return addZonedDays(start, Math.max(1, b.customDays ?? 30), timeZone);
  }
}

/** The end of the period that began at `start`: its own end when the zone changed during it, else the usual one. */
export function currentPeriodEnd(b: PeriodSpec, start: Date, timeZone: string): Date {
  return b.periodEndsAt && start.getTime() === b.periodStart.getTime() ? b.periodEndsAt : periodEnd(b, start, timeZone);
}

/**
 * When a team's zone changes from `oldZone` to `newZone` during a budget's current period, the
 * period keeps its start and its spend, and ends at the boundary of the new zone nearest to its
 * old end that is still ahead (a monthly period that was to end at 1 Dec 00:00 UTC ends at 1 Dec
 * 00:00 Asia/Tokyo, nine hours sooner, or at 1 Dec 00:00 America/Los_Angeles, eight hours later);
 * the periods after it follow the new zone. So no spend is counted in two periods and no period
 * is skipped. (Where the two zones' midnights coincide, the end does not move.)
 */
export function transitionEnd(b: PeriodSpec, now: Date, oldZone: string, newZone: string): Date {
  const oldEnd = currentPeriodEnd(b, b.periodStart, oldZone);
  const lo = b.period === "custom" ? startOfPeriod("daily", oldEnd, newZone) : startOfPeriod(b.period, oldEnd, newZone);
  const hi = b.period === "custom" ? addZonedDays(lo, 1, newZone) : periodEnd(b, lo, newZone);
  const nearest = lo.getTime() > now.getTime() && oldEnd.getTime() - lo.getTime() <= hi.getTime() - oldEnd.getTime() ? lo : hi;
  return nearest;
}

/** A period as the unit of a limit: "$5 / day", "$50 / month", "$20 / 10 days". */
export function perPeriod(b: Omit<PeriodSpec, "periodStart">): string {
  return b.period === "custom" ? `${Math.max(1, b.customDays ?? 30)} days` : { daily: "day", weekly: "week", monthly: "month" }[b.period];
}

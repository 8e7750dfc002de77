export type Period = "daily" | "weekly" | "monthly" | "custom";

/** Wall-clock parts of an instant in a time zone. */
const formats = new Map<string, Intl.DateTimeFormat>();

function partsIn(date: Date, timeZone: string) {
  // Building a DateTimeFormat costs far more than using one: keep one per zone.
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", weekday: "short" });
    formats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), h: Number(p.hour), min: Number(p.minute), s: Number(p.second), weekday: p.weekday as string };
}

/** The instant at which the wall-clock time y-m-d 00:00 happens in `timeZone`. */
export function zonedMidnight(y: number, m: number, d: number, timeZone: string): Date {
  // Start from the UTC guess and correct by the zone's offset at that moment (twice, for DST edges).
  let t = Date.UTC(y, m - 1, d);
  for (let i = 0; i < 2; i++) {
    const p = partsIn(new Date(t), timeZone);
    const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
    t -= asUtc - Date.UTC(y, m - 1, d);
  }
  // Where the clocks jump forward at midnight (America/Santiago, America/Havana) 00:00 never
  // happens and the loop lands in the hour before, on the previous day: the day starts at the jump.
  const p = partsIn(new Date(t), timeZone);
  if (Date.UTC(p.y, p.m - 1, p.d) < Date.UTC(y, m - 1, d)) t += Date.UTC(p.y, p.m - 1, p.d + 1) - Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
  return new Date(t);
}

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

export type PeriodSpec = { period: Period; customDays?: number | null; periodStart: Date };

/**
 * Start of the period that contains `now`. Calendar periods are computed from the clock; a custom
 * period of N days is a chain anchored at the budget's `periodStart`, so any start from the same
 * chain (even a stale one read by another process) gives the same answer. Never moves backwards.
 */
export function currentPeriodStart(b: PeriodSpec, now: Date, timeZone: string): Date {
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

/** A period as the unit of a limit: "$5 / day", "$50 / month", "$20 / 10 days". */
export function perPeriod(b: Omit<PeriodSpec, "periodStart">): string {
  return b.period === "custom" ? `${Math.max(1, b.customDays ?? 30)} days` : { daily: "day", weekly: "week", monthly: "month" }[b.period];
}

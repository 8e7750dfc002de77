export type Period = "daily" | "weekly" | "monthly" | "custom";

/** Wall-clock parts of an instant in a time zone. */
function partsIn(date: Date, timeZone: string) {
  const f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", weekday: "short" });
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

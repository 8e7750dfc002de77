import { describe, expect, it } from "vitest";
import { currentPeriodStart, periodEnd, startOfPeriod } from "./period";

const HOUR = 3_600_000;
/** The wall-clock date (yyyy-mm-dd) and time of an instant in a zone. */
const local = (d: Date, timeZone: string) => new Intl.DateTimeFormat("sv-SE", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);

describe("budget periods where the clocks jump forward at midnight", () => {
  // Chile moves its clocks from 00:00 to 01:00 on the first Sunday of September; Cuba on the
  // second Sunday of March. On those days local midnight never happens.
  const cases = [
    { timeZone: "America/Santiago", day: "2026-09-06" },
    { timeZone: "America/Havana", day: "2026-03-08" },
  ];

  for (const { timeZone, day } of cases) {
    it(`${timeZone}: every instant of ${day} and the day before lies inside its daily period, which starts when the day does`, () => {
      const from = new Date(`${day}T00:00:00Z`).getTime() - 24 * HOUR;
      for (let t = from; t < from + 72 * HOUR; t += 15 * 60_000) {
        const at = new Date(t);
        const start = startOfPeriod("daily", at, timeZone);
        const end = periodEnd({ period: "daily" }, start, timeZone);
        expect(start.getTime(), `${at.toISOString()} is after its period's start`).toBeLessThanOrEqual(t);
        expect(end.getTime(), `${at.toISOString()} is before its period's end (next reset)`).toBeGreaterThan(t);
        // The period is the local calendar day of `at`: it starts on that date, the instant before is the day before.
        expect(local(start, timeZone).slice(0, 10)).toBe(local(at, timeZone).slice(0, 10));
        expect(local(new Date(start.getTime() - 1), timeZone).slice(0, 10)).not.toBe(local(at, timeZone).slice(0, 10));
      }
      // The short day is 23 hours, not 0: its budget resets once, at the next midnight.
      const start = startOfPeriod("daily", new Date(`${day}T12:00:00Z`), timeZone);
      expect(periodEnd({ period: "daily" }, start, timeZone).getTime() - start.getTime()).toBe(23 * HOUR);
    });
  }

  it("a monthly period starting on such a day (America/Asuncion, 2023-10-01) lasts the month, not zero time", () => {
    const timeZone = "America/Asuncion";
    const start = startOfPeriod("monthly", new Date("2023-10-15T12:00:00Z"), timeZone);
    expect(local(start, timeZone).slice(0, 10)).toBe("2023-10-01");
    const end = periodEnd({ period: "monthly" }, start, timeZone);
    expect(local(end, timeZone).slice(0, 10)).toBe("2023-11-01");
    // September, the month before, ends when October begins, not an hour earlier.
    const september = startOfPeriod("monthly", new Date("2023-10-01T03:30:00Z"), timeZone);
    expect(periodEnd({ period: "monthly" }, september, timeZone).getTime()).toBe(start.getTime());
  });

  it("a custom 7-day chain that crosses the jump keeps 7-day periods starting on its weekday", () => {
    const timeZone = "America/Santiago";
    const anchor = startOfPeriod("daily", new Date("2026-08-30T12:00:00Z"), timeZone); // a Sunday
    const spec = { period: "custom" as const, customDays: 7, periodStart: anchor };
    const starts = [1, 8, 15, 22].map((d) => currentPeriodStart(spec, new Date(anchor.getTime() + d * 24 * HOUR), timeZone));
    expect(starts.map((s) => local(s, timeZone).slice(0, 10))).toEqual(["2026-08-30", "2026-09-06", "2026-09-13", "2026-09-20"]);
  });
});

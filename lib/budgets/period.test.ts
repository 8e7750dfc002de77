import { describe, expect, it } from "vitest";
import { currentPeriodEnd, currentPeriodStart, periodEnd, startOfPeriod, transitionEnd } from "./period";

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

describe("the team's zone changes during a period", () => {
  const now = new Date("2026-11-26T10:00:00Z");
  const november = { period: "monthly" as const, periodStart: new Date("2026-11-01T00:00:00Z") }; // began at midnight UTC

  it("a monthly period keeps its start and spend and ends at the new zone's midnight nearest its old end", () => {
    const tokyo = transitionEnd(november, now, "UTC", "Asia/Tokyo");
    expect(tokyo).toEqual(new Date("2026-11-30T15:00:00Z")); // 1 Dec 00:00 in Tokyo, nine hours sooner
    const la = transitionEnd(november, now, "UTC", "America/Los_Angeles");
    expect(la).toEqual(new Date("2026-12-01T08:00:00Z")); // 1 Dec 00:00 in Los Angeles, eight hours later
    // Without the new end, the new zone alone would have reset it at once (1 Nov 00:00 in Los Angeles is after its start).
    expect(currentPeriodStart(november, now, "America/Los_Angeles")).not.toEqual(november.periodStart);
    const moved = { ...november, periodEndsAt: la };
    expect(currentPeriodStart(moved, now, "America/Los_Angeles")).toEqual(november.periodStart);
    expect(currentPeriodEnd(moved, november.periodStart, "America/Los_Angeles")).toEqual(la);
    // From its end on, the periods are the new zone's months.
    const december = currentPeriodStart(moved, new Date("2026-12-10T00:00:00Z"), "America/Los_Angeles");
    expect(december).toEqual(la);
    expect(currentPeriodEnd(moved, december, "America/Los_Angeles")).toEqual(new Date("2027-01-01T08:00:00Z"));
    expect(currentPeriodStart(moved, new Date("2026-12-01T07:59:59Z"), "America/Los_Angeles")).toEqual(november.periodStart);
  });

  it("a daily period whose nearest new midnight has already passed runs to the one after", () => {
    const today = { period: "daily" as const, periodStart: new Date("2026-11-26T00:00:00Z") };
    // At 20:00 UTC it is already 27 Nov in Tokyo: 27 Nov 00:00 Tokyo (15:00 UTC) is behind, so 28 Nov 00:00 Tokyo.
    expect(transitionEnd(today, new Date("2026-11-26T20:00:00Z"), "UTC", "Asia/Tokyo")).toEqual(new Date("2026-11-27T15:00:00Z"));
    // At 10:00 UTC it is still ahead: the period ends then, nine hours short.
    expect(transitionEnd(today, now, "UTC", "Asia/Tokyo")).toEqual(new Date("2026-11-26T15:00:00Z"));
    // To Kathmandu (+05:45): the nearest midnight to 27 Nov 00:00 UTC is 27 Nov 00:00 there, 18:15 UTC.
    expect(transitionEnd(today, now, "UTC", "Asia/Kathmandu")).toEqual(new Date("2026-11-26T18:15:00Z"));
  });

  it("the end does not move when the midnights coincide (UTC to Europe/London in winter)", () => {
    expect(transitionEnd(november, now, "UTC", "Europe/London")).toEqual(new Date("2026-12-01T00:00:00Z"));
  });

  it("a custom period of N days keeps its chain in the new zone after it ends", () => {
    const tenDays = { period: "custom" as const, customDays: 10, periodStart: new Date("2026-11-20T00:00:00Z") };
    const end = transitionEnd(tenDays, now, "UTC", "Asia/Tokyo");
    expect(end).toEqual(new Date("2026-11-29T15:00:00Z")); // 30 Nov 00:00 Tokyo, nearest to 30 Nov 00:00 UTC
    const next = currentPeriodStart({ ...tenDays, periodEndsAt: end }, new Date("2026-12-05T00:00:00Z"), "Asia/Tokyo");
    expect(next).toEqual(end);
    expect(periodEnd(tenDays, next, "Asia/Tokyo")).toEqual(new Date("2026-12-09T15:00:00Z"));
  });
});

import { describe, expect, it } from "vitest";
import { burnSeries } from "@/lib/charts/burn";
import { lastDays } from "@/lib/usage/queries";
import { addDays, dayIn, dayStart, formatInZone, isTimeZone, offsetAt, timeZoneNames, zoneName } from "./zone";

const HOUR = 3_600_000;

describe("a team's days in its zone", () => {
  it("files a moment under the day it is in the zone, not in UTC", () => {
    const at = new Date("2026-11-26T18:30:00Z");
    expect(dayIn(at, "UTC")).toBe("2026-11-26");
    expect(dayIn(at, "Asia/Tokyo")).toBe("2026-11-27"); // 03:30 the next morning
    expect(dayIn(new Date("2026-11-27T05:00:00Z"), "America/Los_Angeles")).toBe("2026-11-26"); // 21:00 the evening before
  });

  it("Asia/Kathmandu (+05:45): the day turns at 18:15 UTC, to the minute", () => {
    expect(offsetAt(new Date("2026-11-26T12:00:00Z"), "Asia/Kathmandu")).toBe("+05:45");
    expect(dayStart("2026-11-27", "Asia/Kathmandu").toISOString()).toBe("2026-11-26T18:15:00.000Z");
    expect(dayIn(new Date("2026-11-26T18:14:59.999Z"), "Asia/Kathmandu")).toBe("2026-11-26");
    expect(dayIn(new Date("2026-11-26T18:15:00.000Z"), "Asia/Kathmandu")).toBe("2026-11-27");
  });

  it("Australia/Adelaide (+09:30, +10:30 in summer): the day turns at 13:30 UTC in November, 14:30 in June", () => {
    expect(dayStart("2026-11-27", "Australia/Adelaide").toISOString()).toBe("2026-11-26T13:30:00.000Z");
    expect(dayStart("2026-06-15", "Australia/Adelaide").toISOString()).toBe("2026-06-14T14:30:00.000Z");
    expect(formatInZone(new Date("2026-11-26T13:29:00Z"), "Australia/Adelaide")).toBe("2026-11-26 23:59");
  });

  it("a DST change day is 23 or 25 hours long, and every moment of it is filed under it", () => {
    // America/New_York springs forward on 8 March 2026, Europe/Berlin falls back on 25 October 2026.
    for (const [zone, day, hours] of [["America/New_York", "2026-03-08", 23], ["Europe/Berlin", "2026-10-25", 25]] as const) {
      const start = dayStart(day, zone);
      const end = dayStart(addDays(day, 1), zone);
      expect((end.getTime() - start.getTime()) / HOUR).toBe(hours);
      for (let t = start.getTime(); t < end.getTime(); t += 15 * 60_000) expect(dayIn(new Date(t), zone)).toBe(day);
      expect(dayIn(new Date(start.getTime() - 1), zone)).toBe(addDays(day, -1));
      expect(dayIn(end, zone)).toBe(addDays(day, 1));
    }
  });

  it("'the last N days' are the zone's days, from the zone's midnight", () => {
    const now = new Date("2026-11-26T20:00:00Z"); // 27 Nov, 05:00 in Tokyo; 26 Nov, 12:00 in Los Angeles
    expect(lastDays(1, "Asia/Tokyo", now)).toEqual({ day: "2026-11-27", since: new Date("2026-11-26T15:00:00Z") });
    expect(lastDays(1, "America/Los_Angeles", now)).toEqual({ day: "2026-11-26", since: new Date("2026-11-26T08:00:00Z") });
    expect(lastDays(30, "Asia/Kathmandu", now)).toEqual({ day: "2026-10-29", since: new Date("2026-10-28T18:15:00Z") });
    // Across the change to winter time in Berlin the window still starts at a local midnight.
    expect(lastDays(30, "Europe/Berlin", new Date("2026-11-10T12:00:00Z")).since).toEqual(new Date("2026-10-11T22:00:00Z"));
  });

  it("prints a moment on the team's clock", () => {
    const at = new Date("2026-11-26T14:05:30Z");
    expect(formatInZone(at, "Asia/Tokyo")).toBe("2026-11-26 23:05");
    expect(formatInZone(at, "UTC", true)).toBe("2026-11-26 14:05:30");
    expect(formatInZone(at, "Asia/Kathmandu")).toBe("2026-11-26 19:50");
  });

  it("knows zone names, and refuses what is not one", () => {
    expect(isTimeZone("Asia/Tokyo")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isTimeZone("")).toBe(false);
    expect(isTimeZone(" Asia/Tokyo")).toBe(false);
  });

  it("the burn chart's forecast counts the rest of today in the team's zone", () => {
    // 27 Nov 05:00 in Tokyo: 19 hours of the Tokyo day are left (in UTC, 4 hours would be).
    const now = new Date("2026-11-26T20:00:00Z");
    const s = burnSeries([{ day: "2026-11-27", costMicros: 1_000_000 }], { from: "2026-11-27", today: "2026-11-27", to: "2026-11-27", burnPerDayMicros: 24_000_000, now, timeZone: "Asia/Tokyo" });
    expect(s).toEqual([{ day: "2026-11-27", spent: 1, forecast: 1 }]);
    const two = burnSeries([{ day: "2026-11-27", costMicros: 1_000_000 }], { from: "2026-11-27", today: "2026-11-27", to: "2026-11-28", burnPerDayMicros: 24_000_000, now, timeZone: "Asia/Tokyo" });
    expect(two[1]).toEqual({ day: "2026-11-28", forecast: 1 + 19 + 24 });
  });
});

describe("zone names", () => {
  it("lists zones by their current names, and reads what people type as the listed name", () => {
    const names = timeZoneNames();
    expect(names[0]).toBe("UTC");
    expect(names).toEqual(expect.arrayContaining(["Asia/Kathmandu", "Asia/Kolkata", "Europe/Kyiv", "Australia/Adelaide", "America/Los_Angeles"]));
    expect(names).not.toContain("Asia/Katmandu");
    expect(zoneName("asia/kathmandu")).toBe("Asia/Kathmandu");
    expect(zoneName("Asia/Calcutta")).toBe("Asia/Kolkata");
    expect(zoneName(" europe/berlin ")).toBe("Europe/Berlin");
    expect(zoneName("Tokyo")).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { forecastBudget } from "./forecast";
import { currentPeriodStart, periodEnd, startOfPeriod } from "./period";
import { crossedThresholds } from "@/lib/alerts/thresholds";

const d = (s: string) => new Date(s);

describe("budget forecast", () => {
  it("projects the period's spend at the current burn rate and dates the exhaustion", () => {
    const f = forecastBudget({ spentMicros: 10_000_000, limitMicros: 30_000_000, periodStart: d("2025-06-01T00:00:00Z"), periodEnd: d("2025-07-01T00:00:00Z"), now: d("2025-06-11T00:00:00Z") });
    expect(f.burnPerDayMicros).toBe(1_000_000);
    expect(f.projectedMicros).toBe(30_000_000);
    expect(f.exhaustsAt).toBeNull(); // reaches the limit exactly at the end, not before
    const fast = forecastBudget({ spentMicros: 20_000_000, limitMicros: 30_000_000, periodStart: d("2025-06-01T00:00:00Z"), periodEnd: d("2025-07-01T00:00:00Z"), now: d("2025-06-11T00:00:00Z") });
    expect(fast.exhaustsAt?.toISOString()).toBe("2025-06-16T00:00:00.000Z");
  });

  it("no spend, no exhaustion; over the limit, exhausted now", () => {
    const base = { limitMicros: 1, periodStart: d("2025-06-01T00:00:00Z"), periodEnd: d("2025-07-01T00:00:00Z"), now: d("2025-06-02T00:00:00Z") };
    expect(forecastBudget({ ...base, spentMicros: 0 }).exhaustsAt).toBeNull();
    expect(forecastBudget({ ...base, spentMicros: 2 }).exhaustsAt).toEqual(base.now);
  });
});

describe("periods", () => {
  it("weekly periods start on Monday in the team's zone", () => {
    expect(startOfPeriod("weekly", d("2025-06-15T12:00:00Z"), "Europe/Berlin").toISOString()).toBe("2025-06-08T22:00:00.000Z");
  });
  it("monthly ends at the next month's first midnight, custom periods chain from their anchor", () => {
    expect(periodEnd({ period: "monthly" }, d("2025-12-01T05:00:00Z"), "America/New_York").toISOString()).toBe("2026-01-01T05:00:00.000Z");
    const anchor = d("2025-01-01T00:00:00Z");
    expect(currentPeriodStart({ period: "custom", customDays: 10, periodStart: anchor }, d("2025-01-25T00:00:00Z"), "UTC").toISOString()).toBe("2025-01-21T00:00:00.000Z");
    expect(currentPeriodStart({ period: "custom", customDays: 10, periodStart: anchor }, d("2025-01-05T00:00:00Z"), "UTC")).toEqual(anchor);
  });
});

describe("thresholds", () => {
  it("are reached by integer maths, once each, refusals reach up to 100 %", () => {
    expect(crossedThresholds([50, 80, 100], 799_999, 1_000_000)).toEqual([50]);
    expect(crossedThresholds([100, 50, 80, 80], 800_000, 1_000_000)).toEqual([50, 80]);
    // A refusal reaches 100 %, not the thresholds spend has not reached.
    expect(crossedThresholds([50, 80, 100, 120], 10, 1_000_000, true)).toEqual([100]);
    expect(crossedThresholds([50, 80, 100, 120], 600_000, 1_000_000, true)).toEqual([50, 100]);
  });
});

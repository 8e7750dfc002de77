import { describe, expect, it } from "vitest";
import { dayRange, OTHERS, stackByDay, toCsv, totalsByKey } from "./series";

describe("chart series preparation", () => {
  it("lists every day of a range, across a month end", () => {
    expect(dayRange("2025-01-30", "2025-02-02")).toEqual(["2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02"]);
    expect(dayRange("2025-02-02", "2025-02-01")).toEqual([]);
  });

  it("stacks by day in dollars, fills missing days with zeros", () => {
    const s = stackByDay(
      [
        { day: "2025-01-01", key: "a", costMicros: 1_500_000 },
        { day: "2025-01-03", key: "b", costMicros: 250_000 },
      ],
      { from: "2025-01-01", to: "2025-01-03" },
    );
    expect(s.keys).toEqual(["a", "b"]);
    expect(s.data).toEqual([
      { day: "2025-01-01", a: 1.5, b: 0 },
      { day: "2025-01-02", a: 0, b: 0 },
      { day: "2025-01-03", a: 0, b: 0.25 },
    ]);
    expect(s.totalMicros).toBe(1_750_000);
  });

  it("keeps the top series by spend and sums the rest into Others, losing no money", () => {
    const rows = ["m1", "m2", "m3", "m4"].map((key, i) => ({ day: "2025-01-01", key, costMicros: (4 - i) * 1_000_000 }));
    const s = stackByDay(rows, { from: "2025-01-01", to: "2025-01-01", topN: 3 });
    expect(s.keys).toEqual(["m1", "m2", OTHERS]);
    expect(s.data[0]).toEqual({ day: "2025-01-01", m1: 4, m2: 3, [OTHERS]: 3 });
    const sum = s.keys.reduce((t, k) => t + (s.data[0][k] as number), 0);
    expect(sum).toBe(10);
    // Exactly topN series: no Others.
    expect(stackByDay(rows.slice(0, 3), { from: "2025-01-01", to: "2025-01-01", topN: 3 }).keys).toEqual(["m1", "m2", "m3"]);
  });

  it("totals per key, largest first", () => {
    expect(
      totalsByKey([
        { day: "d", key: "x", costMicros: 1, requests: 2 },
        { day: "e", key: "y", costMicros: 5, requests: 1 },
        { day: "f", key: "x", costMicros: 1, requests: 3 },
      ]),
    ).toEqual([
      { key: "y", costMicros: 5, requests: 1 },
      { key: "x", costMicros: 2, requests: 5 },
    ]);
  });

  it("writes CSV that spreadsheets read safely", () => {
    expect(toCsv(["a", "b"], [["x,y", 'say "hi"'], ["=SUM(A1)", null], [-5, "ok"]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n\'=SUM(A1),\r\n-5,ok\r\n');
  });
});

import { forecastBudget } from "@/lib/budgets/forecast";
import { burnSeries, niceTicks } from "./burn";

describe("burn series", () => {
  it("accumulates spend to today, then projects at the burn rate to the end", () => {
    const s = burnSeries([{ day: "2025-06-01", costMicros: 1_000_000 }, { day: "2025-06-03", costMicros: 2_000_000 }], { from: "2025-06-01", today: "2025-06-03", to: "2025-06-05", burnPerDayMicros: 1_000_000 });
    expect(s).toEqual([
      { day: "2025-06-01", spent: 1 },
      { day: "2025-06-02", spent: 1 },
      { day: "2025-06-03", spent: 3, forecast: 3 },
      { day: "2025-06-04", forecast: 4 },
      { day: "2025-06-05", forecast: 5 },
    ]);
  });

  it("at midday, ends on the budget's own forecast for the period: the rest of today is still to come", () => {
    const now = new Date("2025-06-03T12:00:00.000Z");
    const [periodStart, periodEnd] = [new Date("2025-06-01T00:00:00.000Z"), new Date("2025-06-06T00:00:00.000Z")];
    const f = forecastBudget({ spentMicros: 3_000_000, limitMicros: 50_000_000, periodStart, periodEnd, now });
    const s = burnSeries([{ day: "2025-06-01", costMicros: 1_000_000 }, { day: "2025-06-03", costMicros: 2_000_000 }], { from: "2025-06-01", today: "2025-06-03", to: "2025-06-05", burnPerDayMicros: f.burnPerDayMicros, now });
    expect(s.at(-1)).toEqual({ day: "2025-06-05", forecast: f.projectedMicros / 1e6 });
    expect(s.map((p) => p.forecast)).toEqual([undefined, undefined, 3, 3 + 1.2 * 1.5, 3 + 1.2 * 2.5]);
  });
});

describe("nice axis ticks", () => {
  it("steps by 1, 2, 2.5 or 5 times a power of ten and reaches the top", () => {
    expect(niceTicks(0.34)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(50)).toEqual([0, 20, 40, 60]);
    expect(niceTicks(9)).toEqual([0, 2.5, 5, 7.5, 10]);
    expect(niceTicks(0.0049)).toEqual([0, 0.002, 0.004, 0.006]);
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});

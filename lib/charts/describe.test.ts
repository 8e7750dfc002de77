import { describe, expect, it } from "vitest";
import { burnSeries } from "./burn";
import { describeBurn, describeCostQuality, describeStacked } from "./describe";
import { prepareCostQuality } from "./simulation";
import { stackByDay } from "./series";

describe("chart text alternatives", () => {
  it("summarises the burn chart from its series: spend to today, forecast, the day it passes the limit", () => {
    const data = burnSeries(
      [
        { day: "2025-03-01", costMicros: 2_000_000 },
        { day: "2025-03-02", costMicros: 3_000_000 },
      ],
      { from: "2025-03-01", today: "2025-03-02", to: "2025-03-05", burnPerDayMicros: 2_500_000 },
    );
    const t = describeBurn(data, 9);
    expect(t.title).toMatch(/burn/i);
    expect(t.summary).toBe(
      "Spent $5.00 from 2025-03-01 to 2025-03-02, against a limit of $9.00. At the current rate the forecast is $12.50 by 2025-03-05, over the limit. The forecast passes the limit on 2025-03-04.",
    );
    expect(describeBurn(data, 100).summary).toBe("Spent $5.00 from 2025-03-01 to 2025-03-02, against a limit of $100.00. At the current rate the forecast is $12.50 by 2025-03-05.");
    expect(describeBurn(data, 4).summary).toMatch(/forecast is \$12\.50 by 2025-03-05, over the limit\. Spend is already over the limit\.$/);
    expect(describeBurn([], 10).summary).toBe("No spend recorded yet this period; the limit is $10.00.");
  });

  it("summarises stacked spend: total, highest day, largest series by their labels with shares", () => {
    const s = stackByDay(
      [
        { day: "2025-01-01", key: "m1", costMicros: 1_000_000 },
        { day: "2025-01-02", key: "m1", costMicros: 2_000_000 },
        { day: "2025-01-02", key: "m2", costMicros: 1_000_000 },
      ],
      { from: "2025-01-01", to: "2025-01-03" },
    );
    const t = describeStacked(s.data, s.keys, { m1: "gpt-big" });
    expect(t.title).toBe("Spend per day from 2025-01-01 to 2025-01-03, stacked by 2 series");
    expect(t.summary).toBe("Total $4.00 over 3 days; highest day 2025-01-02 at $3.00. Largest: gpt-big $3.00 (75 %), m2 $1.00 (25 %).");
    expect(describeStacked(stackByDay([], { from: "2025-01-01", to: "2025-01-02" }).data, []).summary).toBe("No spend in 2 days.");
  });

  it("summarises the simulation: the router's range, single models by cost, the selected setting", () => {
    const chart = prepareCostQuality(
      [
        { knob: 1, quality: 0.9, cost_usd: 0.5, quality_ratio: 1, cost_ratio: 1 },
        { knob: 0, quality: 0.6, cost_usd: 0.01, quality_ratio: 0.66, cost_ratio: 0.1 },
      ],
      [
        { model: "big", quality: 0.91, cost_usd: 0.52 },
        { model: "small", quality: 0.55, cost_usd: 0.005 },
      ],
    );
    const t = describeCostQuality(chart, { knob: 0, cost: 0.01, quality: 60 });
    expect(t.summary).toBe(
      "Router over 2 knob settings: from 60 % quality at $0.01 to 90 % at $0.50. Single models: small 55 % at $0.0050; big 91 % at $0.52. Selected setting 0.00: 60 % at $0.01.",
    );
  });
});

import { describe, expect, it } from "vitest";
import { knobStops, pointAtKnob, prepareCostQuality, prepareLoggedCurve, qualityAxis, stopIndex } from "./simulation";

describe("prepareCostQuality", () => {
  it("orders the router curve by cost and converts quality to percent", () => {
    const r = prepareCostQuality(
      [
        { knob: 1, quality: 0.9, cost_usd: 5, quality_ratio: 1, cost_ratio: 1 },
        { knob: 0, quality: 0.6, cost_usd: 0.5, quality_ratio: 0.66, cost_ratio: 0.1 },
      ],
      [{ model: "big", quality: 0.91, cost_usd: 5.2 }],
    );
    expect(r.router.map((p) => p.knob)).toEqual([0, 1]);
    expect(r.router[0]).toEqual({ cost: 0.5, quality: 60, knob: 0 });
    expect(r.models).toEqual([{ cost: 5.2, quality: 91, model: "big" }]);
    expect(r.maxCost).toBe(5.2);
  });

  it("picks the sweep point nearest to the slider", () => {
    const pts = [{ knob: 0 }, { knob: 0.5 }, { knob: 1 }];
    expect(pointAtKnob(pts, 0.6)).toEqual({ knob: 0.5 });
    expect(pointAtKnob(pts, 0.8)).toEqual({ knob: 1 });
    expect(pointAtKnob([], 0.5)).toBeUndefined();
  });
});

describe("the simulator's slider and quality axis", () => {
  it("stops only at computed knobs, in knob order, starting from the one nearest the requested value", () => {
    const stops = knobStops([{ knob: 0.5 }, { knob: 0 }, { knob: 1 }, { knob: 0.3 }]);
    expect(stops.map((p) => p.knob)).toEqual([0, 0.3, 0.5, 1]);
    expect(stopIndex(stops, 0.5)).toBe(2);
    expect(stopIndex(stops, 0.25)).toBe(1);
    expect(stopIndex([], 0.5)).toBe(-1);
  });

  it("ends the quality axis at 100 % when no point is above it", () => {
    const a = qualityAxis([52.5, 97, 100]);
    expect(a.domain).toEqual([40, 100]);
    expect(a.ticks).toEqual([40, 60, 80, 100]);
    expect(qualityAxis([81, 88]).ticks).toEqual([80, 85, 90, 95, 100]);
    expect(qualityAxis([100, 100]).domain).toEqual([96, 100]);
    expect(qualityAxis([90, 104]).domain[1]).toBeGreaterThanOrEqual(104);
  });
});

describe("prepareLoggedCurve", () => {
  it("draws only settings with enough matched results, per task in dollars, and keeps every setting as a slider stop", () => {
    const r = prepareLoggedCurve(
      [
        { knob: 1, matched: 12, quality: 1, costMicros: 1_000 },
        { knob: 0.5, matched: 4, quality: 0.5, costMicros: 500 }, // too few: not drawn
        { knob: 0, matched: 12, quality: 0, costMicros: 10 },
        { knob: 0.3, matched: 0, quality: null, costMicros: null },
      ],
      [{ model: "dear", events: 12, quality: 1, costMicros: 1_000 }],
      5,
    );
    expect(r.chart.router).toEqual([
      { knob: 0, quality: 0, cost: 0.00001 },
      { knob: 1, quality: 100, cost: 0.001 },
    ]);
    expect(r.chart.models).toEqual([{ model: "dear", quality: 100, cost: 0.001 }]);
    expect(r.drawn).toBe(2);
    expect(r.stops.map((p) => p.knob)).toEqual([0, 0.3, 0.5, 1]);
  });
});

import { describe, expect, it } from "vitest";
import { pointAtKnob, prepareCostQuality } from "./simulation";

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

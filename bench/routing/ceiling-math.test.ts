import { describe, expect, it } from "vitest";
import { groupedCeiling, rocAuc } from "./ceiling-math";
import { labelCeiling } from "./labelled";

describe("groupedCeiling", () => {
  // Two groups of 10 prompts. Group A: cheap 6/10 for $1, dear 9/10 for $10. Group B: cheap 5/10
  // for $1, mid 8/10 for $2, dear 9/10 for $20 (B's mid is the bargain).
  const a = [{ cost: 1, quality: 6 }, { cost: 10, quality: 9 }];
  const b = [{ cost: 1, quality: 5 }, { cost: 2, quality: 8 }, { cost: 20, quality: 9 }];

  it("starts at every group's cheapest option and refuses a budget below that", () => {
    expect(groupedCeiling([a, b], 1.5)).toBeUndefined();
    expect(groupedCeiling([a, b], 2)).toBeCloseTo(11);
  });

  it("buys the best score per dollar first and mixes on the last segment", () => {
    expect(groupedCeiling([a, b], 3)).toBeCloseTo(14); // B's mid first: +3 for $1
    expect(groupedCeiling([a, b], 7.5)).toBeCloseTo(14 + 1.5); // then half of A's upgrade (+3 for $9 → +1.5 for $4.5)
    expect(groupedCeiling([a, b], 12)).toBeCloseTo(17); // both upgrades
    expect(groupedCeiling([a, b], 1000)).toBeCloseTo(18); // everything dearest
  });

  it("never takes a dearer option that is not better", () => {
    expect(groupedCeiling([[{ cost: 1, quality: 5 }, { cost: 5, quality: 4 }]], 100)).toBeCloseTo(5);
  });
});

describe("rocAuc", () => {
  const mk = (ps: number[], ys: boolean[]) => ps.map((p, i) => ({ p, y: ys[i] }));
  it("is 1 for a perfect ranking, 0 for a reversed one and 0.5 for all ties", () => {
    const ys = [false, false, false, false, false, true, true, true, true, true];
    const ps = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(rocAuc(mk(ps, ys))).toBe(1);
    expect(rocAuc(mk([...ps].reverse(), ys))).toBe(0);
    expect(rocAuc(mk(ps.map(() => 0.3), ys))).toBe(0.5);
  });
  it("counts pairs: one swapped pair out of 25 gives 0.96", () => {
    const ys = [false, false, false, false, true, false, true, true, true, true];
    expect(rocAuc(mk([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], ys))).toBeCloseTo(24 / 25);
  });
  it("is undefined with too few of a class", () => {
    expect(rocAuc(mk([1, 2, 3], [true, true, false]))).toBeUndefined();
  });
});

describe("labelCeiling", () => {
  // One dataset, two prompts: the cheap model scores 0.5 on average and costs nothing, the dear one
  // scores 1 and costs $1 on the short prompt, $9 on the long one.
  const row = (id: string, dear: number, cheapScore: number) => ({
    id,
    dataset: "d",
    prompt: id,
    outcomes: { cheap: { score: cheapScore, cost_usd: 0 }, dear: { score: 1, cost_usd: dear } },
  });
  const test = [row("short", 1, 1), row("long", 9, 0)];
  it("pools a dataset's costs, or spends the dear model on its cheapest prompts first", () => {
    // Pooled: $1 buys a tenth of the dataset's $10 upgrade (+1 score in all) → (1 + 0.1) / 2.
    expect(labelCeiling(test, ["cheap", "dear"])(1)).toBeCloseTo(0.55);
    // Knowing each prompt's cost: $1 buys the short prompt's whole upgrade, worth the dataset's mean gain 0.5.
    expect(labelCeiling(test, ["cheap", "dear"], { perPromptCost: true })(1)).toBeCloseTo(0.75);
    expect(labelCeiling(test, ["cheap", "dear"], { perPromptCost: true })(10)).toBeCloseTo(1);
  });
});

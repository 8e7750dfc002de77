import { describe, expect, it } from "vitest";
import { bestWithin, fitLogistic, lastParagraph, nearest, pick, predictLogistic, standardiser, unit } from "./embedding-math";

describe("lastParagraph", () => {
  it("keeps the question after a few-shot prompt's worked examples", () => {
    expect(lastParagraph("Example one?\nAnswer: A\n\nExample two?\nAnswer: B\n\nThe question?\nA) x\nAnswer:")).toBe("The question?\nA) x\nAnswer:");
  });
  it("keeps a one-paragraph prompt whole and ignores trailing blank lines", () => {
    expect(lastParagraph("Write a function.\n")).toBe("Write a function.");
    expect(lastParagraph("First.\n\nSecond.\n\n  \n")).toBe("Second.");
  });
});

describe("fitLogistic", () => {
  // Separable on the first feature; the second is noise.
  const x = [[-2, 0.3], [-1.5, -0.2], [-1, 0.1], [-0.5, -0.4], [0.5, 0.2], [1, -0.1], [1.5, 0.4], [2, -0.3]];
  const y = [0, 0, 0, 0, 1, 1, 1, 1];

  it("separates a separable set and weighs the informative feature", () => {
    const m = fitLogistic(x, y);
    x.forEach((xi, i) => expect(predictLogistic(m, xi) > 0.5).toBe(y[i] === 1));
    expect(Math.abs(m.w[0])).toBeGreaterThan(5 * Math.abs(m.w[1]));
  });

  it("shrinks the weights as L2 grows and learns the base rate in the bias", () => {
    const loose = fitLogistic(x, y, { l2: 0.001 });
    const tight = fitLogistic(x, y, { l2: 1 });
    expect(Math.abs(tight.w[0])).toBeLessThan(Math.abs(loose.w[0]));
    const skewed = fitLogistic(x.map(() => [0, 0]), [1, 1, 1, 1, 1, 1, 0, 0], { steps: 2000, rate: 0.5 });
    expect(predictLogistic(skewed, [0, 0])).toBeCloseTo(0.75, 2);
  });

  it("takes soft targets", () => {
    const m = fitLogistic([[0], [0]], [0.3, 0.3], { steps: 2000, rate: 0.5 });
    expect(predictLogistic(m, [0])).toBeCloseTo(0.3, 2);
  });
});

describe("nearest and standardiser", () => {
  it("ranks unit vectors by cosine", () => {
    const rows = [[1, 0], [0, 1], [-1, 0], unit([1, 1])];
    expect(nearest(rows, unit([1, 0.2]), 2)).toEqual([0, 3]);
  });
  it("centres and scales every feature; a constant feature stays finite", () => {
    const s = standardiser([[1, 5], [3, 5]]);
    expect(s([1, 5])).toEqual([-1, 0]);
    expect(s([3, 5])).toEqual([1, 0]);
  });
});

describe("pick and bestWithin", () => {
  it("trades predicted quality against estimated cost by λ", () => {
    const predicted = [0.6, 0.9];
    const cost = [1, 10];
    expect(pick(predicted, cost, 0)).toBe(1);
    expect(pick(predicted, cost, 0.02)).toBe(1); // 0.9 − 0.2 > 0.6 − 0.02
    expect(pick(predicted, cost, 0.05)).toBe(0); // 0.9 − 0.5 < 0.6 − 0.05
    expect(pick([0.5, 0.8, 0.9], [1, 2, 10], 0.2)).toBe(1); // utilities 0.3, 0.4, −1.1
  });
  it("takes the best point within the budget", () => {
    const pts = [{ cost: 1, quality: 0.5 }, { cost: 2, quality: 0.7 }, { cost: 3, quality: 0.9 }];
    expect(bestWithin(pts, 2.5)).toBe(0.7);
    expect(bestWithin(pts, 0.5)).toBeUndefined();
  });
});

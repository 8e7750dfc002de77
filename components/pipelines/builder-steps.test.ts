import { describe, expect, it } from "vitest";
import { moveStep, removeStep } from "./builder-steps";

const steps = () => [
  { key: "a", parallel: false },
  { key: "b", parallel: true },
  { key: "c", parallel: false },
];

describe("pipeline builder steps", () => {
  it("a parallel step moved to the top is no longer parallel, and stays so when moved back down", () => {
    const up = moveStep(steps(), 1, -1);
    expect(up).toEqual([
      { key: "b", parallel: false },
      { key: "a", parallel: false },
      { key: "c", parallel: false },
    ]);
    expect(moveStep(up, 0, 1).map((s) => s.parallel)).toEqual([false, false, false]);
  });

  it("keeps the flag on steps that do not become the first", () => {
    expect(moveStep(steps(), 1, 1)).toEqual([
      { key: "a", parallel: false },
      { key: "c", parallel: false },
      { key: "b", parallel: true },
    ]);
  });

  it("removing the first step clears the flag of the one that takes its place", () => {
    expect(removeStep(steps(), 0)).toEqual([
      { key: "b", parallel: false },
      { key: "c", parallel: false },
    ]);
    expect(removeStep(steps(), 2)[1]).toEqual({ key: "b", parallel: true });
  });

  it("a move past either end changes nothing", () => {
    const s = steps();
    expect(moveStep(s, 0, -1)).toBe(s);
    expect(moveStep(s, 2, 1)).toBe(s);
  });
});

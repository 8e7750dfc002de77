import { describe, expect, it } from "vitest";
import { analyse } from "@/lib/analysis";
import { applyRating, emptyMemory, emptySnapshot, memoryAdd, neighbours, project, qualityEstimate, warmStart } from "./index";

const v = (t: string) => analyse({ task: t }).vector;

describe("neighbour memory", () => {
  it("projection keeps similar texts closer than unrelated ones", () => {
    const a = project(v("Write a python function to reverse a linked list in place."), 64);
    const b = project(v("Write a python function to reverse a string in place."), 64);
    const c = project(v("The trophy doesn't fit into the brown suitcase because the _ is too large."), 64);
    const dot = (x: Float64Array, y: Float64Array) => x.reduce((s, z, i) => s + z * y[i], 0);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c));
  });

  it("near neighbours decide, far ones keep the prior; the ring buffer stays within cap", () => {
    const m = emptyMemory({ cap: 50, k: 10 });
    for (let i = 0; i < 60; i++) memoryAdd(m, v(`Write a python function number ${i} that sorts a list`), { cheap: 1, dear: 0 });
    expect(m.vectors.length).toBe(50);
    expect(m.added).toBe(60);
    const nb = neighbours(m, v("Write a python function that sorts a list of numbers"));
    expect(nb.idx.length).toBeGreaterThan(0);
    expect(nb.idx.length).toBeLessThanOrEqual(10);
  });

  it("a new kind of task is learned from its own first outcomes, and the snapshot stays JSON", () => {
    // Warm start on one kind of task where model "a" is good and "b" bad.
    const rows = Array.from({ length: 40 }, (_, i) => ({ prompt: `Which answer is correct for science question ${i}? A) x B) y`, outcomes: { a: { score: 1 }, b: { score: 0 } } }));
    let s = warmStart(rows);
    expect(s.memory?.vectors.length).toBe(40);
    const task = "Write a function to merge two sorted arrays into one sorted array.";
    const before = qualityEstimate(s, { domain: "code", model: "b", vector: v(task) }).mean;
    for (let i = 0; i < 8; i++) {
      s = applyRating(s, { domain: "code", model: "b", rating: { kind: "thumbs", up: true }, vector: v(`Write a function to merge ${i} sorted arrays into one sorted array.`) });
    }
    const after = qualityEstimate(s, { domain: "code", model: "b", vector: v(task) }).mean;
    expect(after).toBeGreaterThan(before);
    const round = JSON.parse(JSON.stringify(s));
    expect(qualityEstimate(round, { domain: "code", model: "b", vector: v(task) }).mean).toBeCloseTo(after, 6);
  });

  it("without a memory the estimate is unchanged (empty snapshot)", () => {
    const s = emptySnapshot();
    expect(qualityEstimate(s, { domain: "code", model: "m", vector: v("hello") }).mean).toBeCloseTo(0.5);
  });
});

import { describe, expect, it } from "vitest";
import { aiq, hullValue, nonDecreasingHull } from "./aiq";
import { split, recost } from "@/bench/routing/make-splits";
import { cheapestPointAbove, lengthCostModel, mergeReplays, parseReplayFile, runReplay, type ReplayRow } from "./replay";

/**
 * Synthetic replay file: "coder" is right on code prompts only, "talker" on chat prompts only,
 * "oracle" on everything but costs 10×. A router that reads the prompt can match the oracle's
 * quality at a fraction of its cost.
 */
function synthetic(n: number, seed: number): ReplayRow[] {
  const rows: ReplayRow[] = [];
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let i = 0; i < n; i++) {
    const code = rand() < 0.5;
    const prompt = code
      ? `Write a python function number ${Math.floor(rand() * 1000)} that returns the sum of a list`
      : `Hello, how are you today? Tell me about your weekend number ${Math.floor(rand() * 1000)}`;
    rows.push({
      id: `r${i}`,
      prompt,
      outcomes: {
        coder: { score: code ? 1 : 0, cost_usd: 0.001 },
        talker: { score: code ? 0 : 1, cost_usd: 0.001 },
        oracle: { score: 1, cost_usd: 0.01 },
      },
    });
  }
  return rows;
}

describe("AIQ", () => {
  it("builds the non-decreasing upper hull", () => {
    const hull = nonDecreasingHull([
      { cost: 1, quality: 0.5 },
      { cost: 2, quality: 0.55 }, // under the segment (1,0.5)–(3,0.9): dropped
      { cost: 3, quality: 0.9 },
      { cost: 4, quality: 0.8 }, // worse and dearer: dropped
    ]);
    expect(hull).toEqual([
      { cost: 1, quality: 0.5 },
      { cost: 3, quality: 0.9 },
    ]);
    expect(hullValue(hull, 2)).toBeCloseTo(0.7);
    expect(hullValue(hull, 10)).toBeCloseTo(0.9);
    expect(hullValue(hull, 0.5)).toBe(0);
  });

  it("integrates exactly over the normalised cost range", () => {
    // Hull (1,0.5)→(3,0.9) then flat 0.9 to 5: area = 2·0.7 + 2·0.9 = 3.2 over a width of 4.
    expect(aiq([{ cost: 1, quality: 0.5 }, { cost: 3, quality: 0.9 }], 1, 5)).toBeCloseTo(0.8);
    // A single point at the cheapest cost is flat over the whole range.
    expect(aiq([{ cost: 1, quality: 0.6 }], 1, 5)).toBeCloseTo(0.6);
    // Nothing reachable below a router's cheapest point.
    expect(aiq([{ cost: 3, quality: 1 }], 1, 5)).toBeCloseTo(0.5);
  });
});

/** The same file in Chinese, written without spaces, as Chinese is. */
function syntheticChinese(n: number, seed: number): ReplayRow[] {
  return synthetic(n, seed).map((r) => {
    const num = r.prompt.match(/\d+/)![0];
    const code = r.outcomes.coder.score === 1;
    return { ...r, prompt: code ? `请写一个函数，编号${num}，返回列表中所有数字的和。` : `你好，今天过得怎么样？请讲讲你的周末，编号${num}。` };
  });
}

describe("replay", () => {
  const train = synthetic(200, 1);
  const test = synthetic(120, 2);

  it("parses the JSONL format and rejects malformed lines with their number", () => {
    const text = test.map((r) => JSON.stringify(r)).join("\n");
    expect(parseReplayFile(text)).toHaveLength(120);
    expect(() => parseReplayFile('{"prompt":"x"}\n')).toThrow(/line 1/);
    expect(() => parseReplayFile('{"prompt":"x","outcomes":{"m":{"score":1}}}')).toThrow(/cost_usd/);
  });

  it("routes by prompt text: the oracle's quality at a fraction of its cost, AIQ above the single-model hull", () => {
    const r = runReplay(train, test, { knobs: [0, 0.5, 0.9, 1] });
    expect(r.prompts).toBe(120);
    expect(r.best_single.model).toBe("oracle");
    const p = cheapestPointAbove(r.points, 0.95);
    expect(p).toBeDefined();
    expect(p!.cost_ratio).toBeLessThan(0.3);
    expect(r.aiq).toBeGreaterThan(r.aiq_best_single_hull);
  });

  it("routes prompts written without spaces (Chinese) by their words too", () => {
    const r = runReplay(syntheticChinese(200, 1), syntheticChinese(120, 2), { knobs: [0, 0.5, 0.9, 1] });
    const p = cheapestPointAbove(r.points, 0.95);
    expect(p).toBeDefined();
    expect(p!.cost_ratio).toBeLessThan(0.3);
    expect(r.aiq).toBeGreaterThan(r.aiq_best_single_hull);
  });

  it("chooses for a row whose prompt is blank instead of stopping the run", () => {
    const blank = (rows: ReplayRow[]) => rows.map((r, i) => (i % 10 === 0 ? { ...r, prompt: "  " } : r));
    const r = runReplay(blank(train), blank(test), { knobs: [0.5] });
    expect(r.choices).toHaveLength(test.length);
    expect(r.choices.find((c) => c.id === test[0].id)?.model).toMatch(/coder|talker|oracle/);
  });

  it("writes one choice per knob and prompt, from which every figure can be recomputed", () => {
    const knobs = [0, 0.7, 1];
    const r = runReplay(train, test, { knobs });
    expect(r.choices).toHaveLength(knobs.length * test.length);
    const byId = new Map(test.map((t) => [t.id, t]));
    for (const pt of r.points) {
      const mine = r.choices.filter((c) => c.knob === pt.knob);
      const q = mine.reduce((s, c) => s + byId.get(c.id)!.outcomes[c.model].score, 0) / test.length;
      const c = mine.reduce((s, x) => s + byId.get(x.id)!.outcomes[x.model].cost_usd, 0);
      expect(pt.quality).toBeCloseTo(q, 10);
      expect(pt.cost_usd).toBeCloseTo(c, 10);
    }
  });

  it("replays run on parts of the knobs (the bench's worker threads) join into the single run's result", () => {
    const whole = runReplay(train, test, { knobs: [0, 0.5, 0.8, 1] });
    const joined = mergeReplays([runReplay(train, test, { knobs: [0.5, 1] }), runReplay(train, test, { knobs: [0, 0.8] })], [0, 0.5, 0.8, 1]);
    expect(joined.points).toEqual(whole.points);
    expect(joined.choices).toEqual(whole.choices);
    expect(joined.aiq).toBe(whole.aiq);
  });

  it("is deterministic for a seed", () => {
    const a = runReplay(train, test, { knobs: [0.8], seed: 5 });
    const b = runReplay(train, test, { knobs: [0.8], seed: 5 });
    expect(a.choices).toEqual(b.choices);
  });

  it("split and recost helpers", () => {
    const [tr, te] = split(train, 3);
    expect(tr.length + te.length).toBe(train.length);
    expect(new Set([...tr, ...te].map((r) => r.id)).size).toBe(train.length);
    const eq = recost(train, "eqcost");
    expect(new Set(eq.map((r) => r.outcomes.oracle.cost_usd)).size).toBe(1);
  });
});

describe("cost the router sees", () => {
  it("is a per-model line in the prompt length fitted on train rows, not the answer's cost", () => {
    const rows: ReplayRow[] = [10, 20, 40].map((len, i) => ({
      id: String(i),
      prompt: "x".repeat(len),
      outcomes: { a: { score: 1, cost_usd: 0.001 + 0.0001 * len }, b: { score: 0, cost_usd: 0.002 } },
    }));
    const est = lengthCostModel(rows);
    expect(est("a", 30)).toBeCloseTo(0.004, 9);
    expect(est("b", 1000)).toBeCloseTo(0.002, 9);
    // Unknown model: the mean of the known ones.
    expect(est("c", 30)).toBeCloseTo((0.004 + 0.002) / 2, 9);
  });

  it("prices a model the train rows never saw from the test file's own costs (one line per model)", () => {
    const train: ReplayRow[] = [10, 20].map((len, i) => ({ id: String(i), prompt: "x".repeat(len), outcomes: { a: { score: 1, cost_usd: 0.001 } } }));
    const test: ReplayRow[] = [10, 20, 40].map((len, i) => ({
      id: `t${i}`,
      prompt: "y".repeat(len),
      outcomes: { a: { score: 1, cost_usd: 0.5 }, cheap: { score: 0, cost_usd: 0.0001 * len }, dear: { score: 1, cost_usd: 0.01 } },
    }));
    const est = lengthCostModel(train, test);
    expect(est("a", 30)).toBeCloseTo(0.001, 9); // known: the train fit, not the test costs
    expect(est("cheap", 30)).toBeCloseTo(0.003, 9);
    expect(est("dear", 30)).toBeCloseTo(0.01, 9);
  });

  it("a file where every answer is free: every knob routes by quality alone", () => {
    const free = (rows: ReplayRow[]) => rows.map((r) => ({ ...r, outcomes: Object.fromEntries(Object.entries(r.outcomes).map(([m, o]) => [m, { ...o, cost_usd: 0 }])) }));
    const r = runReplay(free(synthetic(200, 5)), free(synthetic(80, 6)), { knobs: [0, 0.5, 1] });
    for (const p of r.points) {
      expect(p.cost_usd).toBe(0);
      expect(p.quality).toBeGreaterThanOrEqual(0.95);
    }
  });

  it("answer costs do not move the choice (the default cost view ignores them)", () => {
    const train = synthetic(200, 3);
    const test = synthetic(60, 4);
    const noisy = test.map((r, i) => ({ ...r, outcomes: Object.fromEntries(Object.entries(r.outcomes).map(([m, o]) => [m, { ...o, cost_usd: o.cost_usd * (1 + (i % 7) / 3) }])) }));
    const a = runReplay(train, test, { knobs: [0.5, 0.9] }).choices.map((c) => c.model);
    const b = runReplay(train, noisy, { knobs: [0.5, 0.9] }).choices.map((c) => c.model);
    expect(b).toEqual(a);
  });
});

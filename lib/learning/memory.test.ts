import { describe, expect, it } from "vitest";
import { analyse } from "@/lib/analysis";
import { isRefusal, route } from "@/lib/routing";
import { applyOutcome, applyRating, emptyMemory, emptySnapshot, memoryAdd, neighbourEvidence, neighbours, project, qualityEstimate, seededRng, warmStart, type WarmStartOptions } from "./index";
import { priceSlope } from "./warm-start";

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

describe("unseen kinds of task (no early lock-in)", () => {
  // Warm start on science questions where "star" is nearly always right and the others often;
  // then a new kind of task (code) where every model does worse and "steady" is the best. Outcomes
  // are noisy (seeded), all models cost the same, knob 1: the router must find "steady".
  const science = (i: number) => `Question ${i}: which of these is a mammal, a reptile or a bird? Answer with the letter of the correct choice. A) whale B) lizard C) sparrow`;
  const verbs = ["sort", "reverse", "merge", "count", "filter", "group", "parse", "sum"];
  const code = (i: number) => `Write a python function ${verbs[i % 8]}_${i}(xs) that ${verbs[(i * 3) % 8]}s the items of a list of ${i % 2 ? "strings" : "integers"} and returns the result.`;
  const trainP: Record<string, number> = { star: 0.95, steady: 0.6, bold: 0.85, quick: 0.8, weak: 0.4 };
  const codeP: Record<string, number> = { star: 0.45, steady: 0.8, bold: 0.3, quick: 0.35, weak: 0.2 };
  const models = Object.keys(trainP);
  const u = (i: number, m: string) => {
    let h = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(m.charCodeAt(0) + m.length * 31, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    return h / 4294967296;
  };
  const train = Array.from({ length: 150 }, (_, i) => ({ prompt: science(i), outcomes: Object.fromEntries(models.map((m) => [m, { score: u(i, m) < trainP[m] ? 1 : 0 }])) }));

  function run(memory: WarmStartOptions["memory"]) {
    const s = warmStart(train, { memory });
    const rng = seededRng(3);
    const chosen: string[] = [];
    for (let i = 0; i < 160; i++) {
      const p = analyse({ task: code(i), qualityRequirement: "normal" });
      const d = route(p, models.map((id) => ({ id, provider: id, local: true, enabled: true, contextWindow: 1e9, inputPerMTokMicros: 1, outputPerMTokMicros: 1, strengths: [], costTier: "x", estimatedCostMicros: 10 })), {
        learned: s,
        settings: { qualityVsCost: 1, exploration: { enabled: true, scale: 0.1, maxExtraCostFraction: 1, maxExtraCostMicros: Infinity } },
        rng,
      });
      if (isRefusal(d)) throw new Error(d.message);
      chosen.push(d.model);
      applyOutcome(s, { domain: p.domain, model: d.model, y: u(1000 + i, d.model) < codeP[d.model] ? 1 : 0, vector: p.vector }, { mutate: true });
    }
    return chosen;
  }

  it("finds the model that is best on the new kind of task and mostly stays with it", () => {
    const chosen = run(true);
    // (Greedy with the shared residual shift on — { shiftKappa: 2 } — chose "star" to the end here.)
    expect(chosen.slice(-80).filter((m) => m === "steady").length).toBeGreaterThanOrEqual(60);
  });

  it("with shiftKappa, the live outcomes' residuals shift an untried model's prior down (the tried one did worse than predicted)", () => {
    const s = warmStart(train, { memory: { shiftKappa: 2 } });
    const p = analyse({ task: code(0) });
    const before = qualityEstimate(s, { domain: p.domain, model: "bold", vector: p.vector }).mean;
    for (let i = 1; i < 8; i++) applyOutcome(s, { domain: p.domain, model: "star", y: 0, vector: analyse({ task: code(i) }).vector }, { mutate: true });
    const after = qualityEstimate(s, { domain: p.domain, model: "bold", vector: p.vector }).mean;
    expect(after).toBeLessThan(before - 0.05);
  });
});

describe("models the warm start never saw", () => {
  it("a new model is tried (optimistic prior) and kept when it is better; a worse new model is dropped", () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({ prompt: `Question ${i}: which of these is a mammal? A) whale B) lizard`, outcomes: { old: { score: i % 4 === 0 ? 0 : 1 } } }));
    const s = warmStart(rows);
    const truth: Record<string, number> = { old: 0.75, fresh: 1, dud: 0 };
    const chosen: string[] = [];
    for (let i = 0; i < 60; i++) {
      const p = analyse({ task: `Question ${100 + i}: which of these is a mammal? A) whale B) lizard`, qualityRequirement: "normal" });
      const d = route(p, Object.keys(truth).map((id) => ({ id, provider: id, local: true, enabled: true, contextWindow: 1e9, inputPerMTokMicros: 1, outputPerMTokMicros: 1, strengths: [], costTier: "x", estimatedCostMicros: 10 })), {
        learned: s,
        settings: { qualityVsCost: 1, exploration: { enabled: false, scale: 0.1, maxExtraCostFraction: 1, maxExtraCostMicros: Infinity } },
      });
      if (isRefusal(d)) throw new Error(d.message);
      chosen.push(d.model);
      const y = d.model === "old" ? (i % 4 === 0 ? 0 : 1) : truth[d.model];
      applyOutcome(s, { domain: p.domain, model: d.model, y, vector: p.vector }, { mutate: true });
    }
    expect(chosen.slice(0, 10)).toContain("fresh");
    expect(chosen.slice(-30).every((m) => m === "fresh")).toBe(true);
    expect(chosen.filter((m) => m === "dud").length).toBeLessThanOrEqual(5);
    // With the ordinary prior (0.5) instead, greedy never tries the new models behind "old" (≈ 0.75).
    const s2 = warmStart(rows, { memory: { unknownPrior: 0 } });
    const p = analyse({ task: "Question 500: which of these is a mammal? A) whale B) lizard" });
    expect(qualityEstimate(s2, { domain: p.domain, model: "fresh", vector: p.vector }).mean).toBeLessThan(qualityEstimate(s2, { domain: p.domain, model: "old", vector: p.vector }).mean);
  });
});

describe("greedy where the exploration scale is 0 (an unknown model, an unfamiliar task)", () => {
  it("the draw is the expected quality, so exploring never favours a worse model over it", () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({ prompt: `Question ${i}: which of these is a mammal? A) whale B) lizard`, outcomes: { old: { score: i % 4 === 0 ? 1 : 0 } } }));
    const s = warmStart(rows);
    const rng = seededRng(3);
    const p0 = analyse({ task: "Question 999: which of these is a mammal? A) whale B) lizard" });
    const fresh = qualityEstimate(s, { domain: p0.domain, model: "fresh", vector: p0.vector, explorationScale: 0.1 });
    expect(fresh.sample(rng)).toBe(fresh.mean);
    const chosen: string[] = [];
    for (let i = 0; i < 60; i++) {
      const p = analyse({ task: `Question ${100 + i}: which of these is a mammal? A) whale B) lizard`, qualityRequirement: "normal" });
      // Equal costs: the cost caps never stop exploring, so only the draws decide.
      const d = route(p, ["old", "fresh"].map((id) => ({ id, provider: id, local: true, enabled: true, contextWindow: 1e9, inputPerMTokMicros: 1, outputPerMTokMicros: 1, strengths: [], costTier: "x", estimatedCostMicros: 10 })), {
        learned: s,
        rng,
        settings: { qualityVsCost: 0.5, exploration: { enabled: true, scale: 0.1, maxExtraCostFraction: 1, maxExtraCostMicros: Infinity } },
      });
      if (isRefusal(d)) throw new Error(d.message);
      chosen.push(d.model);
      applyOutcome(s, { domain: p.domain, model: d.model, y: d.model === "fresh" ? 1 : i % 4 === 0 ? 1 : 0, vector: p.vector }, { mutate: true });
    }
    // "old" is right a quarter of the time, "fresh" always: once tried, "fresh" keeps the task.
    expect(chosen.slice(-30).filter((m) => m === "fresh").length).toBeGreaterThanOrEqual(28);
  });
});

describe("price prior for models the warm start never saw", () => {
  // Train rows with costs: the dear model is right more often than the cheap one.
  const rows = Array.from({ length: 80 }, (_, i) => ({
    prompt: `Question ${i}: which of these is a mammal? A) whale B) lizard`,
    outcomes: { cheap: { score: i % 2 === 0 ? 1 : 0, cost_usd: 0.0001 }, mid: { score: i % 4 === 0 ? 0 : 1, cost_usd: 0.001 }, dear: { score: i % 8 === 0 ? 0 : 1, cost_usd: 0.01 } },
  }));

  it("learns a positive quality-vs-price slope from the train rows' costs; none without prices", () => {
    expect(priceSlope(rows)).toBeGreaterThan(0.2);
    const flat = rows.map((r) => ({ ...r, outcomes: Object.fromEntries(Object.entries(r.outcomes).map(([m, o]) => [m, { ...o, cost_usd: 0.001 }])) }));
    expect(priceSlope(flat)).toBeUndefined();
    expect(warmStart(rows).pricePrior?.slope).toBeCloseTo(priceSlope(rows)!, 9);
  });

  it("an unknown dearer model starts above an unknown cheaper one, around the known models' mean on the task", () => {
    const s = warmStart(rows, { memory: { unknownBonus: 0 } });
    const p = analyse({ task: "Question 999: which of these is a mammal? A) whale B) lizard" });
    const q = (model: string, pricePosition: number) => qualityEstimate(s, { domain: p.domain, model, vector: p.vector, pricePosition }).mean;
    const hi = q("new-dear", 0.5);
    const lo = q("new-cheap", -0.5);
    expect(hi).toBeGreaterThan(lo + 0.2);
    // Known models average (0.5 + 0.75 + 0.875) / 3 ≈ 0.71 here.
    expect((hi + lo) / 2).toBeGreaterThan(0.6);
    expect((hi + lo) / 2).toBeLessThan(0.8);
    // route() passes each candidate's price position: at knob 1 the dearer unknown model goes first.
    const c = (id: string, cost: number) => ({ id, provider: id, local: true, enabled: true, contextWindow: 1e9, inputPerMTokMicros: 1, outputPerMTokMicros: 1, strengths: [], costTier: "x", estimatedCostMicros: cost });
    const d = route(p, [c("new-cheap", 100), c("new-dear", 10_000)], { learned: s, settings: { qualityVsCost: 1 } });
    expect(!isRefusal(d) && d.model).toBe("new-dear");
    // With unknownBonus < 0 the flat optimistic prior (unknownPrior 1) is used instead.
    const flat = warmStart(rows, { memory: { unknownBonus: -1 } });
    expect(qualityEstimate(flat, { domain: p.domain, model: "new-dear", vector: p.vector, pricePosition: 0.5 }).mean).toBeCloseTo(
      qualityEstimate(flat, { domain: p.domain, model: "new-cheap", vector: p.vector, pricePosition: -0.5 }).mean,
      9,
    );
  });
});

describe("novelLive: on an unfamiliar task only live outcomes vote", () => {
  const rows = Array.from({ length: 40 }, (_, i) => ({ prompt: `Which answer is correct for science question ${i}? A) x B) y`, outcomes: { a: { score: 1 }, b: { score: 0 } } }));
  const task = "Write a function to merge two sorted arrays into one sorted array.";
  it("the warm-start tasks stop voting for a model on a new kind of task; familiar tasks are unchanged", () => {
    for (const novelLive of [0, 1]) {
      const s = warmStart(rows, { memory: { novelLive } });
      for (let i = 0; i < 5; i++) applyOutcome(s, { domain: "code", model: "b", y: 1, vector: v(`Write a function to merge ${i} sorted lists into one sorted list.`) }, { mutate: true });
      const mem = s.memory!;
      const novel = neighbourEvidence(mem, neighbours(mem, v(task)), "a");
      const familiar = neighbourEvidence(mem, neighbours(mem, v("Which answer is correct for science question 77? A) x B) y")), "a");
      expect(familiar.a).toBeGreaterThan(1);
      if (novelLive) expect(novel.a + novel.b).toBe(0);
      else expect(novel.a + novel.b).toBeGreaterThan(0);
      // "b" keeps its live evidence either way.
      expect(neighbourEvidence(mem, neighbours(mem, v(task)), "b").a).toBeGreaterThan(0.5);
    }
  });
});

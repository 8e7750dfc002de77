import { describe, expect, it } from "vitest";
import { analyse } from "@/lib/analysis";
import { isRefusal, route, type RouteCandidate } from "@/lib/routing";
import {
  applyRating,
  applySignal,
  emptySnapshot,
  expectedQuality,
  explorationChoice,
  qualityEstimate,
  sampleBeta,
  seededRng,
  warmStart,
  DEFAULT_EXPLORATION,
  type LearningSnapshot,
} from "./index";

const cand = (id: string, price: number): RouteCandidate => ({
  id,
  provider: id,
  local: false,
  enabled: true,
  contextWindow: 100_000,
  inputPerMTokMicros: price,
  outputPerMTokMicros: price,
  strengths: [],
  costTier: "medium",
});

describe("ratings and signals", () => {
  it("thumbs and stars move the expected quality in the right direction", () => {
    let s = emptySnapshot();
    expect(expectedQuality(s, "code", "m")).toBeCloseTo(0.5);
    s = applyRating(s, { domain: "code", model: "m", rating: { kind: "thumbs", up: true } });
    const afterUp = expectedQuality(s, "code", "m");
    expect(afterUp).toBeGreaterThan(0.5);
    s = applyRating(s, { domain: "code", model: "m", rating: { kind: "stars", stars: 1 } });
    expect(expectedQuality(s, "code", "m")).toBeLessThan(afterUp);
    // Other (domain, model) pairs are untouched.
    expect(expectedQuality(s, "chat", "m")).toBeCloseTo(0.5);
  });

  it("3 stars is neutral; an error lowers more than a fallback; success raises a little", () => {
    const base = emptySnapshot();
    const q = (s: LearningSnapshot) => expectedQuality(s, "math", "m");
    expect(q(applyRating(base, { domain: "math", model: "m", rating: { kind: "stars", stars: 3 } }))).toBeCloseTo(0.5);
    const err = q(applySignal(base, { domain: "math", model: "m", signal: "error" }));
    const fb = q(applySignal(base, { domain: "math", model: "m", signal: "fallback" }));
    const ok = q(applySignal(base, { domain: "math", model: "m", signal: "success" }));
    expect(err).toBeLessThan(fb);
    expect(fb).toBeLessThan(0.5);
    expect(ok).toBeGreaterThan(0.5);
    expect(ok).toBeLessThan(q(applyRating(base, { domain: "math", model: "m", rating: { kind: "thumbs", up: true } })));
  });

  it("does not mutate the snapshot it was given, and survives a JSON round trip", () => {
    const s0 = emptySnapshot();
    const s1 = applyRating(s0, { domain: "docs", model: "m", rating: { kind: "thumbs", up: false } });
    expect(s0.arms).toEqual({});
    const back = JSON.parse(JSON.stringify(s1)) as LearningSnapshot;
    expect(expectedQuality(back, "docs", "m")).toBe(expectedQuality(s1, "docs", "m"));
  });

  it("ratings measurably shift later routing choices", () => {
    const profile = analyse({ task: "Write a Python function that validates an email address." });
    const fleet = [cand("cheap", 1_000_000), cand("dear", 3_000_000)];
    const settings = { qualityVsCost: 0.6 };
    let s = emptySnapshot();
    const first = route(profile, fleet, { learned: s, settings });
    expect(!isRefusal(first) && first.model).toBe("cheap");
    for (let i = 0; i < 8; i++) {
      s = applyRating(s, { domain: profile.domain, model: "cheap", rating: { kind: "thumbs", up: false } });
      s = applyRating(s, { domain: profile.domain, model: "dear", rating: { kind: "stars", stars: 5 } });
    }
    const later = route(profile, fleet, { learned: s, settings });
    expect(!isRefusal(later) && later.model).toBe("dear");
    expect(!isRefusal(later) && later.reason).toMatch(/ratings/);
  });
});

describe("text model and warm start", () => {
  const rows = Array.from({ length: 60 }, (_, i) => ({
    prompt: i % 2 === 0 ? `Write python code for task ${i} using a loop` : `Translate sentence ${i} into French please`,
    outcomes: { coder: { score: i % 2 === 0 ? 1 : 0 }, linguist: { score: i % 2 === 0 ? 0 : 1 } },
  }));

  it("learns which model is good at which kind of prompt", () => {
    const s = warmStart(rows);
    const code = analyse({ task: "Write python code for a new task using a loop" });
    const tr = analyse({ task: "Translate this other sentence into French please" });
    const est = (m: string, p: ReturnType<typeof analyse>) => qualityEstimate(s, { domain: p.domain, model: m, vector: p.vector });
    expect(est("coder", code).source).toBe("text-model");
    expect(est("coder", code).mean).toBeGreaterThan(est("linguist", code).mean + 0.3);
    expect(est("linguist", tr).mean).toBeGreaterThan(est("coder", tr).mean + 0.3);
  });

  it("accepts JSONL text and is deterministic", () => {
    const text = rows.map((r) => JSON.stringify(r)).join("\n");
    expect(JSON.stringify(warmStart(text))).toBe(JSON.stringify(warmStart(rows)));
    expect(() => warmStart("{bad")).toThrow(/line 1/);
  });

  it("refuses a line whose score is out of range or missing, naming the line and the fault", () => {
    const ok = JSON.stringify(rows[0]);
    expect(() => warmStart(`${ok}\n{"prompt":"p","outcomes":{"coder":{"score":7}}}`)).toThrow(/line 2: the score of coder is not a number from 0 to 1/);
    expect(() => warmStart(`${ok}\n\n{"model":"coder","score":"high"}`)).toThrow(/line 3: score is not a number/);
    expect(() => warmStart(`{"domain":"code","score":1}`)).toThrow(/line 1: model is missing/);
    expect(() => warmStart(`[1,2]`)).toThrow(/line 1: not an object/);
    expect(warmStart(`{"domain":"code","model":"coder","score":0.5}`)).toBeTruthy();
  });

  it("ratings with a task vector update the text model", () => {
    const s = warmStart(rows);
    const p = analyse({ task: "Write python code for a new task using a loop" });
    const before = qualityEstimate(s, { domain: p.domain, model: "coder", vector: p.vector }).mean;
    let t = s;
    for (let i = 0; i < 5; i++) t = applyRating(t, { domain: p.domain, model: "coder", rating: { kind: "thumbs", up: false }, vector: p.vector });
    expect(qualityEstimate(t, { domain: p.domain, model: "coder", vector: p.vector }).mean).toBeLessThan(before - 0.05);
  });
});

describe("exploration", () => {
  it("seeded sampling is reproducible and Beta draws have the right mean", () => {
    const a = seededRng(42);
    const b = seededRng(42);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    const rng = seededRng(1);
    let sum = 0;
    for (let i = 0; i < 4000; i++) sum += sampleBeta(3, 7, rng);
    expect(sum / 4000).toBeCloseTo(0.3, 1);
  });

  it("caps what exploring may cost", () => {
    const policy = { ...DEFAULT_EXPLORATION, maxExtraCostFraction: 0.5, maxExtraCostMicros: 100 };
    expect(explorationChoice(policy, 100, 140).explore).toBe(true);
    expect(explorationChoice(policy, 100, 180).explore).toBe(false);
    expect(explorationChoice(policy, 1000, 1200).explore).toBe(false); // +200 µ$ > 100 µ$
    expect(explorationChoice(policy, 100, 10).explore).toBe(true); // cheaper: always allowed
    expect(explorationChoice({ ...policy, budgetRemainingMicros: 10 }, 100, 140).explore).toBe(false);
    expect(explorationChoice({ ...policy, enabled: false }, 100, 100).explore).toBe(false);
  });

  it("explains a refused exploration in words a person can read", () => {
    const policy = { ...DEFAULT_EXPLORATION, maxExtraCostFraction: 1, maxExtraCostMicros: 20_000 };
    // A free local model against a paid one: no percentage of zero.
    expect(explorationChoice(policy, 0, 142).why).toBe("exploring would add $0.00014 to a free choice (cap +100%)");
    expect(explorationChoice(policy, 3, 1_500).why).toBe("exploring would cost 500× as much, $0.0015 more (cap +100%)");
    expect(explorationChoice(policy, 100, 250).why).toBe("exploring would add 150% to the cost (cap +100%)");
    expect(explorationChoice(policy, 30_000, 55_000).why).toBe("exploring would add $0.03 (cap $0.02 a decision)");
  });

  it("an uncertain model gets explored sometimes, never beyond the cost cap", () => {
    const profile = analyse({ task: "Plan a product launch" });
    let s = emptySnapshot();
    for (let i = 0; i < 30; i++) s = applyRating(s, { domain: profile.domain, model: "known", rating: { kind: "stars", stars: 4 } });
    const fleet = [cand("known", 1_000_000), cand("new", 1_100_000), cand("pricey", 50_000_000)];
    const rng = seededRng(3);
    const picks = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const d = route(profile, fleet, { learned: s, settings: { qualityVsCost: 0.9, exploration: { maxExtraCostFraction: 0.2 } }, rng });
      if (isRefusal(d)) throw new Error(d.message);
      picks.set(d.model, (picks.get(d.model) ?? 0) + 1);
      const greedyCost = d.scored[0].costMicros;
      if (d.explored) expect(d.estimatedCostMicros - greedyCost).toBeLessThanOrEqual(0.2 * greedyCost + 1);
    }
    expect(picks.get("new") ?? 0).toBeGreaterThan(0);
    expect(picks.get("pricey") ?? 0).toBe(0);
    expect(picks.get("known") ?? 0).toBeGreaterThan(150);
  });
});

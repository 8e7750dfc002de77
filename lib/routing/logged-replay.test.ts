import { describe, expect, it } from "vitest";
import { analyse } from "@/lib/analysis";
import { profileFromRow, replayLogged, type LoggedEvent } from "./logged-replay";
import { SIMULATOR_KNOBS } from "./replay";
import { candidate } from "./testing";

const profile = profileFromRow({ ...analyse({ task: "Summarise the meeting notes in three bullet points." }), vector: undefined, features: undefined, domainScores: undefined }, "summary");

/** "dear" is always rated 1 and costs 1,000 µ$ a task; "cheap" always 0 at 10 µ$; logged alternately. */
function alternating(n: number): LoggedEvent[] {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? { model: "dear", profile, rating: 1, costMicros: 1_000 } : { model: "cheap", profile, rating: 0, costMicros: 10 }));
}

const fleet = [candidate("dear", { inputPerMTokMicros: 10_000_000, outputPerMTokMicros: 30_000_000 }), candidate("cheap", { inputPerMTokMicros: 100_000, outputPerMTokMicros: 300_000 }), candidate("unused")];
const opts = { knobs: [0, 1], seed: 7, settings: {} };

describe("replayLogged (the replay method on logged ratings)", () => {
  it("knob 0 takes the cheap model: its point is the cheap model's rating and cost, over its results only", () => {
    const r = replayLogged(alternating(20), fleet, opts);
    const p0 = r.points.find((p) => p.knob === 0)!;
    expect(p0).toMatchObject({ matched: 10, quality: 0, costMicros: 10 });
  });

  it("knob 1 takes the dear model once it has seen it rated 1, and the dear model's results count", () => {
    const r = replayLogged(alternating(40), fleet, opts);
    const p1 = r.points.find((p) => p.knob === 1)!;
    // Before any rating both start at the same prior and the dearer one may lose a draw; every
    // matched result is still one the router chose, with its own rating and cost.
    expect(p1.matched).toBeGreaterThanOrEqual(15);
    expect(p1.quality).toBeGreaterThan(0.9);
    expect(p1.costMicros).toBeGreaterThan(900);
  });

  it("counts no result whose logged model the router did not choose", () => {
    // Every result was answered by "dear"; at knob 0 the router always wants "cheap", which answered none here but one.
    const events: LoggedEvent[] = [...Array.from({ length: 10 }, () => ({ model: "dear", profile, rating: 1, costMicros: 1_000 })), { model: "cheap", profile, rating: 0.5, costMicros: 10 }];
    const p0 = replayLogged(events, fleet, opts).points[0];
    expect(p0).toMatchObject({ knob: 0, matched: 1, quality: 0.5, costMicros: 10 });
    const none = replayLogged(events.slice(0, 10), [...fleet, candidate("cheaper", { inputPerMTokMicros: 1, outputPerMTokMicros: 1 })], opts).points[0];
    // "cheaper" answered no rated result, so it is no candidate: the router can only take "dear".
    expect(none).toMatchObject({ matched: 10, quality: 1 });
  });

  it("a point with no matched result has no quality or cost (not 0)", () => {
    const events: LoggedEvent[] = Array.from({ length: 5 }, () => ({ model: "dear", profile, rating: 1, costMicros: 1_000 }));
    // "dear" is not allowed: the router never takes it, so nothing can be counted.
    const r = replayLogged(events, fleet, { ...opts, settings: { allowList: ["cheap"] } });
    expect(r.points.every((p) => p.matched === 0 && p.quality === null && p.costMicros === null)).toBe(true);
    expect(r.candidates).toEqual(["dear"]);
  });

  it("single models: each model's mean rating and cost per task over its own results; unused fleet models are not candidates", () => {
    const r = replayLogged(alternating(20), fleet, opts);
    expect(r.events).toBe(20);
    expect(r.candidates).toEqual(["cheap", "dear"]);
    expect(r.singles).toEqual([
      { model: "dear", events: 10, quality: 1, costMicros: 1_000 },
      { model: "cheap", events: 10, quality: 0, costMicros: 10 },
    ]);
  });

  it("is deterministic with the seed, over the simulator's knobs", () => {
    const events = alternating(60).map((e, i) => ({ ...e, rating: (i * 7) % 5 / 4 }));
    const a = replayLogged(events, fleet, { knobs: SIMULATOR_KNOBS, seed: 3, settings: {} });
    const b = replayLogged(events, fleet, { knobs: SIMULATOR_KNOBS, seed: 3, settings: {} });
    expect(a).toEqual(b);
    expect(a.points.map((p) => p.knob)).toEqual(SIMULATOR_KNOBS);
  });

  it("a private task goes to no remote model: it is skipped, not counted", () => {
    const secret = profileFromRow({ ...profile, privacy: { private: true, reasons: ["an API key"] } }, "summary");
    const r = replayLogged([{ model: "cheap", profile: secret, rating: 1, costMicros: 10 }], fleet, opts);
    expect(r.points.map((p) => p.matched)).toEqual([0, 0]);
  });
});

describe("profileFromRow", () => {
  it("fills what an older row does not hold with neutral values and takes the row's domain", () => {
    const p = profileFromRow({ contextTokens: 40, expectedOutputTokens: 200 }, "code");
    expect(p).toMatchObject({ empty: false, domain: "code", contextTokens: 40, taskTokens: 40, trimmableTokens: 0, images: [], privacy: { private: false } });
  });
});

import { describe, expect, it } from "vitest";
import { describeErrorRates, describeLatency, describeQualityCost } from "./describe";
import { costScale, prepareModelCharts, rateTicks, type ModelFigures } from "./models";

const stat = (model: string, over: Partial<ModelFigures> = {}): ModelFigures => ({
  model,
  requests: 10,
  errors: 1,
  p50LatencyMs: 400,
  p95LatencyMs: 900,
  avgCostMicros: 1_200,
  ratings: 2,
  avgRating: 0.75,
  ...over,
});

describe("prepareModelCharts", () => {
  const models = ["cheap", "dear", "unrated", "failing", "rated-only", "idle"];
  const stats = [
    stat("cheap", { avgCostMicros: 50.5, avgRating: 0.5, ratings: 4 }),
    stat("dear", { avgCostMicros: 30_000, avgRating: 1, ratings: 1, errors: 0, p50LatencyMs: 1_500.5, p95LatencyMs: 4_000 }),
    stat("unrated", { ratings: 0, avgRating: null }),
    // Every call failed: no cost, no latency, a 100 % error rate; rated all the same (an older answer).
    stat("failing", { requests: 3, errors: 3, p50LatencyMs: null, p95LatencyMs: null, avgCostMicros: null }),
    // Only rated in the window, its calls older: nothing but the rating.
    stat("rated-only", { requests: 0, errors: 0, p50LatencyMs: null, p95LatencyMs: null, avgCostMicros: null }),
    // A model the table no longer lists (deleted): the charts leave it out as the table does.
    stat("deleted"),
  ];
  const c = prepareModelCharts(models, stats);

  it("plots a model on the quality chart only with both an average rating and a cost per task, with the table's figures", () => {
    expect(c.quality.points).toEqual([
      { model: "cheap", costMicros: 50.5, rating: 0.5, ratings: 4 },
      { model: "dear", costMicros: 30_000, rating: 1, ratings: 1 },
    ]);
    expect(c.quality.unrated).toEqual(["unrated", "idle"]);
    expect(c.quality.noCost).toEqual(["failing", "rated-only"]);
  });

  it("draws latency and error bars for the models called in the window, in the table's order, with the table's figures", () => {
    expect(c.hasRequests).toBe(true);
    expect(c.latency.bars).toEqual([
      { model: "cheap", p50: 400, p95: 900 },
      { model: "dear", p50: 1_500.5, p95: 4_000 },
      { model: "unrated", p50: 400, p95: 900 },
    ]);
    expect(c.latency.noSuccess).toEqual(["failing"]);
    expect(c.errors.bars).toEqual([
      { model: "cheap", rate: 0.1, errors: 1, requests: 10 },
      { model: "dear", rate: 0, errors: 0, requests: 10 },
      { model: "unrated", rate: 0.1, errors: 1, requests: 10 },
      { model: "failing", rate: 1, errors: 3, requests: 3 },
    ]);
  });

  it("has nothing to draw when no listed model was called in the window", () => {
    const none = prepareModelCharts(["a", "b"], [stat("b", { requests: 0, errors: 0, p50LatencyMs: null, p95LatencyMs: null, avgCostMicros: null }), stat("deleted")]);
    expect(none.hasRequests).toBe(false);
    expect(none.quality.points).toEqual([]);
    expect(none.latency.bars).toEqual([]);
    expect(none.errors.bars).toEqual([]);
    expect(prepareModelCharts([], []).hasRequests).toBe(false);
  });

  it("puts cost on a log scale once the dearest is 10× the cheapest, from $0 when one is free", () => {
    expect(c.quality.scale).toBe("log");
    expect(c.quality.ticks).toEqual([10, 100, 1_000, 10_000, 100_000]);
    expect(costScale([100, 900])).toEqual({ scale: "linear" });
    expect(costScale([100, 1_000])).toEqual({ scale: "log", ticks: [100, 1_000] });
    expect(costScale([0, 30, 4_000])).toEqual({ scale: "symlog", ticks: [0, 10, 100, 1_000, 10_000] });
    expect(costScale([0, 30])).toEqual({ scale: "linear" });
    expect(costScale([0.25, 3])).toEqual({ scale: "log", ticks: [0.1, 1, 10] });
  });

  it("runs the error-rate axis to a round rate above the highest, 10 % at least", () => {
    expect(rateTicks(0)).toEqual([0, 0.1]);
    expect(rateTicks(0.1)).toEqual([0, 0.1]);
    expect(rateTicks(1 / 3)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(rateTicks(0.6)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(rateTicks(1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it("describes the charts in words from the same figures, saying what is left out and why", () => {
    const q = describeQualityCost(c.quality);
    expect(q.title).toBe("Average rating against cost per task (log scale)");
    expect(q.summary).toBe(
      "2 models plotted: cheap 50 % from 4 ratings at $0.000051 per task; dear 100 % from 1 rating at $0.03 per task. Left out: 2 models without ratings, 2 rated but without a successful call (no cost per task).",
    );
    expect(describeLatency(c.latency).summary).toBe("cheap p50 400 ms, p95 900 ms; dear p50 1.5 s, p95 4.0 s; unrated p50 400 ms, p95 900 ms. Without a successful call: failing.");
    expect(describeErrorRates(c.errors).summary).toBe("cheap 10 % (1 of 10 calls); dear 0 % (0 of 10 calls); unrated 10 % (1 of 10 calls); failing 100 % (3 of 3 calls).");
  });
});

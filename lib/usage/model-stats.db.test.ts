import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db";
import { ratings, requests } from "@/db/schema";
import { createUser } from "@/lib/auth/users";
import { createTeam } from "@/lib/teams/service";
import { driverName, freshDb } from "@/test/db";
import { insertRequestRecords, type RequestRecord } from "@/lib/execution/record";
import { modelStats } from "./model-stats";
import { averageRating, lastDays, spendByDay, topModels, usageTotals } from "./queries";
import { dayIn } from "@/lib/zone";

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let teamId: string;
let owner: string;
const DAY = 86_400_000;

beforeAll(async () => {
  db = (await freshDb()).db;
  owner = (await createUser(db, { name: "o", email: "o@ms.test", password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "MS", slug: "ms", ownerId: owner })).id;
});
afterAll(async () => {
  await closeDb();
});

describe(`model stats on ${driverName}`, () => {
  it("counts failures before a fallback against the model that failed, once each; only those another model then answered as rescued", async () => {
    const tried = (...models: string[]) => models.map((model) => ({ model, error: "server: 500" }));
    const row = (model: string, status: "ok" | "error", fallbacksTried: { model: string; error: string }[] = []) => ({ teamId, source: "api" as const, model, status, fallbacksTried, latencyMs: 100, costMicros: status === "ok" ? 10 : 0 });
    await db.insert(requests).values([
      row("B", "ok", tried("A")), // A failed, B answered
      row("B", "error", tried("A", "B")), // both failed: the row is B's failure, A's is in the list
      row("A", "ok"),
      row("C", "error", tried("C")), // one attempt, failed: the row is C's failure, counted once
      row("B", "ok", tried("D")), // D only ever failed over
      { ...row("A", "ok"), createdAt: new Date(Date.now() - 40 * 86_400_000) }, // outside the window
    ]);
    const stats = Object.fromEntries((await modelStats(db, teamId, 30, "UTC")).map((s) => [s.model, { requests: s.requests, errors: s.errors, failedOver: s.failedOver }]));
    expect(stats).toEqual({
      A: { requests: 3, errors: 2, failedOver: 1 }, // the second call's fallback failed too: nothing rescued it
      B: { requests: 3, errors: 1, failedOver: 0 },
      C: { requests: 1, errors: 1, failedOver: 0 },
      D: { requests: 1, errors: 1, failedOver: 1 },
    });
  });

  it("files a failed attempt's billed part under its model in the rollup and leaves it out of the answering model's cost per task; the call counts once, an unbilled attempt adds nothing, a refusal stays under no model", async () => {
    const team = (await createTeam(db, { name: "MX", slug: "ms-split", ownerId: owner })).id;
    const dropped = (model: string, inputTokens: number, outputTokens: number, costMicros: number) => ({ model, error: "stream_dropped: ended early", inputTokens, outputTokens, costMicros, estimated: true });
    const call = (model: string, status: "ok" | "error" | "refused", fallbacksTried: RequestRecord["fallbacksTried"], inputTokens: number, outputTokens: number, costMicros: number): RequestRecord => ({ teamId: team, source: "api", model, status, fallbacksTried, inputTokens, outputTokens, costMicros, latencyMs: 10 });
    await insertRequestRecords(db, [
      // P broke mid-answer (10 + 5 tokens, 30), R failed before any output, Q answered (20 + 40 tokens, 70).
      call("Q", "ok", [dropped("P", 10, 5, 30), { model: "R", error: "server: 500" }], 30, 45, 100),
      call("Q", "ok", [], 20, 40, 70),
      // No model answered: P's part, then R's (10 + 2 tokens, 12); the row is R's failure.
      call("R", "error", [dropped("P", 10, 5, 30), dropped("R", 10, 2, 12)], 20, 7, 42),
      call("Q", "refused", [], 0, 0, 0),
    ]);
    const today = dayIn(new Date(), "UTC");
    const byModel = Object.fromEntries((await spendByDay(db, [team], today, today, "model")).map((r) => [r.key, { requests: r.requests, errors: r.errors, tokens: r.tokens, costMicros: r.costMicros }]));
    expect(byModel).toEqual({
      P: { requests: 0, errors: 0, tokens: 30, costMicros: 60 },
      Q: { requests: 2, errors: 0, tokens: 120, costMicros: 140 },
      R: { requests: 1, errors: 1, tokens: 12, costMicros: 12 },
      "": { requests: 1, errors: 1, tokens: 0, costMicros: 0 },
    });
    expect(await usageTotals(db, team, today)).toEqual({ requests: 4, errors: 2, tokens: 30 + 45 + 60 + 27, costMicros: 212 });
    // The Models page: every failed attempt is its model's call and error (billed or not); Q's answers cost 70 each.
    const stats = Object.fromEntries((await modelStats(db, team, 30, "UTC")).map((s) => [s.model, { requests: s.requests, errors: s.errors, avgCostMicros: s.avgCostMicros }]));
    expect(stats).toEqual({ P: { requests: 2, errors: 2, avgCostMicros: null }, Q: { requests: 2, errors: 0, avgCostMicros: 70 }, R: { requests: 2, errors: 2, avgCostMicros: null } });
  });

  it("reads the ratings of the window only, like the requests; a model rated in it without a call in it still shows", async () => {
    const team = (await createTeam(db, { name: "MR", slug: "ms-ratings", ownerId: owner })).id;
    const call = async (model: string, at: Date) =>
      (await db.insert(requests).values({ teamId: team, source: "api", model, status: "ok", latencyMs: 50, costMicros: 7, createdAt: at }).returning({ id: requests.id }))[0].id;
    const rate = (requestId: string, model: string, value: number, at: Date) => ({ requestId, teamId: team, userId: owner, kind: "thumbs" as const, value, domain: "chat", model, createdAt: at });
    const recent = await call("E", new Date(Date.now() - DAY));
    const old = await call("E", new Date(Date.now() - 60 * DAY));
    const oldF = await call("F", new Date(Date.now() - 45 * DAY));
    await db.insert(ratings).values([
      rate(recent, "E", 1, new Date(Date.now() - DAY)), // in the window: thumbs up
      rate(old, "E", 0, new Date(Date.now() - 59 * DAY)), // 59 days ago: not in "the last 30 days"
      rate(oldF, "F", 0, new Date(Date.now() - 2 * DAY)), // rated in the window, a call from before it
    ]);
    const stats = Object.fromEntries((await modelStats(db, team, 30, "UTC")).map((s) => [s.model, { requests: s.requests, ratings: s.ratings, avgRating: s.avgRating }]));
    expect(stats).toEqual({ E: { requests: 1, ratings: 1, avgRating: 1 }, F: { requests: 0, ratings: 1, avgRating: 0 } });
  });

  it("leaves out calls the budget refused before they reached the model: not a call to it, not its error — on the Models page and in the Overview's top models alike", async () => {
    const team = (await createTeam(db, { name: "MB", slug: "ms-budget", ownerId: owner })).id;
    await insertRequestRecords(db, [
      { teamId: team, source: "api", model: "G", status: "ok", latencyMs: 80, costMicros: 20 },
      // What delegate() records when the budget refuses after routing: the chosen model, status refused.
      { teamId: team, source: "api", model: "G", status: "refused", errorKind: "budget_exceeded", latencyMs: 2 },
      { teamId: team, source: "api", model: "G", status: "error", errorKind: "server", latencyMs: 30 },
    ]);
    const [g] = await modelStats(db, team, 30, "UTC");
    expect({ model: g.model, requests: g.requests, errors: g.errors }).toEqual({ model: "G", requests: 2, errors: 1 });
    const { day } = lastDays(30, "UTC");
    expect(await topModels(db, team, day)).toEqual([
      { model: "G", requests: 2, costMicros: 20 },
      { model: "(none)", requests: 1, costMicros: 0 },
    ]);
    expect(await usageTotals(db, team, day)).toMatchObject({ requests: 3, errors: 2 }); // the team's totals still count the refusal
  });

  it("counts the same 30 days as the Overview and the API: 30 UTC days up to today, not 30 × 24 hours back", async () => {
    const team = (await createTeam(db, { name: "MW", slug: "ms-window", ownerId: owner })).id;
    const now = new Date(`${dayIn(new Date(), "UTC")}T12:00:00.000Z`);
    const { day, since } = lastDays(30, "UTC", now);
    const call = (model: string, at: Date): RequestRecord => ({ id: crypto.randomUUID(), teamId: team, source: "api", model, status: "ok", latencyMs: 40, costMicros: 9, createdAt: at });
    // A minute before the window's first UTC midnight (yet less than 30 × 24 h ago), and a minute after it.
    const before = call("H", new Date(since.getTime() - 60_000));
    const after = call("H", new Date(since.getTime() + 60_000));
    await insertRequestRecords(db, [before, after]);
    await db.insert(ratings).values([before, after].map((r) => ({ requestId: r.id!, teamId: team, userId: owner, kind: "stars" as const, value: r === before ? 1 : 5, domain: "chat", model: "H", createdAt: r.createdAt! })));
    const [h] = await modelStats(db, team, 30, "UTC", now);
    const totals = await usageTotals(db, team, day);
    expect({ requests: h.requests, ratings: h.ratings }).toEqual({ requests: totals.requests, ratings: 1 });
    expect(totals.requests).toBe(1);
    expect(await averageRating(db, team, 30, "UTC", now)).toEqual({ count: 1, average: 5 });
  });

  it("puts a call a millisecond before UTC midnight on its day and one at midnight on the next, in the rollup and in the windows read from requests alike", async () => {
    const team = (await createTeam(db, { name: "MM", slug: "ms-midnight", ownerId: owner })).id;
    const midnight = new Date("2025-05-02T00:00:00.000Z");
    const row = (at: Date, costMicros: number): RequestRecord => ({ teamId: team, source: "api", model: "M", status: "ok", latencyMs: 10, costMicros, createdAt: at });
    await insertRequestRecords(db, [row(new Date(midnight.getTime() - 1), 100), row(midnight, 7)]);
    expect((await spendByDay(db, [team], "2025-05-01", "2025-05-02", "model")).map((r) => [r.day, r.costMicros]).sort()).toEqual([["2025-05-01", 100], ["2025-05-02", 7]]);
    const now = new Date("2025-05-02T09:00:00.000Z");
    expect(lastDays(1, "UTC", now)).toEqual({ day: "2025-05-02", since: midnight });
    expect((await usageTotals(db, team, lastDays(1, "UTC", now).day)).costMicros).toBe(7);
    expect((await modelStats(db, team, 1, "UTC", now))[0]).toMatchObject({ model: "M", requests: 1, avgCostMicros: 7 });
  });
});

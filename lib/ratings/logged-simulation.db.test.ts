import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db";
import { requests, routingSettings } from "@/db/schema";
import { seedFleet } from "@/db/seed";
import { analyse } from "@/lib/analysis";
import { createUser } from "@/lib/auth/users";
import { invalidateTeamSettings } from "@/lib/execution/delegate";
import { createTeam } from "@/lib/teams/service";
import { driverName, freshDb } from "@/test/db";
import { simulateLogged } from "./logged-simulation";
import { rateRequest } from "./service";

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let teamId: string;
let otherTeamId: string;
let owner: string;
let second: string;
const DAY = 86_400_000;
const { vector: _v, features: _f, domainScores: _d, ...taskProfile } = analyse({ task: "Summarise the meeting notes in three bullet points." });

/** A summary answered by `model` at `costMicros`, `minutesAgo` minutes ago. */
async function answered(team: string, model: string, costMicros: number, minutesAgo: number, extra: Partial<typeof requests.$inferInsert> = {}) {
  const [r] = await db
    .insert(requests)
    .values({ teamId: team, source: "api", model, status: "ok", domain: "summary", taskProfile, costMicros, createdAt: new Date(Date.now() - minutesAgo * 60_000), ...extra })
    .returning({ id: requests.id });
  return r.id;
}
const thumbs = (team: string, requestId: string, value: 0 | 1, userId = owner) => rateRequest(db, { teamId: team, requestId, userId, rating: { kind: "thumbs", value } });

beforeAll(async () => {
  db = (await freshDb()).db;
  await seedFleet(db, { mockFleetUrl: "http://127.0.0.1:9" });
  owner = (await createUser(db, { name: "o", email: "o@ls.test", password: "password-123" })).id;
  second = (await createUser(db, { name: "s", email: "s@ls.test", password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "LS", slug: "ls", ownerId: owner })).id;
  otherTeamId = (await createTeam(db, { name: "Other", slug: "ls-other", ownerId: owner })).id;
});
afterAll(async () => {
  await closeDb();
});

describe(`the simulator on logged ratings, on ${driverName}`, () => {
  it("replays the team's own rated results: the cheap setting takes the cheap model's results, the best one the good model's", async () => {
    // gpt-4.1 answers well at 1,000 µ$ a task, gpt-4o-mini badly at 10 µ$; logged alternately, oldest first.
    for (let i = 0; i < 24; i++) {
      const good = i % 2 === 0;
      // A failed attempt billed before the answer is not the answer's cost.
      const id = await answered(teamId, good ? "gpt-4.1" : "gpt-4o-mini", good ? 1_000 : 30, 600 - i, good ? {} : { fallbacksTried: [{ model: "gpt-4.1-nano", error: "stream dropped", costMicros: 20 }] });
      await thumbs(teamId, id, good ? 1 : 0);
    }
    // Not counted: unrated, failed, older than 90 days, and another team's.
    await answered(teamId, "gpt-4o-mini", 10, 5);
    await thumbs(teamId, await answered(teamId, "gpt-4.1", 1_000, 100 * 24 * 60), 0);
    await thumbs(otherTeamId, await answered(otherTeamId, "gpt-4o-mini", 10, 5), 1);
    await thumbs(otherTeamId, await answered(otherTeamId, "claude-3-5-haiku-latest", 99, 5), 1);

    const r = await simulateLogged(db, teamId, "UTC");
    expect(r.events).toBe(24);
    expect(r.candidates).toEqual(["gpt-4.1", "gpt-4o-mini"]);
    expect(r.singles).toEqual([
      { model: "gpt-4.1", events: 12, quality: 1, costMicros: 1_000 },
      { model: "gpt-4o-mini", events: 12, quality: 0, costMicros: 10 },
    ]);
    const at = (knob: number) => r.points.find((p) => p.knob === knob)!;
    expect(at(0)).toMatchObject({ matched: 12, quality: 0, costMicros: 10 });
    // At 1 the router learns from what it is shown (a few early draws try the cheap model first).
    expect(at(1).matched).toBeGreaterThanOrEqual(r.minMatched);
    expect(at(1).quality).toBeGreaterThan(0.75);
    expect(at(1).costMicros).toBeGreaterThan(750);
  });

  it("a rating changes the figures: a second rater's stars are averaged in, a changed thumb moves the cheap point", async () => {
    const before = await simulateLogged(db, teamId, "UTC");
    const mini = await answered(teamId, "gpt-4o-mini", 10, 1);
    await rateRequest(db, { teamId, requestId: mini, userId: owner, rating: { kind: "stars", value: 5 } });
    await rateRequest(db, { teamId, requestId: mini, userId: second, rating: { kind: "stars", value: 3 } });
    const after = await simulateLogged(db, teamId, "UTC");
    expect(after.events).toBe(before.events + 1);
    // One result rated 1 and 0.5: its mean, 0.75, is the one new point at the cheap end.
    expect(after.points[0]).toMatchObject({ knob: 0, matched: 13, quality: 0.75 / 13, costMicros: 10 });
    expect(after.singles.find((s) => s.model === "gpt-4o-mini")).toMatchObject({ events: 13, quality: 0.75 / 13 });

    await rateRequest(db, { teamId, requestId: mini, userId: second, rating: { kind: "stars", value: 1 } });
    expect((await simulateLogged(db, teamId, "UTC")).points[0].quality).toBeCloseTo(0.5 / 13, 10);
  });

  it("keeps to the team's allow-list, as the router does: a model it leaves out is never chosen, so none of its results count", async () => {
    await db.insert(routingSettings).values({ teamId, allowList: ["gpt-4.1"] }).onConflictDoUpdate({ target: routingSettings.teamId, set: { allowList: ["gpt-4.1"] } });
    invalidateTeamSettings(teamId);
    const r = await simulateLogged(db, teamId, "UTC");
    expect(r.points.every((p) => p.matched === 12 && p.quality === 1)).toBe(true);
  });
});

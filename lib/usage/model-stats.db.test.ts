import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db";
import { requests } from "@/db/schema";
import { createUser } from "@/lib/auth/users";
import { createTeam } from "@/lib/teams/service";
import { driverName, freshDb } from "@/test/db";
import { modelStats } from "./model-stats";

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let teamId: string;

beforeAll(async () => {
  db = (await freshDb()).db;
  const owner = (await createUser(db, { name: "o", email: "o@ms.test", password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "MS", slug: "ms", ownerId: owner })).id;
});
afterAll(async () => {
  await closeDb();
});

describe(`model stats on ${driverName}`, () => {
  it("counts failures a fallback rescued against the model that failed, once each", async () => {
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
    const stats = Object.fromEntries((await modelStats(db, teamId, new Date(Date.now() - 30 * 86_400_000))).map((s) => [s.model, { requests: s.requests, errors: s.errors, failedOver: s.failedOver }]));
    expect(stats).toEqual({
      A: { requests: 3, errors: 2, failedOver: 2 },
      B: { requests: 3, errors: 1, failedOver: 0 },
      C: { requests: 1, errors: 1, failedOver: 0 },
      D: { requests: 1, errors: 1, failedOver: 1 },
    });
  });
});

import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, type Db } from "@/db";
import { requestPayloads, requests, usageDaily } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { createUser } from "@/lib/auth/users";
import { createTeam } from "@/lib/teams/service";
import { driverName, freshDb } from "@/test/db";
import { insertRequestRecords } from "./record";

let db: Db;
beforeAll(async () => {
  db = (await freshDb()).db;
});
afterAll(closeDb);

describe(`insertRequestRecords, the hand-written statement (${driverName})`, () => {
  it("writes every column of the row, its payload and the daily rollup as given, and leaves absent ones at their defaults", async () => {
    const user = await createUser(db, { name: "Rec", email: `rec-${Date.now()}@t.test`, password: "password-123" });
    const team = await createTeam(db, { name: "Rec", slug: `rec-${Date.now()}`, ownerId: user.id });
    const { row: key } = await createApiKey(db, { teamId: team.id, name: "rec key" });
    const full = {
      id: crypto.randomUUID(),
      teamId: team.id,
      userId: user.id,
      apiKeyId: key.id,
      source: "openai" as const,
      taskProfile: { domain: "code", complexity: { score: 0.5, level: "moderate" } },
      domain: "code",
      requestedModel: "auto",
      model: "gpt-4.1-mini",
      providerKind: "openai",
      selectionReason: "it's the cheapest that fits — 'quoted'",
      confidence: 0.75,
      fallbacksTried: [{ model: "claude-x", error: "rate_limit: slow down" }],
      inputTokens: 12,
      outputTokens: 34,
      costMicros: 56,
      latencyMs: 78,
      status: "ok" as const,
      errorKind: "none",
      errorMessage: "no error",
      pipelineRunId: crypto.randomUUID(),
      createdAt: new Date("2026-03-04T23:30:00.000Z"),
      prompt: "Write a function.",
      response: "function f() {}\u0000 // half a pair \ud800, a whole one 😀",
    };
    const bare = { teamId: team.id, source: "api" as const, status: "error" as const, errorMessage: "boom", createdAt: new Date("2026-03-04T10:00:00.000Z") };
    await insertRequestRecords(db, [full, bare]);

    const [a] = await db.select().from(requests).where(eq(requests.id, full.id));
    const { prompt: _p, response: _r, ...columns } = full;
    expect(a).toEqual(columns);
    expect(await db.select().from(requestPayloads).where(eq(requestPayloads.requestId, full.id))).toEqual([
      // U+0000 dropped, the lone surrogate (which jsonb refuses) replaced by U+FFFD, the pair kept: the row is not lost.
      { requestId: full.id, prompt: "Write a function.", response: "function f() {} // half a pair \ufffd, a whole one 😀" },
    ]);

    const [b] = await db.select().from(requests).where(eq(requests.errorMessage, "boom"));
    expect(b).toMatchObject({ userId: null, apiKeyId: null, model: null, fallbacksTried: [], inputTokens: 0, outputTokens: 0, costMicros: 0, latencyMs: 0, status: "error" });
    expect(b.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await db.select().from(requestPayloads).where(eq(requestPayloads.requestId, b.id))).toEqual([]); // no prompt, no payload

    const days = await db.select().from(usageDaily).where(eq(usageDaily.teamId, team.id));
    expect(days.sort((x, y) => x.model.localeCompare(y.model))).toEqual([
      { day: "2026-03-04", teamId: team.id, model: "", userId: "", apiKeyId: "", requests: 1, errors: 1, inputTokens: 0, outputTokens: 0, costMicros: 0, latencyMsSum: 0 },
      { day: "2026-03-04", teamId: team.id, model: "gpt-4.1-mini", userId: user.id, apiKeyId: key.id, requests: 1, errors: 0, inputTokens: 12, outputTokens: 34, costMicros: 56, latencyMsSum: 78 },
    ]);

    // A second group for the same rollup key adds to it.
    await insertRequestRecords(db, [{ ...full, id: crypto.randomUUID(), costMicros: 4, latencyMs: 2 }]);
    const [again] = await db.select().from(usageDaily).where(eq(usageDaily.model, "gpt-4.1-mini"));
    expect(again).toMatchObject({ requests: 2, costMicros: 60, latencyMsSum: 80, inputTokens: 24 });
  });
});

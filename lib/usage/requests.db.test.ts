import { and, desc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db";
import { apiKeys, pipelineRuns, pipelines, ratings, requestPayloads, requests } from "@/db/schema";
import { createUser } from "@/lib/auth/users";
import { createTeam } from "@/lib/teams/service";
import { driverName, freshDb } from "@/test/db";
import { decodeCursor } from "./cursor";
import { listRequests, parseRequestFilters, requestDetail } from "./requests";

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let teamA: { id: string };
let teamB: { id: string };
let userId: string;
let keyId: string;
const T0 = Date.parse("2025-03-01T12:00:00Z");

type Seed = typeof requests.$inferInsert & { at: Date };
const allA: { id: string; at: Date }[] = [];

beforeAll(async () => {
  db = (await freshDb()).db;
  userId = (await createUser(db, { name: "Owner", email: "owner@r.test", password: "password-123" })).id;
  const other = (await createUser(db, { name: "Other", email: "other@r.test", password: "password-123" })).id;
  teamA = await createTeam(db, { name: "A", slug: "req-a", ownerId: userId });
  teamB = await createTeam(db, { name: "B", slug: "req-b", ownerId: other });
  [{ id: keyId }] = await db.insert(apiKeys).values({ teamId: teamA.id, name: "ci key", prefix: "mc_ci", keyHash: "hash-ci" }).returning({ id: apiKeys.id });
  const rows: Seed[] = [];
  // 130 requests, three to a timestamp (so only the id orders them, and the 50-row page boundaries fall inside a group).
  for (let i = 0; i < 130; i++) {
    const kind = i % 5;
    rows.push({
      at: new Date(T0 + Math.floor(i / 3) * 1000),
      teamId: teamA.id,
      source: kind === 0 ? "api" : kind === 1 ? "openai" : "playground",
      status: kind === 2 ? "error" : kind === 3 && i % 2 ? "refused" : "ok",
      model: kind === 2 ? null : kind === 4 ? "gpt-4.1-mini" : "llama3.1:8b",
      requestedModel: kind === 2 ? "gpt-4.1-mini" : null,
      apiKeyId: kind === 0 ? keyId : null,
      userId: kind >= 2 ? userId : null,
    });
  }
  // Two rows one microsecond apart: a cursor that dropped microseconds would skip or repeat one.
  for (const { at, ...r } of rows) {
    const [row] = await db
      .insert(requests)
      .values({ ...r, createdAt: at })
      .returning({ id: requests.id });
    allA.push({ id: row.id, at });
  }
  await db.execute(sql`update requests set created_at = created_at + interval '1 microsecond' where id = ${allA[0].id}`);
  await db.insert(requests).values({ teamId: teamB.id, source: "api", status: "ok", model: "gpt-4.1-mini", createdAt: new Date(T0) });
});
afterAll(async () => {
  await closeDb();
});

/** Team A's rows in the order the page must show: newest first, ties by id descending. */
async function expectedOrder(where = sql`true`) {
  const rows = await db
    .select({ id: requests.id })
    .from(requests)
    .where(and(eq(requests.teamId, teamA.id), where))
    .orderBy(desc(requests.createdAt), desc(requests.id));
  return rows.map((r) => r.id);
}

describe(`request history on ${driverName}`, () => {
  it("pages through every request exactly once, newest first, across equal timestamps", async () => {
    const seen: string[] = [];
    let older: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof listRequests>> = await listRequests(db, teamA.id, { older, limit: 50 });
      seen.push(...page.rows.map((r) => r.id));
      if (pages === 0) expect(page.newer).toBeNull();
      else expect(page.newer).not.toBeNull();
      older = page.older;
      pages++;
    } while (older && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(await expectedOrder());
    expect(new Set(seen).size).toBe(130);
  });

  it("goes back to newer pages: the page before page 3 is page 2 again, and newer than page 2 is page 1", async () => {
    const p1 = await listRequests(db, teamA.id, { limit: 50 });
    const p2 = await listRequests(db, teamA.id, { older: p1.older, limit: 50 });
    const p3 = await listRequests(db, teamA.id, { older: p2.older, limit: 50 });
    expect(p3.rows).toHaveLength(30);
    expect(p3.older).toBeNull();
    const back2 = await listRequests(db, teamA.id, { newer: p3.newer, limit: 50 });
    expect(back2.rows.map((r) => r.id)).toEqual(p2.rows.map((r) => r.id));
    expect(back2.older).toBe(p2.older);
    const back1 = await listRequests(db, teamA.id, { newer: back2.newer, limit: 50 });
    expect(back1.rows.map((r) => r.id)).toEqual(p1.rows.map((r) => r.id));
    expect(back1.newer).toBeNull();
  });

  it("keeps microseconds in the cursor", async () => {
    const p = await listRequests(db, teamA.id, { limit: 200 });
    const first = p.rows.find((r) => r.id === allA[0].id)!;
    expect(first.cursorAt).toMatch(/\.000001Z$/);
    expect(decodeCursor(`${first.cursorAt}_${first.id}`)).toEqual({ at: first.cursorAt, id: first.id });
    expect(decodeCursor("garbage")).toBeNull();
    expect(decodeCursor("2025-01-01T00:00:00Z_1; drop table requests")).toBeNull();
  });

  it("filters by status, source, model (a failed call by its requested model) and key, and pages filtered results", async () => {
    const collect = async (filters: Parameters<typeof listRequests>[2] extends infer O ? (O extends { filters?: infer F } ? F : never) : never) => {
      const ids: string[] = [];
      let older: string | null = null;
      do {
        const p: Awaited<ReturnType<typeof listRequests>> = await listRequests(db, teamA.id, { filters, older, limit: 7 });
        ids.push(...p.rows.map((r) => r.id));
        older = p.older;
      } while (older);
      return ids;
    };
    expect(await collect({ status: "error" })).toEqual(await expectedOrder(sql`status = 'error'`));
    expect(await collect({ status: "refused" })).toEqual(await expectedOrder(sql`status = 'refused'`));
    expect((await collect({ status: "refused" })).length).toBeGreaterThan(0);
    expect(await collect({ source: "openai" })).toEqual(await expectedOrder(sql`source = 'openai'`));
    expect(await collect({ apiKeyId: keyId })).toEqual(await expectedOrder(sql`api_key_id = ${keyId}`));
    const gpt = await collect({ model: "gpt-4.1-mini" });
    expect(gpt).toEqual(await expectedOrder(sql`coalesce(model, requested_model) = 'gpt-4.1-mini'`));
    expect(gpt).toHaveLength(52); // 26 answered by it + 26 that asked for it and failed
    expect(await collect({ model: "gpt-4.1-mini", status: "ok", source: "playground" })).toEqual(
      await expectedOrder(sql`model = 'gpt-4.1-mini' and status = 'ok' and source = 'playground'`),
    );
    // Another team's rows never show.
    expect(await collect({ source: "api" })).toHaveLength(26);
  });

  it("reads filters from the query string and drops what it does not know", () => {
    expect(parseRequestFilters({ status: "error", source: "cli", model: "x", key: keyId })).toEqual({ status: "error", source: "cli", model: "x", apiKeyId: keyId });
    expect(parseRequestFilters({ status: "bogus", source: "seed", key: "not-a-uuid", model: "" })).toEqual({ status: undefined, source: undefined, model: undefined, apiKeyId: undefined });
  });

  it("shows one request of the team with its payload, key, pipeline run and ratings; another team's or a bad id is null", async () => {
    const [pipe] = await db.insert(pipelines).values({ teamId: teamA.id, name: "Nightly digest", steps: [] } as never).returning({ id: pipelines.id });
    const [run] = await db.insert(pipelineRuns).values({ pipelineId: pipe.id, teamId: teamA.id, input: "go" } as never).returning({ id: pipelineRuns.id });
    const [req] = await db
      .insert(requests)
      .values({
        teamId: teamA.id,
        apiKeyId: keyId,
        source: "pipeline",
        status: "ok",
        model: "llama3.1:8b",
        requestedModel: null,
        selectionReason: "Cheapest capable model",
        confidence: 0.8,
        fallbacksTried: [{ model: "gpt-4.1-mini", error: "429 rate limited" }],
        pipelineRunId: run.id,
      })
      .returning({ id: requests.id });
    await db.insert(requestPayloads).values({ requestId: req.id, prompt: "Summarise the logs", response: "All quiet." });
    await db.insert(ratings).values({ requestId: req.id, teamId: teamA.id, userId, kind: "stars", value: 4, comment: "fine" });
    const d = await requestDetail(db, teamA.id, req.id, userId);
    expect(d).toMatchObject({
      prompt: "Summarise the logs",
      response: "All quiet.",
      keyName: "ci key",
      pipelineName: "Nightly digest",
      r: { model: "llama3.1:8b", selectionReason: "Cheapest capable model", fallbacksTried: [{ model: "gpt-4.1-mini", error: "429 rate limited" }], pipelineRunId: run.id },
      myRating: { kind: "stars", value: 4, comment: "fine" },
    });
    expect(d!.ratings).toHaveLength(1);
    expect(await requestDetail(db, teamB.id, req.id, userId)).toBeNull();
    expect(await requestDetail(db, teamA.id, "00000000-0000-0000-0000-000000000000", userId)).toBeNull();
    expect(await requestDetail(db, teamA.id, "not-a-uuid", userId)).toBeNull();
  });

  it("counts as fallbacks only the models that failed before the one a row names: a failed row's last attempt is its own", async () => {
    const team = await createTeam(db, { name: "F", slug: "req-fallbacks", ownerId: userId });
    const tried = (...models: string[]) => models.map((model) => ({ model, error: "server: 500" }));
    const rows = [
      { status: "ok" as const, model: "B", fallbacksTried: tried("A") }, // A failed, B answered: one fallback
      { status: "error" as const, model: "C", fallbacksTried: tried("A", "B", "C") }, // A and B failed first, then C, the row's own
      { status: "error" as const, model: "D", fallbacksTried: tried("D") }, // one model, failed: no fallback at all
      { status: "ok" as const, model: "E", fallbacksTried: [] },
    ];
    for (const [i, r] of rows.entries()) await db.insert(requests).values({ ...r, teamId: team.id, source: "api", createdAt: new Date(T0 + i * 1000) });
    const page = await listRequests(db, team.id);
    expect(Object.fromEntries(page.rows.map((r) => [r.model, r.fallbacks]))).toEqual({ B: 1, C: 2, D: 0, E: 0 });
  });
});

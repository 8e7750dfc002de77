import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys, auditLog, budgets, pipelineRuns, ratings, requests } from "@/db/schema";
import { authenticateApiKey, findActiveKey, flushLastUsed, touchApiKey } from "@/lib/auth/api-keys";
import { createBudget } from "@/lib/budgets/service";
import { NotFoundError, UserError } from "@/lib/errors";
import { delegate } from "@/lib/execution/delegate";
import { KeyRevokedError } from "@/lib/execution/errors";
import { startGatewayFixture, type GatewayFixture } from "@/lib/gateway/test-server";
import { createPipeline, startRun } from "@/lib/pipelines/service";
import { driverName } from "@/test/db";
import { listTeamKeys } from "./queries";
import { createKeySchema } from "./schemas";
import { createTeamKey, revokeTeamKey, rotateTeamKey } from "./service";

let fx: GatewayFixture;
beforeAll(async () => {
  fx = await startGatewayFixture();
});
afterAll(async () => {
  await fx?.close();
});

const models = (key: string) => fetch(`${fx.api}/models`, { headers: { authorization: `Bearer ${key}` } });

describe(`API key lifecycle (${driverName})`, () => {
  it("parses the admin form: blanks are unset, the allow-list splits on commas", () => {
    const v = createKeySchema.parse({ name: " CI ", modelAllowList: "gpt-4.1-mini, claude-3-5-haiku-20241022", requestsPerMinute: "", tokensPerMinute: "5000", monthlyBudgetUsd: "12.5" });
    expect(v).toEqual({ name: "CI", modelAllowList: ["gpt-4.1-mini", "claude-3-5-haiku-20241022"], requestsPerMinute: undefined, tokensPerMinute: 5000, monthlyBudgetUsd: 12.5 });
    expect(createKeySchema.safeParse({ name: "x", requestsPerMinute: "-3" }).success).toBe(false);
  });

  it("creates a key shown once, stored hashed, with its budget, audited — and it works", async () => {
    const k = await createTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, name: "CI bot", modelAllowList: ["gpt-4.1-mini"], requestsPerMinute: 100, tokensPerMinute: undefined, monthlyBudgetUsd: 25 });
    expect(k.key).toMatch(/^mc_/);
    const [row] = await fx.db.select().from(apiKeys).where(eq(apiKeys.id, k.id));
    expect(row.keyHash).not.toContain(k.key.slice(3));
    expect(JSON.stringify(row)).not.toContain(k.key);
    expect((await findActiveKey(fx.db, k.key))?.id).toBe(k.id);
    const [b] = await fx.db.select().from(budgets).where(eq(budgets.apiKeyId, k.id));
    expect(b).toMatchObject({ scope: "key", limitMicros: 25_000_000, period: "monthly", hardStop: true });
    expect((await models(k.key)).status).toBe(200);
    const listed = (await listTeamKeys(fx.db, fx.team.id)).find((x) => x.id === k.id)!;
    expect(listed).toMatchObject({ name: "CI bot", modelAllowList: ["gpt-4.1-mini"], requestsPerMinute: 100, budgets: [{ limitMicros: 25_000_000, spentMicros: 0, per: "month" }], revokedAt: null });
    const audits = await fx.db.select().from(auditLog).where(eq(auditLog.action, "key.create"));
    expect(audits.some((a) => a.target === "CI bot")).toBe(true);
  });

  it("lists each of a key's budgets once, with its own period and its spend in the current one", async () => {
    const k = await createTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, name: "two budgets", modelAllowList: [], monthlyBudgetUsd: 30 });
    await createBudget(fx.db, fx.team.id, { name: "key per day", scope: "key", apiKeyId: k.id, userId: null, limitUsd: 2, period: "daily", hardStop: true, thresholds: [100], webhookUrl: null });
    // The monthly one was last written in an earlier month: the page shows this month's spend.
    await fx.db.update(budgets).set({ periodStart: new Date(Date.UTC(2020, 0, 1)), spentMicros: 9_000_000 }).where(and(eq(budgets.apiKeyId, k.id), eq(budgets.period, "monthly")));
    const rows = (await listTeamKeys(fx.db, fx.team.id)).filter((x) => x.id === k.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].budgets.map((b) => ({ limit: b.limitMicros, spent: b.spentMicros, per: b.per })).sort((a, b) => a.limit - b.limit)).toEqual([
      { limit: 2_000_000, spent: 0, per: "day" },
      { limit: 30_000_000, spent: 0, per: "month" },
    ]);
  });

  it("refuses an allow-list naming an unknown model", async () => {
    await expect(createTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, name: "bad", modelAllowList: ["gpt-99"] })).rejects.toBeInstanceOf(UserError);
  });

  it("revokes: 401 at once, marked revoked, a second revoke is a 404", async () => {
    const k = await createTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, name: "temp", modelAllowList: [] });
    expect((await models(k.key)).status).toBe(200);
    await revokeTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, keyId: k.id });
    expect((await models(k.key)).status).toBe(401);
    expect((await listTeamKeys(fx.db, fx.team.id)).find((x) => x.id === k.id)!.revokedAt).not.toBeNull();
    await expect(revokeTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, keyId: k.id })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("cannot revoke or rotate another team's key", async () => {
    const k = await createTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, name: "mine", modelAllowList: [] });
    const other = crypto.randomUUID();
    await expect(revokeTeamKey(fx.db, { teamId: other, actorUserId: null, keyId: k.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(rotateTeamKey(fx.db, { teamId: other, actorUserId: null, keyId: k.id })).rejects.toBeInstanceOf(NotFoundError);
    expect((await models(k.key)).status).toBe(200);
  });

  it("rotates: same name and limits, old key 401, new key 200", async () => {
    const k = await createTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, name: "rot", modelAllowList: [], tokensPerMinute: 9000 });
    const r = await rotateTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, keyId: k.id });
    expect(r.key).not.toBe(k.key);
    expect((await models(k.key)).status).toBe(401);
    expect((await models(r.key)).status).toBe(200);
    expect((await listTeamKeys(fx.db, fx.team.id)).find((x) => x.id === r.id)).toMatchObject({ name: "rot", tokensPerMinute: 9000, revokedAt: null });
  });

  it("a key rotated or revoked elsewhere cannot spend while another process still trusts it, nor escape its budget", async () => {
    // Another process's gateway keeps a key it checked for up to KEY_CACHE_TTL_MS and hands its id
    // to delegate(); calling delegate() with the old id is exactly what that gateway does.
    const call = (apiKeyId: string) => delegate(fx.db, { teamId: fx.team.id, apiKeyId, source: "api", model: "gpt-4.1", task: "Write a haiku about budgets." });
    const k = await createTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, name: "spender", modelAllowList: [], monthlyBudgetUsd: 1 });
    await fx.db.update(budgets).set({ spentMicros: 1_000_000 }).where(eq(budgets.apiKeyId, k.id));
    await expect(call(k.id)).rejects.toMatchObject({ status: 402 });

    const r = await rotateTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, keyId: k.id });
    const refused = await call(k.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KeyRevokedError);
    expect((refused as KeyRevokedError).status).toBe(401);
    // Nothing was spent past the key's budget, which the new key carries on, and the attempt is on record.
    const [b] = await fx.db.select().from(budgets).where(eq(budgets.apiKeyId, r.id));
    expect(b.spentMicros).toBe(1_000_000);
    const rows = await fx.db.select().from(requests).where(eq(requests.apiKeyId, k.id));
    expect(rows.map((x) => [x.status, x.costMicros])).toEqual([
      ["refused", 0],
      ["refused", 0],
    ]);
    await expect(call(r.id)).rejects.toMatchObject({ status: 402 });

    const free = await createTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, name: "no budget", modelAllowList: [] });
    expect((await call(free.id)).costMicros).toBeGreaterThan(0);
    await revokeTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, keyId: free.id });
    await expect(call(free.id)).rejects.toBeInstanceOf(KeyRevokedError);
  });

  it("a key revoked in another process is refused on every route, not only on those that spend", async () => {
    // This process's key cache trusts the key for KEY_CACHE_TTL_MS (10 s); another process revokes it
    // in the database. Every route must refuse it within the budget read's TTL (0 in db tests).
    const k = await createTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, name: "leaked", modelAllowList: [] });
    const pipeline = await createPipeline(fx.db, { teamId: fx.team.id, userId: fx.user.id, name: "revocation probe", description: "", steps: [{ key: "s1", kind: "prompt", model: "gpt-4.1-mini", group: 0, template: "Say {{input}}" }] });
    const run = await startRun(fx.db, { teamId: fx.team.id, pipelineId: pipeline.id, input: "hi", userId: fx.user.id });
    const { requestId } = await delegate(fx.db, { teamId: fx.team.id, source: "api", model: "gpt-4.1-mini", task: "What is 2 + 2?" });
    const routes: [string, string, unknown?][] = [
      ["GET", "/models"],
      ["GET", "/models/gpt-4.1-mini"],
      ["GET", "/spend"],
      ["GET", "/pipelines"],
      ["GET", `/pipeline-runs/${run.id}`],
      ["POST", "/feedback", { request_id: requestId, rating: "up" }],
      ["POST", `/pipelines/${pipeline.id}/runs`, { input: "hi" }],
      ["POST", "/chat/completions", { model: "gpt-4.1-mini", messages: [{ role: "user", content: "hi" }] }],
      ["POST", "/delegate", { task: { description: "hi" } }],
    ];
    const send = ([method, path, body]: (typeof routes)[number]) =>
      fetch(`${fx.api}${path}`, { method, headers: { authorization: `Bearer ${k.key}`, "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
    expect((await send(routes[0])).status).toBe(200);
    await fx.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, k.id));
    const [runs, rated, rows] = await Promise.all([fx.db.$count(pipelineRuns), fx.db.$count(ratings), fx.db.$count(requests)]);
    const got: Record<string, number> = {};
    for (const r of routes) got[`${r[0]} ${r[1]}`] = (await send(r)).status;
    expect(got).toEqual(Object.fromEntries(routes.map((r) => [`${r[0]} ${r[1]}`, 401])));
    // Nothing was started, rated or recorded for it.
    expect([await fx.db.$count(pipelineRuns), await fx.db.$count(ratings), await fx.db.$count(requests)]).toEqual([runs, rated, rows]);
  });

  it("records last use in batches, not one UPDATE per request", async () => {
    const k = await createTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, name: "used", modelAllowList: [] });
    const auth = (await authenticateApiKey(fx.db, k.key))!;
    await flushLastUsed(); // start from an empty batch, so no earlier timer fires mid-test
    for (let i = 0; i < 50; i++) touchApiKey(fx.db, auth.id);
    const [before] = await fx.db.select().from(apiKeys).where(eq(apiKeys.id, k.id));
    expect(before.lastUsedAt).toBeNull();
    await flushLastUsed();
    const [after] = await fx.db.select().from(apiKeys).where(eq(apiKeys.id, k.id));
    expect(after.lastUsedAt).not.toBeNull();
  });
});

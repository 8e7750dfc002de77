import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, rateLimitWindows, requests } from "@/db/schema";
import { createApiKey, rotateApiKey } from "@/lib/auth/api-keys";
import { teamLimitsSchema } from "@/lib/keys/schemas";
import { setTeamLimits } from "@/lib/keys/service";
import { createTeam } from "@/lib/teams/service";
import { startGatewayFixture, type GatewayFixture } from "@/lib/gateway/test-server";
import { driverName } from "@/test/db";
import { withOtherCopysRateLimiter } from "@/test/other-copy";
import { invalidateTeamLimits, RateLimitedError, RateLimiter, rateLimiter, type Bucket } from "./index";

let fx: GatewayFixture;
beforeAll(async () => {
  fx = await startGatewayFixture();
});
afterAll(async () => {
  await fx?.close();
});

/** Waits for the next minute when this one has less than `needMs` left, so a test's calls share one window. */
async function inOneWindow(needMs = 8_000) {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 50));
}

/** Tries `n` admissions at once on each limiter (each one stands for a separate process). */
async function burst(limiters: RateLimiter[], bucket: Bucket, n: number) {
  const tries = limiters.flatMap((l) => Array.from({ length: n }, () => l.admit(fx.db, [bucket]).then(() => true, (e) => (e instanceof RateLimitedError ? false : Promise.reject(e)))));
  const results = await Promise.all(tries);
  return results.filter(Boolean).length;
}

describe(`rate limits shared through rate_limit_windows (${driverName})`, () => {
  it("two processes together admit exactly a small limit", async () => {
    const bucket = { key: `t:small:${Date.now()}`, label: "Key", rpm: 7, tpm: null };
    expect(await burst([new RateLimiter(), new RateLimiter()], bucket, 10)).toBe(7);
  });

  it("two processes together admit exactly a large limit, in few round trips", async () => {
    const bucket = { key: `t:large:${Date.now()}`, label: "Key", rpm: 1000, tpm: null };
    const a = new RateLimiter();
    const b = new RateLimiter();
    expect(await burst([a, b], bucket, 800)).toBe(1000);
    const [row] = await fx.db.select().from(rateLimitWindows).where(eq(rateLimitWindows.key, bucket.key));
    expect(row.requests).toBe(1000);
  });

  it("two processes hold tokens from one shared limit; what a call did not use goes back to the other", async () => {
    await inOneWindow();
    const bucket = { key: `t:tok:${Date.now()}`, label: "Key", rpm: null, tpm: 500 };
    const a = new RateLimiter();
    const b = new RateLimiter();
    const held = await a.holdTokens(fx.db, [bucket], 400);
    const err = await b.holdTokens(fx.db, [bucket], 200).catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.message).toMatch(/^Key has 100 of its 500 tokens per minute left and this call may use up to 200\. Retry in \d+ s, lower max_tokens/);
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(60);
    a.settleTokens(fx.db, held, 50);
    await a.syncTokens();
    await new Promise((r) => setTimeout(r, 150)); // b remembers its refusal for 100 ms
    await expect(b.holdTokens(fx.db, [bucket], 200)).resolves.toBeDefined();
  });

  it("concurrent holds in two processes never pass a token limit together", async () => {
    await inOneWindow();
    const bucket = { key: `t:tokburst:${Date.now()}`, label: "Key", rpm: null, tpm: 1000 };
    const limiters = [new RateLimiter(), new RateLimiter()];
    const tries = limiters.flatMap((l) => Array.from({ length: 50 }, () => l.holdTokens(fx.db, [bucket], 30).then(() => true, (e) => (e instanceof RateLimitedError ? false : Promise.reject(e)))));
    const admitted = (await Promise.all(tries)).filter(Boolean).length;
    expect(admitted * 30).toBeLessThanOrEqual(1000);
    expect(admitted).toBeGreaterThanOrEqual(31); // what each process keeps unclaimed is less than one call
    const [row] = await fx.db.select().from(rateLimitWindows).where(eq(rateLimitWindows.key, bucket.key));
    expect(row.tokens).toBeLessThanOrEqual(1000);
  });

  /** Two calls within a key's 2 requests a minute, then a 429 with Retry-After, recording nothing for it. */
  async function thirdCallIsRefused(name: string) {
    await inOneWindow();
    const { key } = await createApiKey(fx.db, { teamId: fx.team.id, name, requestsPerMinute: 2 });
    const call = () =>
      fetch(`${fx.api}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4.1-mini", messages: [{ role: "user", content: "hi" }] }),
      });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const before = (await fx.db.select({ n: count() }).from(requests))[0].n;
    const res = await call();
    expect({ status: res.status, error: (await res.json()).error }).toEqual({ status: 429, error: expect.objectContaining({ type: "rate_limit_exceeded", message: expect.stringMatching(new RegExp(`^API key "${name}" made its 2 requests this minute`)) }) });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await fx.db.select({ n: count() }).from(requests))[0].n).toBe(before);
  }

  it("the API answers 429 with Retry-After past a key's requests per minute, recording nothing for it", () => thirdCallIsRefused("slow"));

  it("answers the same 429, not a 500, when the process's one RateLimiter was made by the other copy of lib/ (Next's bundle before server.ts's /api/v1)", () =>
    withOtherCopysRateLimiter(() => thirdCallIsRefused("slow elsewhere")));

  it("a rotated key goes on with what its old key used this minute, through any number of rotations", async () => {
    await inOneWindow();
    const { key, row } = await createApiKey(fx.db, { teamId: fx.team.id, name: "rotated", requestsPerMinute: 3 });
    const call = (k: string) => fetch(`${fx.api}/delegate`, { method: "POST", headers: { authorization: `Bearer ${k}` }, body: JSON.stringify({ task: { description: "What is 5 + 5?" } }) });
    expect([(await call(key)).status, (await call(key)).status]).toEqual([200, 200]);
    const second = await rotateApiKey(fx.db, { teamId: fx.team.id, keyId: row.id });
    expect((await call(second!.key)).status).toBe(200);
    const third = await rotateApiKey(fx.db, { teamId: fx.team.id, keyId: second!.row.id });
    const refused = await call(third!.key);
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.message).toMatch(/^API key "rotated" made its 3 requests this minute/);
  });

  it("a team-wide limit applies across keys", async () => {
    process.env.MC_TEAM_RPM = "1";
    invalidateTeamLimits(fx.team.id); // the default is read when the team's limits are (re)loaded
    try {
      const { key: k1 } = await createApiKey(fx.db, { teamId: fx.team.id, name: "t1" });
      const { key: k2 } = await createApiKey(fx.db, { teamId: fx.team.id, name: "t2" });
      const get = (k: string) => fetch(`${fx.api}/delegate`, { method: "POST", headers: { authorization: `Bearer ${k}` }, body: JSON.stringify({ task: { description: "What is 1 + 1?" } }) });
      const statuses = [(await get(k1)).status, (await get(k2)).status];
      expect(statuses).toEqual([200, 429]);
    } finally {
      delete process.env.MC_TEAM_RPM;
      invalidateTeamLimits(fx.team.id);
    }
  });

  it("a team's own limits, set by an admin, apply across its keys at once and can be lifted again", async () => {
    const team = await createTeam(fx.db, { name: "Limited", slug: `limited-${Date.now()}`, ownerId: fx.user.id });
    const { key: k1 } = await createApiKey(fx.db, { teamId: team.id, name: "a" });
    const { key: k2 } = await createApiKey(fx.db, { teamId: team.id, name: "b" });
    const get = (k: string) => fetch(`${fx.api}/delegate`, { method: "POST", headers: { authorization: `Bearer ${k}` }, body: JSON.stringify({ task: { description: "What is 2 + 2?" } }) });
    expect((await get(k1)).status).toBe(200); // no limit yet (and none by default)

    await setTeamLimits(fx.db, { teamId: team.id, actorUserId: fx.user.id, requestsPerMinute: 2 });
    const statuses = [(await get(k1)).status, (await get(k2)).status, (await get(k1)).status];
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await get(k2);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).error.message).toMatch(/team/i);
    const [audit] = await fx.db.select().from(auditLog).where(and(eq(auditLog.teamId, team.id), eq(auditLog.action, "team.rate_limits")));
    expect(audit.details).toEqual({ requestsPerMinute: 2, tokensPerMinute: null });

    await setTeamLimits(fx.db, { teamId: team.id, actorUserId: fx.user.id }); // empty form: no team limit
    expect((await get(k2)).status).toBe(200);
  });

  it("a limit raised in the minute it was used up admits again at once, up to the new limit", async () => {
    const team = await createTeam(fx.db, { name: "Raised", slug: `raised-${Date.now()}`, ownerId: fx.user.id });
    const { key } = await createApiKey(fx.db, { teamId: team.id, name: "r" });
    const get = () => fetch(`${fx.api}/delegate`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ task: { description: "What is 3 + 3?" } }) });
    await setTeamLimits(fx.db, { teamId: team.id, actorUserId: fx.user.id, requestsPerMinute: 2 });
    const before = [];
    for (let i = 0; i < 3; i++) before.push((await get()).status);
    expect(before).toEqual([200, 200, 429]);

    await setTeamLimits(fx.db, { teamId: team.id, actorUserId: fx.user.id, requestsPerMinute: 4 });
    const after = [];
    for (let i = 0; i < 3; i++) after.push((await get()).status);
    expect(after).toEqual([200, 200, 429]);
    const refused = await get();
    expect((await refused.json()).error.message).toMatch(/made its 4 requests this minute/);
  });

  it("requests the team's limit refused do not count against their key's own limit", async () => {
    const team = await createTeam(fx.db, { name: "Shared", slug: `shared-${Date.now()}`, ownerId: fx.user.id });
    const { key } = await createApiKey(fx.db, { teamId: team.id, name: "own", requestsPerMinute: 3 });
    const get = () => fetch(`${fx.api}/delegate`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ task: { description: "What is 4 + 4?" } }) });
    await setTeamLimits(fx.db, { teamId: team.id, actorUserId: fx.user.id, requestsPerMinute: 1 });
    const before = [];
    for (let i = 0; i < 4; i++) before.push((await get()).status);
    expect(before).toEqual([200, 429, 429, 429]);

    // The team's limit goes up: the key has answered one request of its three.
    await setTeamLimits(fx.db, { teamId: team.id, actorUserId: fx.user.id, requestsPerMinute: 100 });
    const after = [];
    for (let i = 0; i < 3; i++) after.push((await get()).status);
    expect(after).toEqual([200, 200, 429]);
    const refused = await get();
    expect((await refused.json()).error.message).toMatch(/^API key "own" made its 3 requests this minute/);
  });

  it("100 concurrent calls stay within a team's tokens per minute: each holds its most tokens at admission", async () => {
    await inOneWindow(20_000);
    const team = await createTeam(fx.db, { name: "Tokens", slug: `tokens-${Date.now()}`, ownerId: fx.user.id });
    const { key } = await createApiKey(fx.db, { teamId: team.id, name: "tok" });
    const TPM = 1_000;
    await setTeamLimits(fx.db, { teamId: team.id, actorUserId: fx.user.id, tokensPerMinute: TPM });
    const statuses = await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(`${fx.api}/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "gpt-4.1-mini", max_tokens: 40, messages: [{ role: "user", content: "Name three colours." }] }),
        }).then(async (r) => ({ status: r.status, body: await r.json() })),
      ),
    );
    const ok = statuses.filter((s) => s.status === 200);
    const used = ok.reduce((sum, s) => sum + s.body.usage.total_tokens, 0);
    expect(ok.length).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(TPM);
    const refused = statuses.filter((s) => s.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused.map((s) => s.status))).toEqual(new Set([429]));
    expect(refused[0].body.error.message).toMatch(/^This team has \d+ of its 1000 tokens per minute left and this call may use up to \d+\. Retry in \d+ s/);
    // The holds settle to what the calls used: the window's shared count is exactly that.
    await rateLimiter().syncTokens();
    const [row] = await fx.db.select().from(rateLimitWindows).where(eq(rateLimitWindows.key, `team:${team.id}`));
    expect(row.tokens).toBe(used);
  });

  it("refuses limits that are not whole numbers above zero, naming the field", () => {
    const bad = teamLimitsSchema.safeParse({ requestsPerMinute: "-5", tokensPerMinute: "1.5" });
    expect(bad.success).toBe(false);
    const fields = bad.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(fields).toEqual(["requestsPerMinute: Requests per minute must be above zero.", "tokensPerMinute: Enter tokens per minute as a whole number, e.g. 600."]);
    expect(teamLimitsSchema.parse({ requestsPerMinute: "", tokensPerMinute: " 600 " })).toEqual({ requestsPerMinute: undefined, tokensPerMinute: 600 });
  });
});

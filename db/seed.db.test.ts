import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db";
import { budgets, memberships, models, providers, requests, teams, usageDaily, users } from "@/db/schema";
import { checkCredentials } from "@/lib/auth/users";
import { createApiKey, findActiveKey } from "@/lib/auth/api-keys";
import { apiKeys } from "@/db/schema";
import { decryptSecret } from "@/lib/crypto/secrets";
import { driverName, freshDb } from "@/test/db";
import { DEMO_USERS, seedDemo } from "./seed";

let db: Awaited<ReturnType<typeof freshDb>>["db"];
beforeAll(async () => {
  db = (await freshDb()).db;
});
afterAll(closeDb);

describe(`demo seed on ${driverName}`, () => {
  it("creates two teams, one user per role, the fleet, a budget and labelled history; a second run changes nothing", async () => {
    const first = await seedDemo(db, { mockFleetUrl: "http://127.0.0.1:4010", env: {} });
    expect(first?.teams).toEqual(["demo", "labs"]);
    expect(await seedDemo(db, { mockFleetUrl: "http://127.0.0.1:4010", env: {} })).toBeNull();

    expect((await db.select().from(teams)).map((t) => t.slug).sort()).toEqual(["demo", "labs"]);
    const [demo] = await db.select().from(teams).where(eq(teams.slug, "demo"));
    const roles = await db.select({ role: memberships.role }).from(memberships).where(eq(memberships.teamId, demo.id));
    expect(roles.map((r) => r.role).sort()).toEqual(["admin", "member", "owner", "viewer"]);
    expect((await db.select().from(providers)).map((p) => p.kind).sort()).toEqual(["anthropic", "mistral", "ollama", "openai", "xai"]);
    expect((await db.select().from(models)).length).toBeGreaterThanOrEqual(8);
    expect(await db.select().from(budgets).where(eq(budgets.teamId, demo.id))).toHaveLength(1);

    const all = await db.select().from(requests);
    expect(all.length).toBe(first!.history);
    expect(all.every((r) => r.source === "seed")).toBe(true);
  });

  it("keeps the daily rollup equal to the raw requests", async () => {
    const [raw] = await db.select({ n: sql<number>`count(*)::int`, c: sql<string>`sum(cost_micros)` }).from(requests);
    const [roll] = await db.select({ n: sql<number>`sum(requests)::int`, c: sql<string>`sum(cost_micros)` }).from(usageDaily);
    expect(Number(roll.n)).toBe(Number(raw.n));
    expect(Number(roll.c)).toBe(Number(raw.c));
    expect(Number(raw.c)).toBeGreaterThan(0);
  });

  it("demo credentials sign in; wrong ones do not", async () => {
    for (const u of DEMO_USERS) expect((await checkCredentials(u.email, u.password))?.email).toBe(u.email);
    expect(await checkCredentials("owner@demo.local", "nope")).toBeNull();
    expect(await checkCredentials("nobody@demo.local", "owner-demo-pass")).toBeNull();
    const [row] = await db.select().from(users).where(eq(users.email, "owner@demo.local"));
    expect(row.passwordHash).not.toContain("owner-demo-pass");
  });

  it("stores provider keys encrypted", async () => {
    const rows = await db.select().from(providers);
    for (const p of rows) {
      expect(p.apiKeyEncrypted).not.toContain("mock-fleet-key");
      expect(decryptSecret(p.apiKeyEncrypted!)).toBe("mock-fleet-key");
    }
  });

  it("API keys are stored hashed and stop working when revoked", async () => {
    const [demo] = await db.select().from(teams).where(eq(teams.slug, "demo"));
    const { key, row } = await createApiKey(db, { teamId: demo.id, name: "ci" });
    expect(key).toMatch(/^mc_/);
    expect(row.keyHash).not.toContain(key.slice(3));
    expect((await findActiveKey(db, key))?.id).toBe(row.id);
    await db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, row.id));
    expect(await findActiveKey(db, key)).toBeNull();
    expect(await findActiveKey(db, "mc_wrong")).toBeNull();
  });
});

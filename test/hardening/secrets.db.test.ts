/**
 * Secrets at rest and the audit log. Reads the raw tables (every column of every row, as text) to
 * prove provider keys and webhook secrets are stored encrypted, API keys only as hashes, and that
 * none of them appears in plain text anywhere — including the audit log. Then checks that every
 * admin change (role, price, budget, key, provider, routing) leaves an audit row naming who did it.
 * The rendered pages are checked by e2e/hardening.spec.ts.
 */
import { createHash } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb, type Db } from "@/db";
import { apiKeys, auditLog, budgets, memberships, models, providers, users } from "@/db/schema";
import { seedFleet } from "@/db/seed";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { createBudgetAction, deleteBudgetAction, updateBudgetAction } from "@/lib/budgets/actions";
import { listBudgets } from "@/lib/budgets/service";
import { decryptSecret } from "@/lib/crypto/secrets";
import { createModelAction, createProviderAction, updateModelAction, updateProviderAction } from "@/lib/execution/actions";
import { listModels, listProviders } from "@/lib/execution/admin";
import { updateRoutingSettingsAction } from "@/lib/execution/settings";
import { createApiKeyAction, revokeApiKeyAction, rotateApiKeyAction } from "@/lib/keys/actions";
import { listTeamKeys } from "@/lib/keys/queries";
import { addMemberAction, changeRoleAction, removeMemberAction } from "@/lib/teams/actions";
import { createTeam } from "@/lib/teams/service";
import { startMockFleet } from "@/mock-fleet/server";
import { driverName, freshDb } from "@/test/db";
import { publicTables, rowsOf } from "./helpers";

vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));

let db: Db;
let fleet: Awaited<ReturnType<typeof startMockFleet>>;
let teamId: string;
let owner: string;
let admin: string;
const PROVIDER_KEY = "sk-hardening-PROVIDER-KEY-4f1c9a7e";
const ROTATED_PROVIDER_KEY = "sk-hardening-ROTATED-KEY-77b2d0c3";
const WEBHOOK_SECRET = "whsec-hardening-SECRET-0a9b8c";

beforeAll(async () => {
  db = (await freshDb()).db;
  fleet = await startMockFleet({ port: 0 });
  await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
  owner = (await createUser(db, { name: "Olive Owner", email: "olive@s.test", password: "password-123" })).id;
  admin = (await createUser(db, { name: "Adam Admin", email: "adam@s.test", password: "password-123" })).id;
  await createUser(db, { name: "Mia", email: "mia@s.test", password: "password-123" });
  teamId = (await createTeam(db, { name: "Secrets", slug: "secrets", ownerId: owner })).id;
  await db.insert(memberships).values({ teamId, userId: admin, role: "admin" });
  // Providers and models are shared by every team: this admin also administers the installation.
  await db.update(users).set({ siteAdmin: true }).where(eq(users.id, admin));
});
afterAll(async () => {
  setTestSession(undefined);
  await fleet?.close();
  await closeDb();
});

/** Every row of every table as text, for a plain-text search of the whole database. */
async function wholeDatabase(): Promise<string> {
  const parts: string[] = [];
  for (const t of await publicTables(db)) for (const r of await rowsOf(db, sql`select x::text as t from ${sql.identifier(t.name)} x`)) parts.push(String(r.t));
  return parts.join("\n");
}

describe(`secrets at rest and the audit log on ${driverName}`, () => {
  let fullKey = "";
  let rotatedKey = "";

  it("provider keys are encrypted, webhook secrets encrypted, API keys only hashed — no secret appears in plain text in any table", async () => {
    setTestSession(admin);
    const prov = await createProviderAction({ teamId, kind: "openai", name: "Hardening OpenAI", baseUrl: `${fleet.url}/v1`, apiKey: PROVIDER_KEY, local: false });
    expect(prov.ok).toBe(true);
    const created = await createApiKeyAction({ teamId, name: "ci key" });
    expect(created.ok).toBe(true);
    fullKey = created.ok ? (created.data as { key: string }).key : "";
    expect(fullKey).toMatch(/^mc_/);
    const rotated = await rotateApiKeyAction({ teamId, keyId: created.ok ? (created.data as { id: string }).id : "" });
    expect(rotated.ok).toBe(true);
    rotatedKey = rotated.ok ? ((rotated.data as { key?: string }).key ?? "") : "";
    expect((await createBudgetAction({ teamId, name: "Monthly", limitUsd: 20, period: "monthly", webhookUrl: "https://hooks.example.com/mc", webhookSecret: WEBHOOK_SECRET })).ok).toBe(true);
    const [p] = await db.select().from(providers).where(eq(providers.name, "Hardening OpenAI"));
    expect((await updateProviderAction({ teamId, providerId: p.id, apiKey: ROTATED_PROVIDER_KEY })).ok).toBe(true);

    const [raw] = await db.select().from(providers).where(eq(providers.id, p.id));
    expect(raw.apiKeyEncrypted).toBeTruthy();
    expect(decryptSecret(raw.apiKeyEncrypted!)).toBe(ROTATED_PROVIDER_KEY); // encrypted, not hashed: the app can still call the provider
    expect(raw.apiKeyHint).toBe(ROTATED_PROVIDER_KEY.slice(-4));
    const [b] = await db.select().from(budgets).where(eq(budgets.teamId, teamId));
    expect(decryptSecret(b.webhookSecretEncrypted!)).toBe(WEBHOOK_SECRET);
    const keys = await db.select().from(apiKeys).where(eq(apiKeys.teamId, teamId));
    const sha = (k: string) => createHash("sha256").update(k).digest("hex");
    expect(keys.map((k) => k.keyHash).sort()).toEqual([sha(fullKey), ...(rotatedKey ? [sha(rotatedKey)] : [])].sort());

    const dump = await wholeDatabase();
    const secrets = [PROVIDER_KEY, ROTATED_PROVIDER_KEY, WEBHOOK_SECRET, fullKey, ...(rotatedKey ? [rotatedKey] : [])];
    for (const s of secrets) expect(dump.includes(s), `a secret (${s.slice(0, 6)}…) is stored in plain text`).toBe(false);
    // Encryption is randomised: the same key stored twice gives two different blobs.
    const { encryptSecret } = await import("@/lib/crypto/secrets");
    expect(encryptSecret(PROVIDER_KEY)).not.toBe(encryptSecret(PROVIDER_KEY));
    console.log(`[secrets] ${driverName}: searched ${dump.length.toLocaleString("en")} characters of ${(await publicTables(db)).length} tables for ${secrets.length} secrets: 0 found in plain text; provider key and webhook secret AES-GCM encrypted, API keys SHA-256 hashed`);
  });

  it("what the admin pages read carries no key, blob or hash", async () => {
    const views = JSON.stringify([await listProviders(db), await listModels(db), await listTeamKeys(db, teamId), await listBudgets(db, teamId)]);
    const [p] = await db.select().from(providers).where(eq(providers.name, "Hardening OpenAI"));
    const keys = await db.select().from(apiKeys).where(eq(apiKeys.teamId, teamId));
    for (const s of [PROVIDER_KEY, ROTATED_PROVIDER_KEY, WEBHOOK_SECRET, fullKey, p.apiKeyEncrypted!, ...keys.map((k) => k.keyHash)]) expect(views).not.toContain(s);
  });

  it("every admin change leaves an audit row naming who did it: roles, members, prices, providers, routing, budgets, keys", async () => {
    setTestSession(owner);
    expect((await addMemberAction({ teamId, email: "mia@s.test", role: "viewer" })).ok).toBe(true);
    const mia = (await db.query.users.findFirst({ where: (u, { eq: e }) => e(u.email, "mia@s.test") }))!.id;
    expect((await changeRoleAction({ teamId, userId: mia, role: "member" })).ok).toBe(true);
    expect((await removeMemberAction({ teamId, userId: mia })).ok).toBe(true);
    setTestSession(admin);
    const [m] = await db.select().from(models).where(eq(models.name, "gpt-4o-mini"));
    const price = { enabled: "on", contextWindow: String(m.contextWindow), inputPrice: "0.2", outputPrice: "0.8", cachedInputPrice: "", strengths: "chat", optimalFor: "", costTier: "low" };
    expect((await updateModelAction({ teamId, modelId: m.id, ...price })).ok).toBe(true);
    const [p] = await db.select().from(providers).where(eq(providers.name, "Hardening OpenAI"));
    expect((await createModelAction({ teamId, providerId: p.id, name: "hardening-model", displayName: "H", ...price })).ok).toBe(true);
    expect((await updateRoutingSettingsAction({ teamId, qualityVsCost: 0.7, explorationCapDollars: 2 })).ok).toBe(true);
    const [b] = await db.select().from(budgets).where(eq(budgets.teamId, teamId));
    expect((await updateBudgetAction({ teamId, budgetId: b.id, name: "Monthly", limitUsd: 25, period: "monthly" })).ok).toBe(true);
    expect((await deleteBudgetAction({ teamId, budgetId: b.id })).ok).toBe(true);
    const [k] = await db.select().from(apiKeys).where(and(eq(apiKeys.teamId, teamId), isNull(apiKeys.revokedAt)));
    expect((await revokeApiKeyAction({ teamId, keyId: k.id })).ok).toBe(true);

    const log = await db.select().from(auditLog).where(eq(auditLog.teamId, teamId));
    const actions = new Set(log.map((l) => l.action));
    const expected = ["member.add", "member.role", "member.remove", "model.update", "model.create", "provider.create", "provider.update", "routing.update", "budget.create", "budget.update", "budget.delete", "key.create", "key.rotate", "key.revoke"];
    expect(expected.filter((a) => !actions.has(a)), "admin changes without an audit row").toEqual([]);
    for (const l of log) expect(l.actorUserId, `${l.action} has no actor`).toBeTruthy();
    const role = log.find((l) => l.action === "member.role")!;
    expect(role).toMatchObject({ actorUserId: owner, details: { from: "viewer", to: "member" } });
    expect(log.find((l) => l.action === "model.update")!.details).toMatchObject({ outputPriceMicros: { to: 800_000 } });
    expect(log.find((l) => l.action === "budget.update")).toMatchObject({ actorUserId: admin, details: { limitUsd: 25 } });
    // The audit log itself holds no secret.
    const text = JSON.stringify(log);
    for (const s of [PROVIDER_KEY, ROTATED_PROVIDER_KEY, WEBHOOK_SECRET, fullKey]) expect(text).not.toContain(s);
    console.log(`[secrets] ${driverName}: ${log.length} audit rows for ${expected.length} kinds of admin change, each with its actor; no secret in the log`);
  });
});

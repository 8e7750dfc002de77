/**
 * A change and its audit row commit together or not at all. The audit insert is made to fail
 * with a CHECK constraint on one action name at a time; the change itself must then be gone too,
 * and the caller told it failed. Without the constraint the same call succeeds and leaves its row.
 */
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb, type Db } from "@/db";
import { apiKeys, auditLog, budgets, invitations, memberships, models, providers, routingSettings } from "@/db/schema";
import { authenticateApiKey } from "@/lib/auth/api-keys";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { createBudgetAction } from "@/lib/budgets/actions";
import { createModel, createProvider, updateModel } from "@/lib/execution/admin";
import { updateRoutingSettingsAction } from "@/lib/execution/settings";
import { createTeamKey, revokeTeamKey, rotateTeamKey } from "@/lib/keys/service";
import { addMember, createTeam, removeMember, revokeInvitation } from "@/lib/teams/service";
import { driverName, freshDb } from "@/test/db";

vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));

let db: Db;
let teamId: string;
let owner: string;

beforeAll(async () => {
  db = (await freshDb()).db;
  owner = (await createUser(db, { name: "o", email: "o@t.test", password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "A", slug: "a", ownerId: owner })).id;
  setTestSession(owner);
});
afterAll(async () => {
  setTestSession(undefined);
  await closeDb();
});

/** Runs `fn` while audit rows with `action` cannot be written. */
async function withAuditBroken<T>(action: string, fn: () => Promise<T>): Promise<T> {
  await db.execute(sql.raw(`alter table audit_log add constraint audit_broken check (action <> '${action}')`));
  try {
    return await fn();
  } finally {
    await db.execute(sql`alter table audit_log drop constraint audit_broken`);
  }
}
const audits = async (action: string) => (await db.select().from(auditLog).where(and(eq(auditLog.teamId, teamId), eq(auditLog.action, action)))).length;

describe(`a change and its audit row commit together (${driverName})`, () => {
  it("budget.create: no budget without its audit row", async () => {
    const input = { teamId, name: "Monthly", limitUsd: 5, period: "monthly" };
    const failed = await withAuditBroken("budget.create", () => createBudgetAction(input));
    expect(failed.ok).toBe(false);
    expect(await db.select().from(budgets).where(eq(budgets.teamId, teamId))).toHaveLength(0);
    expect((await createBudgetAction(input)).ok).toBe(true);
    expect(await db.select().from(budgets).where(eq(budgets.teamId, teamId))).toHaveLength(1);
    expect(await audits("budget.create")).toBe(1);
  });

  it("routing.update: the setting keeps its old value", async () => {
    const [before] = await db.select().from(routingSettings).where(eq(routingSettings.teamId, teamId));
    const failed = await withAuditBroken("routing.update", () => updateRoutingSettingsAction({ teamId, qualityVsCost: 0.9, allowList: [], explorationCapDollars: 1 }));
    expect(failed.ok).toBe(false);
    const [after] = await db.select().from(routingSettings).where(eq(routingSettings.teamId, teamId));
    expect(after.qualityVsCost).toBe(before.qualityVsCost);
    expect(after.qualityVsCost).not.toBe(0.9);
    expect((await updateRoutingSettingsAction({ teamId, qualityVsCost: 0.9, allowList: [], explorationCapDollars: 1 })).ok).toBe(true);
    expect((await db.select().from(routingSettings).where(eq(routingSettings.teamId, teamId)))[0].qualityVsCost).toBe(0.9);
  });

  it("routing.update: a judge model must be a known, enabled model; a good one is kept", async () => {
    const actor = { teamId, userId: owner };
    const p = await createProvider(db, actor, { kind: "openai_compatible", name: "Judges", baseUrl: "http://127.0.0.1:9/v1", local: false });
    const patch = { contextWindow: 8192, inputPriceMicros: 100_000, outputPriceMicros: 200_000, cachedInputPriceMicros: null, strengths: [], optimalFor: [], costTier: "high" as const, toolCalling: false, imageInput: false, reasoningEffort: false };
    await createModel(db, actor, { ...patch, enabled: true, providerId: p.id, name: "judge-on", displayName: "Judge" });
    await createModel(db, actor, { ...patch, enabled: false, providerId: p.id, name: "judge-off", displayName: "Judge (off)" });
    const settings = (judgeModel: string) => updateRoutingSettingsAction({ teamId, qualityVsCost: 0.5, allowList: [], explorationCapDollars: 1, judgeModel });
    const judgeNow = async () => (await db.select().from(routingSettings).where(eq(routingSettings.teamId, teamId)))[0].judgeModel;
    for (const [name, message] of [["no-such-model", "Pick a model from the list, or none."], ["judge-off", "Pick an enabled model, or none."]]) {
      const bad = await settings(name);
      expect(!bad.ok && bad.fieldErrors?.judgeModel?.[0], name).toBe(message);
    }
    expect(await settings("judge-on")).toMatchObject({ ok: true });
    expect(await judgeNow()).toBe("judge-on");
    expect(await settings("")).toMatchObject({ ok: true });
    expect(await judgeNow()).toBeNull();
  });

  it("key.revoke and key.rotate: the key keeps working and no new key appears", async () => {
    const k = await createTeamKey(db, { teamId, actorUserId: owner, name: "ci", modelAllowList: [] });
    expect(await authenticateApiKey(db, k.key)).not.toBeNull(); // cached as active
    await expect(withAuditBroken("key.revoke", () => revokeTeamKey(db, { teamId, actorUserId: owner, keyId: k.id }))).rejects.toThrow();
    expect(await authenticateApiKey(db, k.key)).toMatchObject({ id: k.id });
    const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, k.id));
    expect(row.revokedAt).toBeNull();

    await expect(withAuditBroken("key.rotate", () => rotateTeamKey(db, { teamId, actorUserId: owner, keyId: k.id }))).rejects.toThrow();
    expect(await db.select().from(apiKeys).where(eq(apiKeys.teamId, teamId))).toHaveLength(1);
    expect(await authenticateApiKey(db, k.key)).toMatchObject({ id: k.id });

    await revokeTeamKey(db, { teamId, actorUserId: owner, keyId: k.id });
    expect(await authenticateApiKey(db, k.key)).toBeNull();
    expect(await audits("key.revoke")).toBe(1);
  });

  it("provider.create and model.update: nothing changes in the fleet", async () => {
    const actor = { teamId, userId: owner };
    await expect(
      withAuditBroken("provider.create", () => createProvider(db, actor, { kind: "openai_compatible", name: "Lab", baseUrl: "http://127.0.0.1:9/v1", local: true })),
    ).rejects.toThrow();
    expect(await db.select().from(providers).where(eq(providers.name, "Lab"))).toHaveLength(0);
    const p = await createProvider(db, actor, { kind: "openai_compatible", name: "Lab", baseUrl: "http://127.0.0.1:9/v1", local: true });
    const patch = { enabled: true, contextWindow: 8192, inputPriceMicros: 100_000, outputPriceMicros: 200_000, cachedInputPriceMicros: null, strengths: [], optimalFor: [], costTier: "low" as const, toolCalling: false, imageInput: false, reasoningEffort: false };
    const m = await createModel(db, actor, { ...patch, providerId: p.id, name: "lab-small", displayName: "Lab small" });
    await expect(withAuditBroken("model.update", () => updateModel(db, actor, { ...patch, modelId: m.id, inputPriceMicros: 5_000_000 }))).rejects.toThrow();
    expect((await db.select().from(models).where(eq(models.id, m.id)))[0].inputPriceMicros).toBe(100_000);
    expect(await audits("model.update")).toBe(0);
  });

  it("member.invite.revoke: the invitation stays open", async () => {
    await addMember(db, { teamId, email: "new@t.test", role: "member", actorUserId: owner, actorRole: "owner" });
    const [inv] = await db.select().from(invitations).where(eq(invitations.teamId, teamId));
    await expect(withAuditBroken("member.invite.revoke", () => revokeInvitation(db, { teamId, invitationId: inv.id, actorUserId: owner }))).rejects.toThrow();
    expect((await db.select().from(invitations).where(eq(invitations.id, inv.id)))[0].revokedAt).toBeNull();
  });

  it("member.remove: the member stays, their key keeps working and their invitation stays open", async () => {
    const dana = (await createUser(db, { name: "Dana", email: "dana@t.test", password: "password-123" })).id;
    await db.insert(memberships).values({ teamId, userId: dana, role: "admin" });
    const k = await createTeamKey(db, { teamId, actorUserId: dana, name: "dana's", modelAllowList: [] });
    await addMember(db, { teamId, email: "danas-invitee@t.test", role: "member", actorUserId: dana, actorRole: "admin" });
    const invitation = async () => (await db.select().from(invitations).where(eq(invitations.email, "danas-invitee@t.test")))[0];
    const isMember = async () => (await db.select().from(memberships).where(and(eq(memberships.teamId, teamId), eq(memberships.userId, dana)))).length === 1;
    expect(await authenticateApiKey(db, k.key)).not.toBeNull(); // cached as active
    const remove = () => removeMember(db, { teamId, userId: dana, actorUserId: owner, actorRole: "owner" });
    await expect(withAuditBroken("member.remove", remove)).rejects.toThrow();
    expect(await isMember()).toBe(true);
    expect(await authenticateApiKey(db, k.key)).toMatchObject({ id: k.id });
    expect((await invitation()).revokedAt).toBeNull();

    expect(await remove()).toMatchObject({ revokedKeys: ["dana's"], revokedInvitations: ["danas-invitee@t.test"] });
    expect(await isMember()).toBe(false);
    expect(await authenticateApiKey(db, k.key)).toBeNull();
    expect((await invitation()).revokedAt).toBeInstanceOf(Date);
  });
});

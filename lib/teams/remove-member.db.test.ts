/**
 * Removing a member takes away what they could still do in the team: the API keys they created
 * stop working on the gateway, and the invitations they sent can no longer be accepted.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiKeys, auditLog, invitations, memberships, pipelineRuns, pipelines } from "@/db/schema";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { startGatewayFixture, type GatewayFixture } from "@/lib/gateway/test-server";
import { createTeamKey, rotateTeamKey } from "@/lib/keys/service";
import { driverName, holdTable, lockWaits as waitingForLocks } from "@/test/db";
import { removeMemberAction } from "./actions";
import { acceptInvitation, addMember, createTeam, removalEffects, removeMember } from "./service";

vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

let fx: GatewayFixture;
beforeAll(async () => {
  fx = await startGatewayFixture();
});
afterAll(async () => {
  setTestSession(undefined);
  await fx?.close();
});

const models = (key: string) => fetch(`${fx.api}/models`, { headers: { authorization: `Bearer ${key}` } });
const keyRow = async (id: string) => (await fx.db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0];
const invitationOf = async (teamId: string, email: string) => (await fx.db.select().from(invitations).where(and(eq(invitations.teamId, teamId), eq(invitations.email, email))))[0];

/** A new user who is an admin of the fixture's team. */
async function newAdmin(name: string) {
  const user = await createUser(fx.db, { name, email: `${name.toLowerCase()}-${Date.now()}@t.test`, password: "password-123" });
  await fx.db.insert(memberships).values({ teamId: fx.team.id, userId: user.id, role: "admin" });
  return user;
}
const keyBy = (userId: string, name: string, teamId = fx.team.id) => createTeamKey(fx.db, { teamId, actorUserId: userId, name, modelAllowList: [] });
const inviteBy = async (userId: string, email: string) => {
  const res = await addMember(fx.db, { teamId: fx.team.id, email, role: "viewer", actorUserId: userId, actorRole: "admin" });
  if (res.kind !== "invited") throw new Error(`expected an invitation for ${email}`);
  return res.invitePath.slice("/invite/".length);
};

describe(`removing a member revokes their keys and invitations (${driverName})`, () => {
  it("the removed member's keys get 401 at the gateway, the owner's key still works, their invitation is dead", async () => {
    const dana = await newAdmin("Dana");
    const ciBot = await keyBy(dana.id, "ci-bot");
    const notebook = await keyBy(dana.id, "notebook");
    const ownersKey = await keyBy(fx.user.id, "owner's own");
    // Dana's key in another team she belongs to is not this team's to take away.
    const other = await createTeam(fx.db, { name: "Other", slug: `other-${Date.now()}`, ownerId: dana.id });
    const elsewhere = await keyBy(dana.id, "elsewhere", other.id);
    const invitee = `invitee-${Date.now()}@t.test`;
    const token = await inviteBy(dana.id, invitee);
    const ownersInvitee = `owners-invitee-${Date.now()}@t.test`;
    await inviteBy(fx.user.id, ownersInvitee);

    // Used once before the removal, so this process's key cache holds them as active.
    for (const k of [ciBot, notebook, ownersKey, elsewhere]) expect((await models(k.key)).status, k.name).toBe(200);
    expect((await removalEffects(fx.db, fx.team.id))[dana.id]).toEqual({ keys: ["ci-bot", "notebook"], invitations: [invitee], runs: 0 });

    setTestSession(fx.user.id);
    const res = await removeMemberAction({ teamId: fx.team.id, userId: dana.id });
    expect(res).toEqual({ ok: true, data: { userId: dana.id, revokedKeys: ["ci-bot", "notebook"], revokedInvitations: [invitee], cancelledRuns: 0 } });

    expect((await keyRow(ciBot.id)).revokedAt).toBeInstanceOf(Date);
    expect((await keyRow(notebook.id)).revokedAt).toBeInstanceOf(Date);
    expect((await keyRow(ownersKey.id)).revokedAt).toBeNull();
    expect((await keyRow(elsewhere.id)).revokedAt).toBeNull();
    for (const k of [ciBot, notebook]) {
      const r = await models(k.key);
      expect(r.status, k.name).toBe(401);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/revoked/);
    }
    expect((await models(ownersKey.key)).status).toBe(200);
    expect((await models(fx.key)).status).toBe(200);
    expect((await models(elsewhere.key)).status).toBe(200);

    expect((await invitationOf(fx.team.id, invitee)).revokedAt).toBeInstanceOf(Date);
    expect((await invitationOf(fx.team.id, ownersInvitee)).revokedAt).toBeNull();
    const inviteeUser = await createUser(fx.db, { name: "Invitee", email: invitee, password: "password-123" });
    await expect(acceptInvitation(fx.db, { token, userId: inviteeUser.id })).rejects.toThrow(/not valid any more/);

    // The audit log names the keys, as the removal and as revocations of their own.
    const log = await fx.db.select().from(auditLog).where(eq(auditLog.teamId, fx.team.id));
    expect(log.find((l) => l.action === "member.remove" && l.target === dana.id)?.details).toMatchObject({
      revokedKeys: [{ name: "ci-bot", prefix: ciBot.prefix }, { name: "notebook", prefix: notebook.prefix }],
      revokedInvitations: [invitee],
    });
    expect(log.filter((l) => l.action === "key.revoke" && l.details.reason === "member.remove").map((l) => l.target).sort()).toEqual(["ci-bot", "notebook"]);
    expect(log.some((l) => l.action === "member.invite.revoke" && l.target === invitee)).toBe(true);
  });

  it("the confirmation counts the queued and running pipeline runs the member started from the dashboard, as many as the removal cancels", async () => {
    const finn = await newAdmin("Finn");
    const [p] = await fx.db.insert(pipelines).values({ teamId: fx.team.id, name: "essay", steps: [], createdBy: finn.id }).returning();
    const run = (startedBy: string | null, status: "queued" | "running" | "succeeded" | "cancelled") => ({ pipelineId: p.id, teamId: fx.team.id, input: "bread", startedBy, status });
    // His queued and running runs count; his finished ones, the owner's and a key's (no starter) do not.
    await fx.db.insert(pipelineRuns).values([run(finn.id, "running"), run(finn.id, "queued"), run(finn.id, "succeeded"), run(finn.id, "cancelled"), run(fx.user.id, "queued"), run(null, "running")]);
    const effects = await removalEffects(fx.db, fx.team.id);
    // Finn created no key and sent no invitation: the runs alone put him in the list.
    expect(effects[finn.id]).toEqual({ keys: [], invitations: [], runs: 2 });
    expect(effects[fx.user.id]?.runs).toBe(1);

    setTestSession(fx.user.id);
    expect(await removeMemberAction({ teamId: fx.team.id, userId: finn.id })).toMatchObject({ ok: true, data: { cancelledRuns: 2 } });
    // The owner's run is not touched.
    expect((await removalEffects(fx.db, fx.team.id))[fx.user.id]?.runs).toBe(1);
    await fx.db.delete(pipelines).where(eq(pipelines.id, p.id));
  });

  it("a rotated key goes with whoever holds its active end: the rotator's new key stays, a key the member rotated goes", async () => {
    const erin = await newAdmin("Erin");
    // Erin created it, the owner rotated it: the owner holds the live secret now.
    const hers = await keyBy(erin.id, "rotated by owner");
    const ownersRotation = await rotateTeamKey(fx.db, { teamId: fx.team.id, actorUserId: fx.user.id, keyId: hers.id });
    // The owner created it, Erin rotated it: Erin holds the live secret.
    const owners = await keyBy(fx.user.id, "rotated by erin");
    const erinsRotation = await rotateTeamKey(fx.db, { teamId: fx.team.id, actorUserId: erin.id, keyId: owners.id });
    expect((await removalEffects(fx.db, fx.team.id))[erin.id]?.keys).toEqual(["rotated by erin"]);

    setTestSession(fx.user.id);
    expect(await removeMemberAction({ teamId: fx.team.id, userId: erin.id })).toMatchObject({ ok: true, data: { revokedKeys: ["rotated by erin"] } });
    expect((await models(ownersRotation.key)).status).toBe(200);
    expect((await models(erinsRotation.key)).status).toBe(401);
    expect((await keyRow(erinsRotation.id)).revokedAt).toBeInstanceOf(Date);
  });

  it("a removal that is refused revokes nothing", async () => {
    const mine = await keyBy(fx.user.id, "last owner's");
    setTestSession(fx.user.id);
    expect(await removeMemberAction({ teamId: fx.team.id, userId: fx.user.id })).toMatchObject({ ok: false, error: expect.stringContaining("last owner") });
    expect((await keyRow(mine.id)).revokedAt).toBeNull();
    expect((await models(mine.key)).status).toBe(200);
  });
});

describe(`a key written by a member being removed (${driverName})`, () => {
  it("is refused once the removal has happened, with a message saying why, and leaves nothing behind", async () => {
    const ivan = await newAdmin("Ivan");
    const kept = await keyBy(fx.user.id, `owner's, rotated too late ${Date.now()}`);
    await removeMember(fx.db, { teamId: fx.team.id, userId: ivan.id, actorUserId: fx.user.id, actorRole: "owner" });
    // As an action whose membership check passed just before the removal would go on.
    const name = `after removal ${Date.now()}`;
    await expect(keyBy(ivan.id, name)).rejects.toThrow("You are no longer a member of this team, so the key was not created.");
    await expect(rotateTeamKey(fx.db, { teamId: fx.team.id, actorUserId: ivan.id, keyId: kept.id })).rejects.toThrow("You are no longer a member of this team, so the key was not rotated.");
    expect(await fx.db.select().from(apiKeys).where(eq(apiKeys.name, name))).toEqual([]);
    expect((await keyRow(kept.id)).revokedAt).toBeNull();
    expect((await models(kept.key)).status).toBe(200);
  });
});

// Two transactions at once need two connections: PGlite has one, and runs transactions one after another.
describe.skipIf(driverName !== "postgres")("a key written while its creator is being removed (postgres: two connections)", () => {
  const lockWaits = () => waitingForLocks(fx.db);
  const until = async (cond: () => Promise<boolean>, ms = 10_000) => {
    for (const end = Date.now() + ms; !(await cond()); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > end) throw new Error("condition not met in time");
    }
  };
  const remove = (userId: string) => removeMember(fx.db, { teamId: fx.team.id, userId, actorUserId: fx.user.id, actorRole: "owner" });

  it("a key written first: the removal waits for its commit and revokes it with the rest", async () => {
    const gail = await newAdmin("Gail");
    const release = await holdTable("budgets");
    // The key is written, uncommitted; its transaction then waits to write the key's budget.
    const creating = createTeamKey(fx.db, { teamId: fx.team.id, actorUserId: gail.id, name: "in flight", modelAllowList: [], monthlyBudgetUsd: 5 });
    await until(async () => (await lockWaits()) === 1);
    const removing = remove(gail.id);
    // Unless the key's transaction holds Gail's membership, the removal ends now, before the key exists for it.
    await Promise.race([removing, until(async () => (await lockWaits()) === 2)]);
    await release();
    const key = await creating;
    expect((await removing).revokedKeys).toEqual(["in flight"]);
    expect((await keyRow(key.id)).revokedAt).toBeInstanceOf(Date);
    expect((await models(key.key)).status).toBe(401);
  });

  it("a removal first: the key waits for its commit and is refused, saying why", async () => {
    const hal = await newAdmin("Hal");
    const release = await holdTable("audit_log");
    // The membership is deleted, uncommitted; the removal then waits to write its audit entry.
    const removing = remove(hal.id);
    await until(async () => (await lockWaits()) === 1);
    const name = `too late ${Date.now()}`;
    const creating = keyBy(hal.id, name).then(
      () => "created",
      (e: Error) => e.message,
    );
    await until(async () => (await lockWaits()) === 2);
    await release();
    await removing;
    expect(await creating).toBe("You are no longer a member of this team, so the key was not created.");
    expect(await fx.db.select().from(apiKeys).where(eq(apiKeys.name, name))).toEqual([]);
  });
});

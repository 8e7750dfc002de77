/**
 * Removing a member takes away what they could still do in the team: the API keys they created
 * stop working on the gateway, and the invitations they sent can no longer be accepted.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiKeys, auditLog, invitations, memberships } from "@/db/schema";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { startGatewayFixture, type GatewayFixture } from "@/lib/gateway/test-server";
import { createTeamKey, rotateTeamKey } from "@/lib/keys/service";
import { driverName } from "@/test/db";
import { removeMemberAction } from "./actions";
import { acceptInvitation, addMember, createTeam, removalEffects } from "./service";

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
    expect((await removalEffects(fx.db, fx.team.id))[dana.id]).toEqual({ keys: ["ci-bot", "notebook"], invitations: [invitee] });

    setTestSession(fx.user.id);
    const res = await removeMemberAction({ teamId: fx.team.id, userId: dana.id });
    expect(res).toEqual({ ok: true, data: { userId: dana.id, revokedKeys: ["ci-bot", "notebook"], revokedInvitations: [invitee] } });

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

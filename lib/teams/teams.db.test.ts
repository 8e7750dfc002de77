import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb } from "@/db";
import { auditLog, invitations, memberships, routingSettings, teams, users } from "@/db/schema";
import { DEFAULT_EXPLORATION } from "@/lib/learning";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { driverName, freshDb } from "@/test/db";
import { signUpAction } from "@/lib/auth/actions";
import { acceptInvitationAction, addMemberAction, changeRoleAction, createTeamAction, removeMemberAction, revokeInvitationAction } from "./actions";
import { createTeam, describeInvitation } from "./service";

vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
// Auth.js only loads inside Next; sign-up is refused here before it would sign in.
vi.mock("@/auth", () => ({ auth: async () => null, signIn: async () => { throw new Error("signIn needs a Next request"); }, signOut: async () => {} }));
vi.mock("next-auth", () => ({ AuthError: class AuthError extends Error {} }));

let db: Awaited<ReturnType<typeof freshDb>>["db"];
const u: Record<string, string> = {};
let teamA: { id: string };
let teamB: { id: string };

beforeAll(async () => {
  db = (await freshDb()).db;
  for (const name of ["owner", "admin", "member", "viewer", "outsider"]) {
    u[name] = (await createUser(db, { name, email: `${name}@t.test`, password: "password-123" })).id;
  }
  teamA = await createTeam(db, { name: "A", slug: "team-a", ownerId: u.owner });
  teamB = await createTeam(db, { name: "B", slug: "team-b", ownerId: u.outsider });
  await db.insert(memberships).values([
    { teamId: teamA.id, userId: u.admin, role: "admin" },
    { teamId: teamA.id, userId: u.member, role: "member" },
    { teamId: teamA.id, userId: u.viewer, role: "viewer" },
  ]);
});
afterAll(async () => {
  setTestSession(undefined);
  await closeDb();
});

const roleOf = async (teamId: string, userId: string) =>
  (await db.select().from(memberships).where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId))))[0]?.role;

describe(`teams and roles on ${driverName}`, () => {
  it("refuses a caller with no session", async () => {
    setTestSession(null);
    const res = await addMemberAction({ teamId: teamA.id, email: "x@t.test", role: "member" });
    expect(res).toEqual({ ok: false, error: "Your session has ended. Sign in again." });
  });

  it("refuses members, viewers and other teams' users; writes nothing", async () => {
    for (const who of ["member", "viewer", "outsider"]) {
      setTestSession(u[who]);
      const res = await addMemberAction({ teamId: teamA.id, email: `${who}-invite@t.test`, role: "member" });
      expect(res.ok, who).toBe(false);
      expect(await db.select().from(invitations).where(eq(invitations.email, `${who}-invite@t.test`))).toHaveLength(0);
    }
    setTestSession(u.outsider);
    expect(await addMemberAction({ teamId: teamA.id, email: "z@t.test", role: "member" })).toMatchObject({ ok: false, error: "You are not a member of this team." });
    setTestSession(u.viewer);
    expect(await addMemberAction({ teamId: teamA.id, email: "z@t.test", role: "member" })).toMatchObject({ ok: false, error: expect.stringContaining("members:write") });
  });

  it("answers bad input with field errors", async () => {
    setTestSession(u.admin);
    const res = await addMemberAction({ teamId: teamA.id, email: "not an email", role: "boss" });
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.fieldErrors?.email?.[0]).toMatch(/valid email/);
      expect(res.fieldErrors?.role?.[0]).toMatch(/owner, admin, member, viewer/);
    }
  });

  it("adds an existing user at once and invites an unknown email; refuses duplicates", async () => {
    setTestSession(u.admin);
    const other = await createUser(db, { name: "o", email: "other@t.test", password: "password-123" });
    expect(await addMemberAction({ teamId: teamA.id, email: "Other@T.test", role: "member" })).toEqual({ ok: true, data: { kind: "added", email: "other@t.test" } });
    expect(await roleOf(teamA.id, other.id)).toBe("member");
    expect(await addMemberAction({ teamId: teamA.id, email: "other@t.test", role: "member" })).toMatchObject({ ok: false, fieldErrors: { email: ["Already a member."] } });
    const inv = await addMemberAction({ teamId: teamA.id, email: "new@t.test", role: "viewer" });
    expect(inv.ok && inv.data.kind === "invited" && inv.data.invitePath).toMatch(/^\/invite\/.{20,}/);
    const [row] = await db.select().from(invitations).where(eq(invitations.email, "new@t.test"));
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(inv.ok && inv.data.kind === "invited" && inv.data.invitePath.includes(row.tokenHash)).toBe(false);
  });

  it("only owners grant ownership; the last owner can be neither demoted nor removed", async () => {
    setTestSession(u.admin);
    expect((await changeRoleAction({ teamId: teamA.id, userId: u.member, role: "owner" })).ok).toBe(false);
    expect((await changeRoleAction({ teamId: teamA.id, userId: u.owner, role: "viewer" })).ok).toBe(false);
    setTestSession(u.owner);
    expect(await changeRoleAction({ teamId: teamA.id, userId: u.owner, role: "admin" })).toMatchObject({ ok: false, error: expect.stringContaining("at least one owner") });
    expect(await removeMemberAction({ teamId: teamA.id, userId: u.owner })).toMatchObject({ ok: false, error: expect.stringContaining("last owner") });
    expect(await roleOf(teamA.id, u.owner)).toBe("owner");
    // With a second owner, the first may step down.
    expect((await changeRoleAction({ teamId: teamA.id, userId: u.admin, role: "owner" })).ok).toBe(true);
    expect((await changeRoleAction({ teamId: teamA.id, userId: u.owner, role: "admin" })).ok).toBe(true);
    expect(await roleOf(teamA.id, u.owner)).toBe("admin");
    setTestSession(u.admin);
    expect((await changeRoleAction({ teamId: teamA.id, userId: u.owner, role: "owner" })).ok).toBe(true);
  });

  it("a member of team A cannot act on team B by passing its id", async () => {
    setTestSession(u.admin);
    const res = await removeMemberAction({ teamId: teamB.id, userId: u.outsider });
    expect(res).toMatchObject({ ok: false, error: "You are not a member of this team." });
    expect(await roleOf(teamB.id, u.outsider)).toBe("owner");
    // Acting on team A with a user id from team B finds nobody there.
    expect(await removeMemberAction({ teamId: teamA.id, userId: u.outsider })).toMatchObject({ ok: false, error: expect.stringContaining("not a member") });
  });

  it("creates a team with its creator as owner, refuses a taken slug, and audits", async () => {
    setTestSession(u.member);
    expect(await createTeamAction({ name: "New", slug: "team-a" })).toMatchObject({ ok: false, fieldErrors: { slug: [expect.stringContaining("already used")] } });
    const res = await createTeamAction({ name: "New", slug: "brand-new" });
    expect(res).toEqual({ ok: true, data: { slug: "brand-new" } });
    const [t] = await db.select().from(teams).where(eq(teams.slug, "brand-new"));
    expect(await roleOf(t.id, u.member)).toBe("owner");
    // Its exploration cap is the router's stated default ($0.02 a decision), not a column default of $1.
    const [rs] = await db.select().from(routingSettings).where(eq(routingSettings.teamId, t.id));
    expect(rs.explorationCapMicros).toBe(DEFAULT_EXPLORATION.maxExtraCostMicros);
    const log = await db.select().from(auditLog).where(eq(auditLog.teamId, teamA.id));
    expect(log.map((l) => l.action)).toEqual(expect.arrayContaining(["member.add", "member.invite", "member.role"]));
  });

  it("an invitation link works once, for the invited email only, and not after revocation or expiry", async () => {
    const invite = async (email: string) => {
      setTestSession(u.admin);
      const res = await addMemberAction({ teamId: teamA.id, email, role: "viewer" });
      if (!res.ok || res.data.kind !== "invited") throw new Error(JSON.stringify(res));
      return res.data.invitePath.slice("/invite/".length);
    };
    const accept = (userId: string, token: string) => {
      setTestSession(userId);
      return acceptInvitationAction({ token });
    };
    const token = await invite("carol@t.test");
    // Carol signs up after she was invited. Someone else holding her link cannot use it.
    const carol = (await createUser(db, { name: "Carol", email: "carol@t.test", password: "password-123" })).id;
    const mallory = (await createUser(db, { name: "Mallory", email: "mallory@t.test", password: "password-123" })).id;
    // The page says before any click who invited whom to which team, and who may accept.
    expect(await describeInvitation(db, { token, userId: carol })).toMatchObject({ ok: true, problem: null, team: "A", role: "viewer", invitedBy: "admin", email: "carol@t.test" });
    expect(await describeInvitation(db, { token, userId: mallory })).toMatchObject({ ok: false, problem: expect.stringContaining("sign in with that email"), signedInAs: "mallory@t.test", team: "A" });
    expect(await accept(mallory, token)).toMatchObject({ ok: false, error: expect.stringContaining("sign in with that email") });
    expect(await roleOf(teamA.id, mallory)).toBeUndefined();
    expect(await accept(carol, token)).toEqual({ ok: true, data: { slug: "team-a" } });
    expect(await roleOf(teamA.id, carol)).toBe("viewer");
    // Used once: the same link is dead for her and for anyone else.
    expect(await accept(carol, token)).toMatchObject({ ok: false, error: expect.stringContaining("not valid any more") });
    expect(await accept(mallory, token)).toMatchObject({ ok: false, error: expect.stringContaining("not valid any more") });
    // Opened again by Carol, it leads into the team; to anyone else a dead link names no team.
    expect(await describeInvitation(db, { token, userId: carol })).toMatchObject({ joined: "team-a" });
    expect(await describeInvitation(db, { token, userId: mallory })).toEqual({ ok: false, problem: expect.stringContaining("not valid any more"), signedInAs: "mallory@t.test" });
    expect(await describeInvitation(db, { token: "no-such-token", userId: mallory })).toEqual({ ok: false, problem: expect.stringContaining("not valid any more"), signedInAs: "mallory@t.test" });

    const revoked = await invite("dave@t.test");
    const dave = (await createUser(db, { name: "Dave", email: "dave@t.test", password: "password-123" })).id;
    const [inv] = await db.select().from(invitations).where(eq(invitations.email, "dave@t.test"));
    setTestSession(u.admin);
    expect((await revokeInvitationAction({ teamId: teamA.id, invitationId: inv.id })).ok).toBe(true);
    expect(await accept(dave, revoked)).toMatchObject({ ok: false, error: expect.stringContaining("not valid any more") });

    const expired = await invite("erin@t.test");
    const erin = (await createUser(db, { name: "Erin", email: "erin@t.test", password: "password-123" })).id;
    await db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.email, "erin@t.test"));
    expect(await accept(erin, expired)).toMatchObject({ ok: false, error: expect.stringContaining("expired") });
    expect(await describeInvitation(db, { token: expired, userId: erin })).toEqual({ ok: false, problem: expect.stringContaining("expired"), signedInAs: "erin@t.test" });
    expect([await roleOf(teamA.id, dave), await roleOf(teamA.id, erin)]).toEqual([undefined, undefined]);
  });

  it("signing up with an email that has an account (in any case) is refused, and the account is untouched", async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ name: "Impostor", email: "Carol@T.test", password: "another-password-1" })) form.set(k, v);
    expect(await signUpAction(null, form)).toMatchObject({ ok: false, fieldErrors: { email: ["This email is already registered."] } });
    const rows = await db.select().from(users).where(eq(users.email, "carol@t.test"));
    expect(rows.map((r) => r.name)).toEqual(["Carol"]);
  });

  it("stores password hashes, never passwords", async () => {
    const rows = await db.select({ h: users.passwordHash }).from(users);
    for (const r of rows) expect(r.h).toMatch(/^scrypt\$/);
  });
});

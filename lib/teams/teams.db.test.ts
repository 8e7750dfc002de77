import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb } from "@/db";
import { auditLog, invitations, memberships, teams, users } from "@/db/schema";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { driverName, freshDb } from "@/test/db";
import { addMemberAction, changeRoleAction, createTeamAction, removeMemberAction } from "./actions";
import { createTeam } from "./service";

vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

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
    const log = await db.select().from(auditLog).where(eq(auditLog.teamId, teamA.id));
    expect(log.map((l) => l.action)).toEqual(expect.arrayContaining(["member.add", "member.invite", "member.role"]));
  });

  it("stores password hashes, never passwords", async () => {
    const rows = await db.select({ h: users.passwordHash }).from(users);
    for (const r of rows) expect(r.h).toMatch(/^scrypt\$/);
  });
});

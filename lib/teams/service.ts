import { and, asc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { inTransaction, rowsOf, type Db } from "@/db";
import { apiKeys, auditLog, invitations, memberships, pipelineRuns, routingSettings, teams, users, type Role } from "@/db/schema";
import { forgetApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import { randomToken, sha256 } from "@/lib/crypto/secrets";
import { NotFoundError, UserError } from "@/lib/errors";
import { moveBudgetPeriodsToZone } from "@/lib/budgets/service";
import { rebuildTeamRollup } from "@/lib/execution/record";
import { DEFAULT_EXPLORATION } from "@/lib/learning";
import { cancellableRuns, finishCancels, requestCancels } from "@/lib/pipelines/service";
import { zoneName } from "@/lib/zone";

export async function audit(db: Db, entry: { teamId: string | null; actorUserId: string | null; action: string; target?: string; details?: Record<string, unknown> }) {
  await db.insert(auditLog).values({ ...entry, details: entry.details ?? {} });
}

/** Creates a team with its routing settings and makes `ownerId` its owner, in one transaction. */
export async function createTeam(db: Db, input: { name: string; slug: string; ownerId: string; isDemo?: boolean }) {
  return inTransaction(db, async (t) => {
    const taken = await t.select({ id: teams.id }).from(teams).where(eq(teams.slug, input.slug)).limit(1);
    if (taken.length) throw new UserError(`The address "${input.slug}" is taken; choose another.`, { slug: ["This slug is already used by another team."] });
    const [team] = await t.insert(teams).values({ name: input.name, slug: input.slug, isDemo: input.isDemo ?? false }).returning();
    await t.insert(memberships).values({ teamId: team.id, userId: input.ownerId, role: "owner" });
    // The router's stated exploration cap; the column's own default ($1 a decision) predates it.
    await t.insert(routingSettings).values({ teamId: team.id, explorationCapMicros: DEFAULT_EXPLORATION.maxExtraCostMicros });
    await audit(t, { teamId: team.id, actorUserId: input.ownerId, action: "team.create", target: team.slug });
    return team;
  });
}

export async function listMembers(db: Db, teamId: string) {
  return db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role, since: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.teamId, teamId))
    .orderBy(users.email);
}

/** A team's invitations neither accepted nor revoked (expired ones too: the page lists them to revoke). */
const pendingInvitations = (teamId: string) => and(eq(invitations.teamId, teamId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt));

export async function listInvitations(db: Db, teamId: string) {
  return db
    .select({ id: invitations.id, email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt, createdAt: invitations.createdAt })
    .from(invitations)
    .where(pendingInvitations(teamId))
    .orderBy(invitations.createdAt);
}

/**
 * Adds a person to a team: an existing user becomes a member at once; an unknown email gets an
 * invitation whose link is returned once (the token is stored hashed).
 */
export async function addMember(db: Db, input: { teamId: string; email: string; role: Role; actorUserId: string; actorRole: Role }) {
  if (input.role === "owner" && input.actorRole !== "owner") throw new UserError("Only an owner can make someone an owner.", { role: ["Only owners can grant the owner role."] });
  return inTransaction(db, async (t) => {
    const [user] = await t.select().from(users).where(eq(users.email, input.email)).limit(1);
    if (user) {
      const existing = await t.select().from(memberships).where(and(eq(memberships.teamId, input.teamId), eq(memberships.userId, user.id))).limit(1);
      if (existing.length) throw new UserError(`${input.email} is already a member of this team.`, { email: ["Already a member."] });
      await t.insert(memberships).values({ teamId: input.teamId, userId: user.id, role: input.role });
      await audit(t, { teamId: input.teamId, actorUserId: input.actorUserId, action: "member.add", target: input.email, details: { role: input.role } });
      return { kind: "added" as const, email: input.email };
    }
    const open = await t
      .select({ id: invitations.id })
      .from(invitations)
      .where(and(pendingInvitations(input.teamId), eq(invitations.email, input.email)))
      .limit(1);
    if (open.length) throw new UserError(`${input.email} already has an open invitation.`, { email: ["Already invited."] });
    const token = randomToken(24);
    await t.insert(invitations).values({
      teamId: input.teamId,
      email: input.email,
      role: input.role,
      tokenHash: sha256(token),
      invitedBy: input.actorUserId,
      expiresAt: new Date(Date.now() + 7 * 24 * 3600 * 1000),
    });
    await audit(t, { teamId: input.teamId, actorUserId: input.actorUserId, action: "member.invite", target: input.email, details: { role: input.role } });
    return { kind: "invited" as const, email: input.email, invitePath: `/invite/${token}` };
  });
}

/** Owners of a team, row-locked so concurrent demotions cannot both remove "the other" last owner. */
async function lockedOwnerCount(db: Db, teamId: string): Promise<number> {
  return rowsOf(await db.execute(sql`select user_id from memberships where team_id = ${teamId} and role = 'owner' for update`)).length;
}

export async function changeRole(db: Db, input: { teamId: string; userId: string; role: Role; actorUserId: string; actorRole: Role }) {
  return inTransaction(db, async (t) => {
    const [m] = await t.select().from(memberships).where(and(eq(memberships.teamId, input.teamId), eq(memberships.userId, input.userId))).limit(1);
    if (!m) throw new NotFoundError("That person is not a member of this team.");
    if ((m.role === "owner" || input.role === "owner") && input.actorRole !== "owner") {
      throw new UserError("Only an owner can grant or take away the owner role.");
    }
    if (m.role === "owner" && input.role !== "owner") {
      const owners = await lockedOwnerCount(t, input.teamId);
      if (owners <= 1) throw new UserError("A team needs at least one owner: make someone else an owner first.");
    }
    await t.update(memberships).set({ role: input.role }).where(and(eq(memberships.teamId, input.teamId), eq(memberships.userId, input.userId)));
    await audit(t, { teamId: input.teamId, actorUserId: input.actorUserId, action: "member.role", target: input.userId, details: { from: m.role, to: input.role } });
    return { userId: input.userId, role: input.role };
  });
}

/** A team's active API keys that a person created. */
const activeCreatedKeys = (teamId: string) => and(eq(apiKeys.teamId, teamId), isNull(apiKeys.revokedAt), isNotNull(apiKeys.createdBy));

export type RemovalEffects = { keys: string[]; invitations: string[]; runs: number };

/**
 * What removing each member would also revoke and cancel: the active API keys they created in the
 * team (by name), the pending invitations they sent (by email) and how many queued or running
 * pipeline runs they started from the dashboard. Shown before the admin confirms.
 */
export async function removalEffects(db: Db, teamId: string): Promise<Record<string, RemovalEffects>> {
  const [keys, invites, runs] = await Promise.all([
    db.select({ userId: apiKeys.createdBy, name: apiKeys.name }).from(apiKeys).where(activeCreatedKeys(teamId)).orderBy(asc(apiKeys.name)),
    db.select({ userId: invitations.invitedBy, email: invitations.email }).from(invitations).where(and(pendingInvitations(teamId), isNotNull(invitations.invitedBy))).orderBy(asc(invitations.email)),
    // Every member's count in one statement, as removeMember picks them (requestCancels).
    db
      .select({ userId: pipelineRuns.startedBy, n: sql<number>`count(*)::int` })
      .from(pipelineRuns)
      .where(and(cancellableRuns(teamId), isNotNull(pipelineRuns.startedBy)))
      .groupBy(pipelineRuns.startedBy),
  ]);
  const out: Record<string, RemovalEffects> = {};
  const of = (userId: string) => (out[userId] ??= { keys: [], invitations: [], runs: 0 });
  for (const k of keys) of(k.userId!).keys.push(k.name);
  for (const i of invites) of(i.userId!).invitations.push(i.email);
  for (const r of runs) of(r.userId!).runs = Number(r.n);
  return out;
}

/**
 * Removes a member and takes away what they could still do in the team, in one transaction: every
 * active API key they created is revoked as by hand (a key they created and someone else rotated
 * since is that person's key now, and stays), every pending invitation they sent is revoked, and
 * every queued or running pipeline run they started is cancelled as by hand, the reason on the run.
 * The keys leave this process's key cache, and the runs stop, after the commit.
 */
export async function removeMember(db: Db, input: { teamId: string; userId: string; actorUserId: string; actorRole: Role }) {
  const out = await inTransaction(db, async (t) => {
    const [m] = await t.select().from(memberships).where(and(eq(memberships.teamId, input.teamId), eq(memberships.userId, input.userId))).limit(1);
    if (!m) throw new NotFoundError("That person is not a member of this team.");
    if (m.role === "owner") {
      if (input.actorRole !== "owner") throw new UserError("Only an owner can remove an owner.");
      const owners = await lockedOwnerCount(t, input.teamId);
      if (owners <= 1) throw new UserError("You cannot remove the last owner: make someone else an owner first.");
    }
    await t.delete(memberships).where(and(eq(memberships.teamId, input.teamId), eq(memberships.userId, input.userId)));
    // Locked, so a rotation running meanwhile either ends first (its new key is the rotator's) or waits.
    const own = await t
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(activeCreatedKeys(input.teamId), eq(apiKeys.createdBy, input.userId)))
      .orderBy(asc(apiKeys.name))
      .for("update");
    const keys: { id: string; name: string; prefix: string }[] = [];
    for (const { id } of own) {
      const row = await revokeApiKey(t, { teamId: input.teamId, keyId: id });
      if (!row) continue;
      keys.push({ id: row.id, name: row.name, prefix: row.prefix });
      await audit(t, { teamId: input.teamId, actorUserId: input.actorUserId, action: "key.revoke", target: row.name, details: { prefix: row.prefix, reason: "member.remove", member: input.userId } });
    }
    const invites = await t
      .select({ id: invitations.id, email: invitations.email })
      .from(invitations)
      .where(and(pendingInvitations(input.teamId), eq(invitations.invitedBy, input.userId)))
      .orderBy(asc(invitations.email))
      .for("update");
    for (const i of invites) await revokeInvitation(t, { teamId: input.teamId, invitationId: i.id, actorUserId: input.actorUserId });
    const revokedInvitations = invites.map((i) => i.email);
    // The pipeline runs they started from the dashboard (a key's runs stop with the key) are cancelled, saying why.
    const [user] = await t.select({ email: users.email }).from(users).where(eq(users.id, input.userId));
    const runs = await requestCancels(t, input.teamId, eq(pipelineRuns.startedBy, input.userId), `Cancelled because ${user?.email ?? "its starter"} was removed from the team.`);
    await audit(t, {
      teamId: input.teamId,
      actorUserId: input.actorUserId,
      action: "member.remove",
      target: input.userId,
      details: { role: m.role, revokedKeys: keys.map((k) => ({ name: k.name, prefix: k.prefix })), revokedInvitations, cancelledRuns: runs.map((r) => r.id) },
    });
    return { userId: input.userId, keys, revokedInvitations, runs };
  });
  // After the commit: a lookup in between would have cached the keys as active, and a run would not see the cancel.
  for (const k of out.keys) forgetApiKey(k.id);
  await finishCancels(db, out.runs);
  return { userId: out.userId, revokedKeys: out.keys.map((k) => k.name), revokedInvitations: out.revokedInvitations, cancelledRuns: out.runs.length };
}

export async function revokeInvitation(db: Db, input: { teamId: string; invitationId: string; actorUserId: string }) {
  await inTransaction(db, async (t) => {
    const rows = await t
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(and(eq(invitations.id, input.invitationId), eq(invitations.teamId, input.teamId), isNull(invitations.acceptedAt)))
      .returning({ email: invitations.email });
    if (!rows.length) throw new NotFoundError("That invitation does not exist or was already used.");
    await audit(t, { teamId: input.teamId, actorUserId: input.actorUserId, action: "member.invite.revoke", target: rows[0].email });
  });
}

type InvitationRow = typeof invitations.$inferSelect;

/**
 * Why this invitation cannot be accepted by this user, or null if it can: the one rule the
 * invitation page (before the click) and `acceptInvitation` (at the click) both apply.
 */
function invitationProblem(inv: InvitationRow | undefined, user: { email: string } | undefined, now = new Date()): { kind: "gone" | "expired" | "other-email"; message: string } | null {
  if (!inv || inv.revokedAt || inv.acceptedAt) return { kind: "gone", message: "This invitation is not valid any more. Ask for a new one." };
  if (inv.expiresAt < now) return { kind: "expired", message: "This invitation has expired. Ask for a new one." };
  if (!user || user.email !== inv.email) return { kind: "other-email", message: `This invitation is for ${inv.email}; sign in with that email to accept it.` };
  return null;
}

/**
 * What the invitation page shows before anyone clicks: the team, the role, who invited and until
 * when — or why it cannot be accepted. The team is named only to a holder of a live link.
 */
export type InvitationView =
  | { ok: false; problem: string; signedInAs: string | null; joined?: string }
  | { ok: boolean; problem: string | null; signedInAs: string | null; team: string; role: Role; invitedBy: string | null; email: string; expiresAt: Date };

export async function describeInvitation(db: Db, input: { token: string; userId: string }): Promise<InvitationView> {
  const [row] = await db
    .select({ inv: invitations, team: teams.name, inviter: users.name, inviterEmail: users.email })
    .from(invitations)
    .innerJoin(teams, eq(teams.id, invitations.teamId))
    .leftJoin(users, eq(users.id, invitations.invitedBy))
    .where(eq(invitations.tokenHash, sha256(input.token)))
    .limit(1);
  const [user] = await db.select({ email: users.email }).from(users).where(eq(users.id, input.userId)).limit(1);
  // Opened again once accepted (or re-rendered right after the click): the member's way in is the team.
  if (row?.inv.acceptedAt && user?.email === row.inv.email) {
    const [member] = await db.select({ slug: teams.slug }).from(memberships).innerJoin(teams, eq(teams.id, memberships.teamId)).where(and(eq(memberships.teamId, row.inv.teamId), eq(memberships.userId, input.userId)));
    if (member) return { ok: false, joined: member.slug, problem: "You have joined this team.", signedInAs: user.email };
  }
  const problem = invitationProblem(row?.inv, user);
  if (problem?.kind === "gone" || problem?.kind === "expired" || !row) return { ok: false, problem: problem!.message, signedInAs: user?.email ?? null };
  return {
    ok: problem === null,
    problem: problem?.message ?? null,
    signedInAs: user?.email ?? null,
    team: row.team,
    role: row.inv.role,
    invitedBy: row.inviter ?? row.inviterEmail ?? null,
    email: row.inv.email,
    expiresAt: row.inv.expiresAt,
  };
}

/** Accepts an invitation for the signed-in user, whose email must match the invited one. */
export async function acceptInvitation(db: Db, input: { token: string; userId: string }) {
  return db.transaction(async (tx) => {
    const [inv] = await tx.select().from(invitations).where(eq(invitations.tokenHash, sha256(input.token))).limit(1);
    const [user] = await tx.select().from(users).where(eq(users.id, input.userId)).limit(1);
    const problem = invitationProblem(inv, user);
    if (problem) throw problem.kind === "gone" ? new NotFoundError(problem.message) : new UserError(problem.message);
    await tx.insert(memberships).values({ teamId: inv!.teamId, userId: user.id, role: inv!.role }).onConflictDoNothing();
    await tx.update(invitations).set({ acceptedAt: new Date() }).where(eq(invitations.id, inv!.id));
    const [team] = await tx.select().from(teams).where(eq(teams.id, inv!.teamId));
    return team;
  });
}


/** The zone's name as the runtime spells it ("asia/tokyo" → "Asia/Tokyo"), or an error saying what to enter. */
async function canonicalZone(db: Db, name: string): Promise<string> {
  const wrong = () => new UserError(`"${name}" is not a time zone: choose one from the list, as a region/city name such as Europe/Berlin, Asia/Tokyo or America/Los_Angeles.`, { timezone: ["Not a time zone: pick one from the list, e.g. Asia/Tokyo."] });
  const canonical = zoneName(name);
  if (!canonical) throw wrong();
  // The database files usage under days in this zone: it must know the zone too.
  try {
    await db.execute(sql`select now() at time zone ${canonical}`);
  } catch {
    throw wrong();
  }
  return canonical;
}

/**
 * Sets the team's time zone: its days on every page and in the API, and its budgets' midnights.
 * Budgets first (each current period ends at the new zone's boundary nearest its old end, see
 * moveBudgetPeriodsToZone), then, under the team row's lock, the zone, the daily rollup filed
 * again under the new zone's days and the audit entry, in one transaction. While the rollup is
 * rebuilt the team's calls wait to record their rows (the lock); they lose nothing.
 */
export async function setTeamTimezone(db: Db, input: { teamId: string; timezone: string; actorUserId: string }) {
  const zone = await canonicalZone(db, input.timezone);
  const [team] = await db.select({ timezone: teams.timezone }).from(teams).where(eq(teams.id, input.teamId));
  if (!team) throw new NotFoundError("That team does not exist (any more).");
  if (team.timezone === zone) return { timezone: zone, changed: false, budgetsMoved: 0 };
  const budgetsMoved = await moveBudgetPeriodsToZone(db, input.teamId, team.timezone, zone);
  await inTransaction(db, async (t) => {
    const [locked] = rowsOf<{ timezone: string }>(await t.execute(sql`select timezone from teams where id = ${input.teamId} for update`));
    if (locked?.timezone !== team.timezone) throw new UserError("Someone changed the team's time zone meanwhile: reload the page and try again.");
    await t.update(teams).set({ timezone: zone }).where(eq(teams.id, input.teamId));
    await rebuildTeamRollup(t, input.teamId);
    await audit(t, { teamId: input.teamId, actorUserId: input.actorUserId, action: "team.timezone", target: zone, details: { from: team.timezone, to: zone, budgetPeriodsMoved: budgetsMoved } });
  });
  return { timezone: zone, changed: true, budgetsMoved };
}

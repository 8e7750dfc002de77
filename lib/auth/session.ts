import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { memberships, teams, type Role, type Team } from "@/db/schema";
import { ForbiddenError, requireScope, type Scope } from "./scopes";

type G = { __mcTestUserId?: string | null };
const g = globalThis as G;

/**
 * The signed-in user's id, or null. Tests set a built session with `setTestSession` instead of
 * going through the browser; everything else reads the Auth.js session cookie.
 */
export async function currentUserId(): Promise<string | null> {
  if (g.__mcTestUserId !== undefined) return g.__mcTestUserId;
  const { auth } = await import("@/auth");
  const session = await auth();
  return session?.user?.id ?? null;
}

export function setTestSession(userId: string | null | undefined) {
  g.__mcTestUserId = userId;
}

export type TeamContext = { userId: string; team: Team; role: Role };

/** The caller's membership of a team (by id or slug), read from the database; null when none. */
export async function teamContext(db: Db, userId: string, team: { id?: string; slug?: string }): Promise<TeamContext | null> {
  const cond = team.id ? eq(teams.id, team.id) : eq(teams.slug, team.slug ?? "");
  const [row] = await db
    .select({ team: teams, role: memberships.role })
    .from(teams)
    .innerJoin(memberships, and(eq(memberships.teamId, teams.id), eq(memberships.userId, userId)))
    .where(cond)
    .limit(1);
  return row ? { userId, team: row.team, role: row.role } : null;
}

/**
 * Locks a member's membership row until the transaction `t` ends (FOR SHARE) and checks, on the
 * row as it now is, that they still hold `scope`. What the transaction then writes in their name
 * belongs to a member: a removal running meanwhile waits for the commit and then finds it with the
 * rest of theirs (lib/teams `removeMember`), and a removal that came first leaves no row, so the
 * write is refused: "You are no longer a member of this team, so <refused>." (An action's
 * membership check runs before the transaction and locks nothing, so it cannot do this alone.)
 */
export async function lockMembership(t: Db, m: { teamId: string; userId: string; scope: Scope; refused: string }) {
  const [row] = await t
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.teamId, m.teamId), eq(memberships.userId, m.userId)))
    .for("share");
  if (!row) throw new ForbiddenError(`You are no longer a member of this team, so ${m.refused}.`);
  requireScope(row, m.scope);
}

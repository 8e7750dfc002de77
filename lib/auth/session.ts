import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { memberships, teams, type Role, type Team } from "@/db/schema";

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

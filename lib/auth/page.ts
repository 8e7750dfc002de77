import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "@/db";
import { hasScope, type Scope } from "./scopes";
import { currentUserId, teamContext } from "./session";
import { isSiteAdmin, teamsOfUser } from "./users";

/** The signed-in user's id for a page, or a redirect to the sign-in page. */
export const requireUserId = cache(async (next?: string) => {
  const userId = await currentUserId();
  if (!userId) redirect(next ? `/login?next=${encodeURIComponent(next)}` : "/login");
  return userId;
});

/**
 * Resolves the team of a dashboard page from its slug. A team the user does not belong to is
 * answered with 404, the same as a team that does not exist, so URLs reveal nothing.
 */
export const requirePageTeam = cache(async (slug: string) => {
  const userId = await requireUserId();
  const db = await getDb();
  const ctx = await teamContext(db, userId, { slug });
  if (!ctx) notFound();
  return { ...ctx, db };
});

export async function requirePageScope(slug: string, scope: Scope, opts: { siteAdmin?: true } = {}) {
  const ctx = await requirePageTeam(slug);
  if (!hasScope(ctx.role, scope)) notFound();
  if (opts.siteAdmin && !(await isSiteAdmin(ctx.db, ctx.userId))) notFound();
  return ctx;
}

/** Whether the signed-in user administers the installation (shared providers and models). */
export const viewerIsSiteAdmin = cache(async () => isSiteAdmin(await getDb(), await requireUserId()));

export const myTeams = cache(async () => {
  const userId = await requireUserId();
  return teamsOfUser(await getDb(), userId);
});

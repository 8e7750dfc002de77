import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { notifications } from "@/db/schema";
import { NotFoundError } from "@/lib/errors";

export async function listNotifications(db: Db, teamId: string, limit = 50) {
  return db.select().from(notifications).where(eq(notifications.teamId, teamId)).orderBy(desc(notifications.createdAt)).limit(limit);
}

export async function unreadCount(db: Db, teamId: string) {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(notifications).where(and(eq(notifications.teamId, teamId), isNull(notifications.readAt)));
  return Number(r?.n ?? 0);
}

/** Marks one notification of the team (or all of them) as read; an id that is not this team's is refused. */
export async function markRead(db: Db, teamId: string, id?: string) {
  const changed = await db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(eq(notifications.teamId, teamId), isNull(notifications.readAt), id ? eq(notifications.id, id) : undefined))
    .returning({ id: notifications.id });
  if (id && changed.length === 0) {
    // Nothing changed: fine if it was already read, refused if it is not this team's notification.
    const [mine] = await db.select({ id: notifications.id }).from(notifications).where(and(eq(notifications.teamId, teamId), eq(notifications.id, id))).limit(1);
    if (!mine) throw new NotFoundError("That notification does not exist in this team.");
  }
}

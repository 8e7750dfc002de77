import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { notifications } from "@/db/schema";

export async function listNotifications(db: Db, teamId: string, limit = 50) {
  return db.select().from(notifications).where(eq(notifications.teamId, teamId)).orderBy(desc(notifications.createdAt)).limit(limit);
}

export async function unreadCount(db: Db, teamId: string) {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(notifications).where(and(eq(notifications.teamId, teamId), isNull(notifications.readAt)));
  return Number(r?.n ?? 0);
}

export async function markRead(db: Db, teamId: string, id?: string) {
  await db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(eq(notifications.teamId, teamId), isNull(notifications.readAt), id ? eq(notifications.id, id) : undefined));
}

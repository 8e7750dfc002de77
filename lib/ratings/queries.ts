import { and, asc, count, desc, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db";
import { apiKeys, ratings, requestPayloads, users } from "@/db/schema";
import { cursorAt, keysetPage } from "@/lib/usage/cursor";

export type RatingFilters = { model?: string; verdict?: "good" | "bad"; comments?: boolean };

function ratingWhere(teamId: string, f: RatingFilters): SQL[] {
  const where: SQL[] = [eq(ratings.teamId, teamId)];
  if (f.model) where.push(eq(ratings.model, f.model));
  // "good" = thumbs up or 4–5 stars; "bad" = thumbs down or 1–2 stars.
  if (f.verdict === "good") where.push(sql`((${ratings.kind} = 'thumbs' and ${ratings.value} = 1) or (${ratings.kind} = 'stars' and ${ratings.value} >= 4))`);
  if (f.verdict === "bad") where.push(sql`((${ratings.kind} = 'thumbs' and ${ratings.value} = 0) or (${ratings.kind} = 'stars' and ${ratings.value} <= 2))`);
  if (f.comments) where.push(sql`${ratings.comment} is not null and ${ratings.comment} <> ''`);
  return where;
}

/**
 * One page of a team's ratings, newest first, by keyset on (created_at, id) like the request
 * history, with the number of ratings the filters match (ratings are far fewer than requests).
 */
export async function listRatings(db: Db, teamId: string, opts: { filters?: RatingFilters; older?: string | null; newer?: string | null; limit?: number } = {}) {
  const where = ratingWhere(teamId, opts.filters ?? {});
  const [page, [total]] = await Promise.all([
    keysetPage({ older: opts.older, newer: opts.newer, limit: opts.limit ?? 100 }, async (cursor, order, limit) => {
      const rows = await db
        .select({ id: ratings.id, cursorAt: cursorAt(ratings.createdAt), r: ratings, who: users.email, keyName: apiKeys.name, prompt: requestPayloads.prompt })
        .from(ratings)
        .leftJoin(users, eq(users.id, ratings.userId))
        .leftJoin(apiKeys, eq(apiKeys.id, ratings.apiKeyId))
        .leftJoin(requestPayloads, eq(requestPayloads.requestId, ratings.requestId))
        .where(and(...where, cursor?.(ratings.createdAt, ratings.id)))
        .orderBy(...(order === "desc" ? [desc(ratings.createdAt), desc(ratings.id)] : [asc(ratings.createdAt), asc(ratings.id)]))
        .limit(limit);
      return rows;
    }),
    db.select({ n: count() }).from(ratings).where(and(...where)),
  ]);
  return { ...page, total: Number(total?.n ?? 0) };
}

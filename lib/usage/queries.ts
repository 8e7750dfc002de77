import { and, desc, eq, gte, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { addDays, dayIn, dayStart } from "@/lib/zone";
import { apiKeys, ratings, requests, teams, usageDaily, users } from "@/db/schema";

/** Totals for a team since a day (inclusive), read from the daily rollup only. */
export async function usageTotals(db: Db, teamId: string, sinceDay: string) {
  const [row] = await db
    .select({
      requests: sql<number>`coalesce(sum(${usageDaily.requests}), 0)::int`,
      errors: sql<number>`coalesce(sum(${usageDaily.errors}), 0)::int`,
      costMicros: sql<number>`coalesce(sum(${usageDaily.costMicros}), 0)::bigint`,
      tokens: sql<number>`coalesce(sum(${usageDaily.inputTokens} + ${usageDaily.outputTokens}), 0)::bigint`,
    })
    .from(usageDaily)
    .where(and(eq(usageDaily.teamId, teamId), gte(usageDaily.day, sinceDay)));
  return { requests: Number(row.requests), errors: Number(row.errors), costMicros: Number(row.costMicros), tokens: Number(row.tokens) };
}

export async function topModels(db: Db, teamId: string, sinceDay: string, limit = 5) {
  const rows = await db
    .select({
      model: usageDaily.model,
      requests: sql<number>`sum(${usageDaily.requests})::int`,
      costMicros: sql<number>`sum(${usageDaily.costMicros})::bigint`,
    })
    .from(usageDaily)
    .where(and(eq(usageDaily.teamId, teamId), gte(usageDaily.day, sinceDay)))
    .groupBy(usageDaily.model)
    .orderBy(desc(sql`sum(${usageDaily.costMicros})`))
    .limit(limit);
  return rows.map((r) => ({ model: r.model || "(none)", requests: Number(r.requests), costMicros: Number(r.costMicros) }));
}

export async function recentRequests(db: Db, teamId: string, limit = 10) {
  return db
    .select({
      id: requests.id,
      createdAt: requests.createdAt,
      model: requests.model,
      domain: requests.domain,
      status: requests.status,
      costMicros: requests.costMicros,
      latencyMs: requests.latencyMs,
      source: requests.source,
    })
    .from(requests)
    .where(eq(requests.teamId, teamId))
    .orderBy(desc(requests.createdAt))
    .limit(limit);
}

/**
 * "The last N days" as every page, the API and the CLI count them: N days of the team's zone up
 * to today, the rollup's days (record.ts files a request under its day in the team's zone). `day`
 * is the first of them, `since` its first instant (for queries on `requests` and `ratings`), so
 * that figures read from either agree.
 */
export function lastDays(days: number, timeZone: string, now = new Date()): { day: string; since: Date } {
  const day = addDays(dayIn(now, timeZone), -(days - 1));
  return { day, since: dayStart(day, timeZone) };
}

export type Dimension = "model" | "user" | "key" | "team";

/**
 * Spend per day and per series for a range of days, from the rollup only (primary key starts with
 * team_id, day). Days are each team's own (its zone's). `team` compares the given teams; the other dimensions split one team's spend.
 */
export async function spendByDay(db: Db, teamIds: string[], from: string, to: string, dim: Dimension) {
  const col = dim === "model" ? usageDaily.model : dim === "user" ? usageDaily.userId : dim === "key" ? usageDaily.apiKeyId : usageDaily.teamId;
  const rows = await db
    .select({
      day: usageDaily.day,
      key: sql<string>`${col}::text`,
      requests: sql<number>`sum(${usageDaily.requests})::int`,
      errors: sql<number>`sum(${usageDaily.errors})::int`,
      costMicros: sql<number>`sum(${usageDaily.costMicros})::bigint`,
      tokens: sql<number>`sum(${usageDaily.inputTokens} + ${usageDaily.outputTokens})::bigint`,
    })
    .from(usageDaily)
    .where(and(inArray(usageDaily.teamId, teamIds), gte(usageDaily.day, from), lte(usageDaily.day, to)))
    .groupBy(usageDaily.day, col);
  return rows.map((r) => ({ day: String(r.day), key: r.key, requests: Number(r.requests), errors: Number(r.errors), costMicros: Number(r.costMicros), tokens: Number(r.tokens) }));
}

/** Display names for the series keys of a dimension (user emails, key names, team names). */
export async function seriesLabels(db: Db, dim: Dimension, keys: string[]): Promise<Map<string, string>> {
  const ids = keys.filter(Boolean);
  const out = new Map<string, string>(keys.filter((k) => !k).map((k) => [k, dim === "user" ? "(API key calls)" : dim === "key" ? "(dashboard, no key)" : "(none)"]));
  if (!ids.length || dim === "model") {
    for (const k of ids) out.set(k, k);
    return out;
  }
  const rows =
    dim === "user"
      ? await db.select({ id: users.id, label: users.email }).from(users).where(inArray(users.id, ids))
      : dim === "key"
        ? await db.select({ id: sql<string>`${apiKeys.id}::text`, label: sql<string>`${apiKeys.name} || ' (' || ${apiKeys.prefix} || '…)'` }).from(apiKeys).where(inArray(apiKeys.id, ids))
        : await db.select({ id: sql<string>`${teams.id}::text`, label: teams.name }).from(teams).where(inArray(teams.id, ids));
  for (const r of rows) out.set(r.id, r.label);
  for (const k of ids) if (!out.has(k)) out.set(k, `${k.slice(0, 8)}… (deleted)`);
  return out;
}

/** Average rating given in the last `days` days (lastDays): thumbs as 0/1 → 1 or 5 stars, stars as given (1–5). */
export async function averageRating(db: Db, teamId: string, days: number, timeZone: string, now = new Date()) {
  const { since } = lastDays(days, timeZone, now);
  const [row] = await db
    .select({
      n: sql<number>`count(*)::int`,
      avg: sql<number | null>`avg(case when ${ratings.kind} = 'thumbs' then 1 + 4 * ${ratings.value} else ${ratings.value} end)::float8`,
    })
    .from(ratings)
    .where(and(eq(ratings.teamId, teamId), gte(ratings.createdAt, since)));
  return { count: Number(row?.n ?? 0), average: row?.avg === null || row?.avg === undefined ? null : Number(row.avg) };
}

/** Spend of one team per day for a budget's scope (member and key budgets read their own column). */
/**
 * What was spent from `since` (an instant, not a day) by the team, or by one member or key: for a
 * budget created or re-periodised in the middle of its period, which must start from what the
 * period has already spent. Reads the requests themselves (their (team, created_at) index), once.
 */
export async function spendSinceInstant(db: Db, teamId: string, since: Date, scope: { userId?: string | null; apiKeyId?: string | null } = {}) {
  const [row] = await db
    .select({ cost: sql<number>`coalesce(sum(${requests.costMicros}), 0)::bigint` })
    .from(requests)
    .where(
      and(
        eq(requests.teamId, teamId),
        gte(requests.createdAt, since),
        scope.userId ? eq(requests.userId, scope.userId) : undefined,
        scope.apiKeyId ? eq(requests.apiKeyId, scope.apiKeyId) : undefined,
      ),
    );
  return Number(row.cost);
}

export async function budgetSpendSince(db: Db, teamId: string, sinceDay: string, scope: { userId?: string | null; apiKeyId?: string | null } = {}) {
  const [row] = await db
    .select({ cost: sql<number>`coalesce(sum(${usageDaily.costMicros}), 0)::bigint` })
    .from(usageDaily)
    .where(
      and(
        eq(usageDaily.teamId, teamId),
        gte(usageDaily.day, sinceDay),
        scope.userId ? eq(usageDaily.userId, scope.userId) : undefined,
        scope.apiKeyId ? eq(usageDaily.apiKeyId, scope.apiKeyId) : undefined,
      ),
    );
  return Number(row.cost);
}

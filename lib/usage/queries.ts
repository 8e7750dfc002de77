import { and, desc, eq, gte, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { requests, usageDaily } from "@/db/schema";

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

export function dayString(d: Date): string {
  return d.toISOString().slice(0, 10);
}

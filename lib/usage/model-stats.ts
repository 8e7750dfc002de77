import { and, eq, gte, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { ratings, requests } from "@/db/schema";

export type ModelStats = {
  model: string;
  requests: number;
  errors: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  avgCostMicros: number | null;
  ratings: number;
  /** Mean rating on a 0..1 scale (thumbs up = 1, stars (n−1)/4); null without ratings. */
  avgRating: number | null;
};

/**
 * Per-model figures for one team since `since`: volume, error rate, latency percentiles and cost
 * per successful task from `requests` (index team_id, model, created_at), ratings from `ratings`.
 */
export async function modelStats(db: Db, teamId: string, since: Date): Promise<ModelStats[]> {
  const [usage, rated] = await Promise.all([
    db
      .select({
        model: requests.model,
        requests: sql<number>`count(*)::int`,
        errors: sql<number>`count(*) filter (where ${requests.status} <> 'ok')::int`,
        p50: sql<number | null>`percentile_cont(0.5) within group (order by ${requests.latencyMs}) filter (where ${requests.status} = 'ok')`,
        p95: sql<number | null>`percentile_cont(0.95) within group (order by ${requests.latencyMs}) filter (where ${requests.status} = 'ok')`,
        avgCost: sql<number | null>`avg(${requests.costMicros}) filter (where ${requests.status} = 'ok')`,
      })
      .from(requests)
      .where(and(eq(requests.teamId, teamId), gte(requests.createdAt, since), sql`${requests.model} is not null`))
      .groupBy(requests.model),
    db
      .select({
        model: ratings.model,
        n: sql<number>`count(*)::int`,
        avg: sql<number>`avg(case when ${ratings.kind} = 'thumbs' then ${ratings.value}::float else (${ratings.value} - 1) / 4.0 end)`,
      })
      .from(ratings)
      .where(eq(ratings.teamId, teamId))
      .groupBy(ratings.model),
  ]);
  const byModel = new Map(rated.map((r) => [r.model, r]));
  return usage.map((u) => {
    const r = byModel.get(u.model);
    return {
      model: u.model!,
      requests: Number(u.requests),
      errors: Number(u.errors),
      p50LatencyMs: u.p50 === null ? null : Number(u.p50),
      p95LatencyMs: u.p95 === null ? null : Number(u.p95),
      avgCostMicros: u.avgCost === null ? null : Number(u.avgCost),
      ratings: r ? Number(r.n) : 0,
      avgRating: r ? Number(r.avg) : null,
    };
  });
}

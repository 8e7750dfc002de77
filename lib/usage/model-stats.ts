import { and, eq, gte, ne, sql } from "drizzle-orm";
import { rowsOf, type Db } from "@/db";
import { ratings, requests } from "@/db/schema";
import { billedAttempts } from "@/lib/execution/record";
import { lastDays } from "./queries";

export type ModelStats = {
  model: string;
  /** Calls made to the model: those recorded under it, plus failed attempts another model then answered. */
  requests: number;
  /** Failed calls, including failed attempts before a fallback. */
  errors: number;
  /** Failed attempts a fallback rescued: another model then answered the call. */
  failedOver: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  avgCostMicros: number | null;
  ratings: number;
  /** Mean rating on a 0..1 scale (thumbs up = 1, stars (n−1)/4); null without ratings. */
  avgRating: number | null;
};

/**
 * Per-model figures for one team over the last `days` days (lastDays, as the Overview counts
 * them): volume, error rate, latency percentiles and cost per successful task (the answer's own,
 * without failed attempts billed before it) from `requests`
 * (index team_id, model, created_at), ratings given in those days from `ratings`. A call that
 * failed on A and was answered by B is one row under B; A's failure is read from the row's
 * fallbacks_tried, so that A's error rate does not hide the failures fallbacks rescued (those of
 * a call no model answered count as errors, not as rescued). A refused call (the budget's refusal
 * names the model routed to) never reached a model.
 */
export async function modelStats(db: Db, teamId: string, days: number, timeZone: string, now = new Date()): Promise<ModelStats[]> {
  const { since } = lastDays(days, timeZone, now);
  const [usage, rated, failedOver] = await Promise.all([
    db
      .select({
        model: requests.model,
        requests: sql<number>`count(*)::int`,
        errors: sql<number>`count(*) filter (where ${requests.status} <> 'ok')::int`,
        p50: sql<number | null>`percentile_cont(0.5) within group (order by ${requests.latencyMs}) filter (where ${requests.status} = 'ok')`,
        p95: sql<number | null>`percentile_cont(0.95) within group (order by ${requests.latencyMs}) filter (where ${requests.status} = 'ok')`,
        // What the answer itself cost: without the parts of failed attempts billed before it, which are theirs (as in the rollup).
        avgCost: sql<number | null>`avg(${requests.costMicros} - (select coalesce(sum((a->>'costMicros')::bigint), 0) from ${sql.raw(billedAttempts('"requests"."fallbacks_tried"'))})) filter (where ${requests.status} = 'ok')`,
      })
      .from(requests)
      .where(and(eq(requests.teamId, teamId), gte(requests.createdAt, since), sql`${requests.model} is not null`, ne(requests.status, "refused")))
      .groupBy(requests.model),
    db
      .select({
        model: ratings.model,
        n: sql<number>`count(*)::int`,
        avg: sql<number>`avg(case when ${ratings.kind} = 'thumbs' then ${ratings.value}::float else (${ratings.value} - 1) / 4.0 end)`,
      })
      .from(ratings)
      .where(and(eq(ratings.teamId, teamId), gte(ratings.createdAt, since)))
      .groupBy(ratings.model),
    // Every model tried before the last; on a failed row the last one tried is the row's own model.
    db.execute<{ model: string; n: number; rescued: number }>(sql`
      select f.v->>'model' as model, count(*)::int as n, (count(*) filter (where r.status = 'ok'))::int as rescued
      from ${requests} r, jsonb_array_elements(r.fallbacks_tried) with ordinality as f(v, i)
      where r.team_id = ${teamId} and r.created_at >= ${since.toISOString()}::timestamptz
        and jsonb_array_length(r.fallbacks_tried) > 0
        and not (r.status <> 'ok' and f.i = jsonb_array_length(r.fallbacks_tried))
      group by 1`),
  ]);
  const over = new Map(rowsOf<{ model: string; n: number; rescued: number }>(failedOver).map((r) => [r.model, { n: Number(r.n), rescued: Number(r.rescued) }]));
  const byModel = new Map(rated.map((r) => [r.model, r]));
  const stats: ModelStats[] = usage.map((u) => {
    const r = byModel.get(u.model);
    const fo = over.get(u.model!) ?? { n: 0, rescued: 0 };
    over.delete(u.model!);
    byModel.delete(u.model);
    return {
      model: u.model!,
      requests: Number(u.requests) + fo.n,
      errors: Number(u.errors) + fo.n,
      failedOver: fo.rescued,
      p50LatencyMs: u.p50 === null ? null : Number(u.p50),
      p95LatencyMs: u.p95 === null ? null : Number(u.p95),
      avgCostMicros: u.avgCost === null ? null : Number(u.avgCost),
      ratings: r ? Number(r.n) : 0,
      avgRating: r ? Number(r.avg) : null,
    };
  });
  // Models that only ever failed over, or were only rated (their calls are older), in the window still have figures.
  const idle = (model: string, fo = { n: 0, rescued: 0 }): ModelStats => {
    const r = byModel.get(model);
    byModel.delete(model);
    return { model, requests: fo.n, errors: fo.n, failedOver: fo.rescued, p50LatencyMs: null, p95LatencyMs: null, avgCostMicros: null, ratings: r ? Number(r.n) : 0, avgRating: r ? Number(r.avg) : null };
  };
  for (const [model, fo] of over) stats.push(idle(model, fo));
  for (const model of [...byModel.keys()]) if (model) stats.push(idle(model));
  return stats;
}

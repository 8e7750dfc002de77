import { and, asc, desc, eq, isNull, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db";
import { apiKeys, pipelineRuns, pipelines, ratings, requestPayloads, requests, usageDaily, users, type FailedAttempt } from "@/db/schema";
import { cursorAt, isUuid, keysetPage } from "./cursor";

export const REQUEST_STATUSES = ["ok", "error", "refused"] as const;
/** Sources a person can filter on ("seed" rows are demo data and show under "all"). */
export const REQUEST_SOURCES = ["playground", "api", "openai", "pipeline", "cli"] as const;

export type RequestFilters = {
  status?: (typeof REQUEST_STATUSES)[number];
  source?: (typeof REQUEST_SOURCES)[number];
  model?: string;
  apiKeyId?: string;
};

/** Filters from a page's query string; unknown values are dropped rather than failing the page. */
export function parseRequestFilters(sp: Record<string, string | string[] | undefined>): RequestFilters {
  const one = (k: string) => (typeof sp[k] === "string" && sp[k] ? (sp[k] as string) : undefined);
  const status = one("status");
  const source = one("source");
  const key = one("key");
  return {
    status: REQUEST_STATUSES.find((s) => s === status),
    source: REQUEST_SOURCES.find((s) => s === source),
    model: one("model")?.slice(0, 200),
    apiKeyId: isUuid(key) ? key : undefined,
  };
}

export type RequestListRow = Awaited<ReturnType<typeof listRequests>>["rows"][number];

/**
 * One page of a team's requests, newest first, by keyset on (created_at, id) — the
 * (team_id, created_at) index serves it at any depth; never OFFSET. `older`/`newer` are cursors
 * from a previous page. The model filter also matches a failed call's requested model.
 */
export async function listRequests(db: Db, teamId: string, opts: { filters?: RequestFilters; older?: string | null; newer?: string | null; limit?: number } = {}) {
  const f = opts.filters ?? {};
  const base: (SQL | undefined)[] = [
    eq(requests.teamId, teamId),
    f.status ? eq(requests.status, f.status) : undefined,
    f.source ? eq(requests.source, f.source) : undefined,
    f.model ? or(eq(requests.model, f.model), and(isNull(requests.model), eq(requests.requestedModel, f.model))) : undefined,
    f.apiKeyId ? eq(requests.apiKeyId, f.apiKeyId) : undefined,
  ];
  return keysetPage({ older: opts.older, newer: opts.newer, limit: opts.limit ?? 50 }, async (where, order, limit) =>
    db
      .select({
        id: requests.id,
        cursorAt: cursorAt(requests.createdAt),
        createdAt: requests.createdAt,
        source: requests.source,
        model: requests.model,
        requestedModel: requests.requestedModel,
        status: requests.status,
        errorKind: requests.errorKind,
        inputTokens: requests.inputTokens,
        outputTokens: requests.outputTokens,
        costMicros: requests.costMicros,
        latencyMs: requests.latencyMs,
        // Models that failed before the one the row names: on a failed row the last attempt is its own.
        fallbacks: sql<number>`greatest(jsonb_array_length(${requests.fallbacksTried}) - case when ${requests.status} = 'ok' then 0 else 1 end, 0)::int`,
        // Part of its tokens and cost are our estimate: an attempt failed after output began (FailedAttempt).
        estimated: sql<boolean>`${requests.fallbacksTried} @> '[{"estimated": true}]'::jsonb`,
        domain: requests.domain,
      })
      .from(requests)
      .where(and(...base, where?.(requests.createdAt, requests.id)))
      .orderBy(...(order === "desc" ? [desc(requests.createdAt), desc(requests.id)] : [asc(requests.createdAt), asc(requests.id)]))
      .limit(limit),
  );
}

/** What the filter drop-downs offer: the team's models (from the daily rollup) and its keys. */
export async function requestFilterOptions(db: Db, teamId: string) {
  const [modelRows, keyRows] = await Promise.all([
    db.selectDistinct({ model: usageDaily.model }).from(usageDaily).where(eq(usageDaily.teamId, teamId)).orderBy(usageDaily.model),
    db.select({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix }).from(apiKeys).where(eq(apiKeys.teamId, teamId)).orderBy(apiKeys.name),
  ]);
  return { models: modelRows.map((r) => r.model).filter(Boolean), keys: keyRows };
}

/** The part of a request's tokens and cost that is our estimate: attempts billed after failing mid-answer (FailedAttempt). */
export function estimatedPart(attempts: FailedAttempt[]) {
  const est = attempts.filter((a) => a.estimated);
  return est.length ? { costMicros: est.reduce((s, a) => s + (a.costMicros ?? 0), 0), attempts: est.length } : null;
}

/**
 * Everything recorded for one request of the team, or null when the id is unknown, malformed
 * or another team's. `viewerId`'s own rating is returned apart, for the rating controls.
 */
export async function requestDetail(db: Db, teamId: string, id: string, viewerId: string) {
  if (!isUuid(id)) return null;
  const [row] = await db
    .select({
      r: requests,
      prompt: requestPayloads.prompt,
      response: requestPayloads.response,
      userEmail: users.email,
      userName: users.name,
      keyName: apiKeys.name,
      keyPrefix: apiKeys.prefix,
      pipelineName: pipelines.name,
    })
    .from(requests)
    .leftJoin(requestPayloads, eq(requestPayloads.requestId, requests.id))
    .leftJoin(users, eq(users.id, requests.userId))
    .leftJoin(apiKeys, eq(apiKeys.id, requests.apiKeyId))
    .leftJoin(pipelineRuns, and(eq(pipelineRuns.id, requests.pipelineRunId), eq(pipelineRuns.teamId, teamId)))
    .leftJoin(pipelines, eq(pipelines.id, pipelineRuns.pipelineId))
    .where(and(eq(requests.id, id), eq(requests.teamId, teamId)));
  if (!row) return null;
  const rated = await db
    .select({ id: ratings.id, userId: ratings.userId, kind: ratings.kind, value: ratings.value, comment: ratings.comment, createdAt: ratings.createdAt, who: users.email, keyName: apiKeys.name })
    .from(ratings)
    .leftJoin(users, eq(users.id, ratings.userId))
    .leftJoin(apiKeys, eq(apiKeys.id, ratings.apiKeyId))
    .where(and(eq(ratings.requestId, id), eq(ratings.teamId, teamId)))
    .orderBy(desc(ratings.createdAt));
  const mine = rated.find((x) => x.userId === viewerId) ?? null;
  return { ...row, ratings: rated, myRating: mine ? { kind: mine.kind, value: mine.value, comment: mine.comment } : null };
}

import { and, desc, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db";
import { models, providers, ratings, requestPayloads, requests, users } from "@/db/schema";

/** The team's latest playground runs, with text and the viewer's own rating. */
export async function playgroundHistory(db: Db, teamId: string, viewerId: string, limit = 20) {
  const rows = await db
    .select({
      id: requests.id,
      createdAt: requests.createdAt,
      model: requests.model,
      status: requests.status,
      errorMessage: requests.errorMessage,
      costMicros: requests.costMicros,
      latencyMs: requests.latencyMs,
      inputTokens: requests.inputTokens,
      outputTokens: requests.outputTokens,
      prompt: requestPayloads.prompt,
      response: requestPayloads.response,
      who: users.email,
    })
    .from(requests)
    .leftJoin(requestPayloads, eq(requestPayloads.requestId, requests.id))
    .leftJoin(users, eq(users.id, requests.userId))
    .where(and(eq(requests.teamId, teamId), eq(requests.source, "playground")))
    .orderBy(desc(requests.createdAt))
    .limit(limit);
  const mine = rows.length
    ? await db
        .select({ requestId: ratings.requestId, kind: ratings.kind, value: ratings.value, comment: ratings.comment })
        .from(ratings)
        .where(and(eq(ratings.userId, viewerId), inArray(ratings.requestId, rows.map((r) => r.id))))
    : [];
  const byId = new Map(mine.map((m) => [m.requestId, m]));
  return rows.map((r) => ({ ...r, myRating: byId.get(r.id) ?? null }));
}

export async function enabledModels(db: Db) {
  return db
    .select({ name: models.name, displayName: models.displayName, provider: providers.name, local: providers.local })
    .from(models)
    .innerJoin(providers, eq(providers.id, models.providerId))
    .where(and(eq(models.enabled, true), eq(providers.enabled, true)))
    .orderBy(providers.name, models.name);
}

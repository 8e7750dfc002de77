import { and, eq, getTableColumns, inArray, ne, or, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { apiKeys, requestPayloads, ratings, requests } from "@/db/schema";
import { analyse } from "@/lib/analysis";
import { DOMAINS, type Domain, type QualityRequirement } from "@/lib/analysis/types";
import { applyRating, ratingOutcome, type LearningSnapshot, type Rating } from "@/lib/learning";
import { updateSnapshot } from "@/lib/learning/store";
import { NotFoundError, UserError } from "@/lib/errors";

/** A stored rating (kind, value) as the learner reads it. */
export function learnerRating(kind: "thumbs" | "stars", value: number): Rating {
  return kind === "thumbs" ? { kind: "thumbs", up: value === 1 } : { kind: "stars", stars: value as 1 | 2 | 3 | 4 | 5 };
}

export type RatingInput = { kind: "thumbs"; value: 0 | 1 } | { kind: "stars"; value: 1 | 2 | 3 | 4 | 5 };

/**
 * Records a rating of one request of the team, by a person (`userId`) or an API key (`apiKeyId`),
 * and feeds it to the team's learned quality for (domain, model). Rating the same request again
 * replaces the rater's earlier rating in the table, but only a person's first rating of a request
 * — their own, or through any key they created — teaches the learner (`learned`): its updates
 * cannot be taken back, and one person rating an answer over and over (or with many keys) would
 * otherwise steer the router alone.
 */
export async function rateRequest(
  db: Db,
  input: { teamId: string; requestId: string; userId: string | null; apiKeyId?: string | null; rating: RatingInput; comment?: string | null },
) {
  const [req] = await db
    .select({ id: requests.id, model: requests.model, domain: requests.domain, status: requests.status, profile: requests.taskProfile })
    .from(requests)
    .where(and(eq(requests.id, input.requestId), eq(requests.teamId, input.teamId)));
  if (!req) throw new NotFoundError(`No request ${input.requestId} in this team.`);
  if (req.status !== "ok" || !req.model) throw new UserError("Only completed requests can be rated; this one failed or was refused.");
  const domain: Domain = DOMAINS.includes(req.domain as Domain) ? (req.domain as Domain) : "chat";
  const values = { requestId: req.id, teamId: input.teamId, userId: input.userId, apiKeyId: input.apiKeyId ?? null, kind: input.rating.kind, value: input.rating.value, comment: input.comment ?? null, domain, model: req.model };
  const [row] = await db
    .insert(ratings)
    .values(values)
    .onConflictDoUpdate({ target: [ratings.requestId, ratings.userId, ratings.apiKeyId], set: { kind: values.kind, value: values.value, comment: values.comment, createdAt: new Date() } })
    // xmax is 0 for a row this statement inserted, and set for one it updated.
    .returning({ ...getTableColumns(ratings), learned: sql<boolean>`(xmax = 0)` });
  const rating = learnerRating(input.rating.kind, input.rating.value);
  // One person teaches once per answer, however many keys they rate it with: the person behind a
  // key is whoever created it.
  if (row.learned) row.learned = !(await ratedBefore(db, row));
  if (row.learned) {
    const [payload] = await db.select({ prompt: requestPayloads.prompt }).from(requestPayloads).where(eq(requestPayloads.requestId, req.id));
    await learnRating(db, input.teamId, { domain, model: req.model, rating, prompt: payload?.prompt });
  }
  // For callers that judge the choice by this rating: the rating as 0..1, and the request's quality requirement.
  const qualityRequirement = (req.profile as { quality?: { requirement?: QualityRequirement } } | null)?.quality?.requirement ?? "normal";
  return { ...row, score: ratingOutcome(rating).y, qualityRequirement };
}

/** Has the person behind this rating (the user, or the key's creator) already rated the request another way? */
async function ratedBefore(db: Db, r: { id: string; requestId: string; userId: string | null; apiKeyId: string | null }): Promise<boolean> {
  let person = r.userId;
  if (!person && r.apiKeyId) [{ person } = { person: null }] = await db.select({ person: apiKeys.createdBy }).from(apiKeys).where(eq(apiKeys.id, r.apiKeyId));
  if (!person) return false;
  const [hit] = await db
    .select({ id: ratings.id })
    .from(ratings)
    .where(
      and(
        eq(ratings.requestId, r.requestId),
        ne(ratings.id, r.id),
        or(eq(ratings.userId, person), inArray(ratings.apiKeyId, db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.createdBy, person)))),
      ),
    )
    .limit(1);
  return hit !== undefined;
}

/**
 * Feeds one rating of (domain, model) to the team's learner. Its text model needs the task's
 * features, recomputed from the prompt when there is one.
 */
export async function learnRating(db: Db, teamId: string, r: { domain: Domain; model: string; rating: Rating; prompt?: string }) {
  const vector = r.prompt !== undefined ? analyse({ task: r.prompt }).vector : undefined;
  await updateSnapshot(db, teamId, (s) => applyRating(s, { domain: r.domain, model: r.model, rating: r.rating, vector }));
}

/**
 * Replaces the team's learned quality with `snapshot` (a warm start from an outcomes file), then
 * applies the team's own ratings on top, one per request and rater as the ratings table holds
 * them: a warm start adds outside evidence, it does not throw away what the team's people said.
 * (Automatic signals — errors, fallbacks, judge grades — are not kept: they are not stored
 * apart from the snapshot.) Returns how many ratings were applied again.
 */
export async function warmStartTeam(db: Db, teamId: string, snapshot: LearningSnapshot): Promise<{ ratingsKept: number }> {
  const rows = await db
    .select({ domain: ratings.domain, model: ratings.model, kind: ratings.kind, value: ratings.value, prompt: requestPayloads.prompt })
    .from(ratings)
    .leftJoin(requestPayloads, eq(requestPayloads.requestId, ratings.requestId))
    .where(eq(ratings.teamId, teamId))
    .orderBy(ratings.createdAt);
  let kept = 0;
  await updateSnapshot(db, teamId, () => {
    const s = structuredClone(snapshot);
    for (const r of rows) {
      if (!r.model) continue;
      const domain: Domain = DOMAINS.includes(r.domain as Domain) ? (r.domain as Domain) : "chat";
      applyRating(s, { domain, model: r.model, rating: learnerRating(r.kind, r.value), vector: r.prompt ? analyse({ task: r.prompt }).vector : undefined }, { mutate: true });
      kept++;
    }
    return s;
  });
  return { ratingsKept: kept };
}

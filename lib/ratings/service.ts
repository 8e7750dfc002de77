import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { requestPayloads, ratings, requests } from "@/db/schema";
import { analyse } from "@/lib/analysis";
import { DOMAINS, type Domain } from "@/lib/analysis/types";
import { applyRating, type Rating } from "@/lib/learning";
import { updateSnapshot } from "@/lib/learning/store";
import { NotFoundError, UserError } from "@/lib/errors";

export type RatingInput = { kind: "thumbs"; value: 0 | 1 } | { kind: "stars"; value: 1 | 2 | 3 | 4 | 5 };

/**
 * Records a person's rating of one request of their team and feeds it to the team's learned
 * quality for (domain, model). Rating the same request again replaces the earlier rating in the
 * table; the learner counts each rating event once.
 */
export async function rateRequest(db: Db, input: { teamId: string; requestId: string; userId: string | null; rating: RatingInput; comment?: string | null }) {
  const [req] = await db
    .select({ id: requests.id, model: requests.model, domain: requests.domain, status: requests.status })
    .from(requests)
    .where(and(eq(requests.id, input.requestId), eq(requests.teamId, input.teamId)));
  if (!req) throw new NotFoundError(`No request ${input.requestId} in this team.`);
  if (req.status !== "ok" || !req.model) throw new UserError("Only completed requests can be rated; this one failed or was refused.");
  const domain: Domain = DOMAINS.includes(req.domain as Domain) ? (req.domain as Domain) : "chat";
  const values = { requestId: req.id, teamId: input.teamId, userId: input.userId, kind: input.rating.kind, value: input.rating.value, comment: input.comment ?? null, domain, model: req.model };
  const [row] = await db
    .insert(ratings)
    .values(values)
    .onConflictDoUpdate({ target: [ratings.requestId, ratings.userId], set: { kind: values.kind, value: values.value, comment: values.comment, createdAt: new Date() } })
    .returning();
  // The learner's text model needs the task's features; they are recomputed from the stored prompt.
  const [payload] = await db.select({ prompt: requestPayloads.prompt }).from(requestPayloads).where(eq(requestPayloads.requestId, req.id));
  const vector = payload ? analyse({ task: payload.prompt }).vector : undefined;
  const rating: Rating = input.rating.kind === "thumbs" ? { kind: "thumbs", up: input.rating.value === 1 } : { kind: "stars", stars: input.rating.value };
  await updateSnapshot(db, input.teamId, (s) => applyRating(s, { domain, model: req.model!, rating, vector }));
  return row;
}

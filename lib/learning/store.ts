import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { learningState } from "@/db/schema";
import { emptySnapshot, type LearningSnapshot } from "./snapshot";

type G = { __mcLearning?: Map<string, { snap: LearningSnapshot; at: number }> };
const g = globalThis as G;
const TTL_MS = 10_000;

/** A team's learned quality snapshot, cached in memory briefly (routing reads it on every call). */
export async function loadSnapshot(db: Db, teamId: string): Promise<LearningSnapshot> {
  const cache = (g.__mcLearning ??= new Map());
  const hit = cache.get(teamId);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.snap;
  const [row] = await db.select().from(learningState).where(eq(learningState.teamId, teamId));
  const snap = row ? (row.snapshot as unknown as LearningSnapshot) : emptySnapshot();
  cache.set(teamId, { snap, at: Date.now() });
  return snap;
}

/**
 * Applies `update` to the stored snapshot under a row lock, so concurrent ratings from several
 * processes each land exactly once.
 */
export async function updateSnapshot(db: Db, teamId: string, update: (s: LearningSnapshot) => LearningSnapshot): Promise<LearningSnapshot> {
  const next = await db.transaction(async (tx) => {
    await tx.insert(learningState).values({ teamId, snapshot: emptySnapshot() as unknown as Record<string, unknown> }).onConflictDoNothing();
    const [row] = await tx.select().from(learningState).where(eq(learningState.teamId, teamId)).for("update");
    const snap = update(row.snapshot as unknown as LearningSnapshot);
    await tx
      .update(learningState)
      .set({ snapshot: snap as unknown as Record<string, unknown>, version: sql`${learningState.version} + 1`, updatedAt: new Date() })
      .where(eq(learningState.teamId, teamId));
    return snap;
  });
  (g.__mcLearning ??= new Map()).set(teamId, { snap: next, at: Date.now() });
  return next;
}

import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { learningState } from "@/db/schema";
import { ttlCache } from "@/db/cache";
import { emptySnapshot, type LearningSnapshot } from "./snapshot";

const TTL_MS = 10_000;
const cache = ttlCache<LearningSnapshot>("__mcLearning", () => TTL_MS);

/** A team's learned quality snapshot, cached in memory briefly (routing reads it on every call). */
export function loadSnapshot(db: Db, teamId: string): Promise<LearningSnapshot> {
  return cache.get(teamId, async () => {
    const [row] = await db.select().from(learningState).where(eq(learningState.teamId, teamId));
    return row ? (row.snapshot as unknown as LearningSnapshot) : emptySnapshot();
  });
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
  cache.set(teamId, next);
  return next;
}

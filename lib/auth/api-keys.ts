import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db";
import { apiKeys } from "@/db/schema";
import { randomToken, sha256 } from "@/lib/crypto/secrets";

export const API_KEY_PREFIX = "mc_";

/** Creates a team API key. The full key is returned once; only its SHA-256 is stored. */
export async function createApiKey(
  db: Db,
  input: { teamId: string; name: string; createdBy?: string | null; modelAllowList?: string[]; requestsPerMinute?: number | null; tokensPerMinute?: number | null },
) {
  const key = `${API_KEY_PREFIX}${randomToken(32)}`;
  const [row] = await db
    .insert(apiKeys)
    .values({
      teamId: input.teamId,
      name: input.name,
      prefix: key.slice(0, 10),
      keyHash: sha256(key),
      createdBy: input.createdBy ?? null,
      modelAllowList: input.modelAllowList ?? [],
      requestsPerMinute: input.requestsPerMinute ?? null,
      tokensPerMinute: input.tokensPerMinute ?? null,
    })
    .returning();
  return { key, row };
}

/** Looks up an active key by its full text; null for unknown or revoked keys. */
export async function findActiveKey(db: Db, key: string) {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const [row] = await db.select().from(apiKeys).where(and(eq(apiKeys.keyHash, sha256(key)), isNull(apiKeys.revokedAt))).limit(1);
  return row ?? null;
}

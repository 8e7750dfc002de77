import { and, eq, inArray, isNull } from "drizzle-orm";
import { inTransaction, type Db } from "@/db";
import { apiKeys, budgets } from "@/db/schema";
import { randomToken, sha256 } from "@/lib/crypto/secrets";

export const API_KEY_PREFIX = "mc_";

/** Creates a team API key. The full key is returned once; only its SHA-256 is stored. */
export async function createApiKey(
  db: Db,
  input: { teamId: string; name: string; createdBy?: string | null; modelAllowList?: string[]; requestsPerMinute?: number | null; tokensPerMinute?: number | null; lineageId?: string | null },
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
      lineageId: input.lineageId ?? null,
    })
    .returning();
  forgetApiKey();
  return { key, row };
}

/** Looks up an active key by its full text; null for unknown or revoked keys. */
export async function findActiveKey(db: Db, key: string) {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const [row] = await db.select().from(apiKeys).where(and(eq(apiKeys.keyHash, sha256(key)), isNull(apiKeys.revokedAt))).limit(1);
  return row ?? null;
}

/** What the data plane needs to know about a key, cached in memory (no secret in it). */
export type ApiKeyAuth = {
  id: string;
  teamId: string;
  name: string;
  createdBy: string | null;
  modelAllowList: string[];
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  /** What its rate limits count under: the first key of its rotation chain, so a rotation does not reset them. */
  limitId: string;
};

/** A key's `limitId`: the first key of its rotation chain (a key never rotated is its own). */
export const limitIdOf = (row: { id: string; lineageId: string | null }): string => row.lineageId ?? row.id;

type CacheEntry = { key: ApiKeyAuth | null; expires: number };
type KeyState = { cache: Map<string, CacheEntry>; used: Set<string>; timer: NodeJS.Timeout | null; db: Db | null };
const gk = globalThis as { __mcApiKeys?: KeyState };
const keyState = (): KeyState => (gk.__mcApiKeys ??= { cache: new Map(), used: new Set(), timer: null, db: null });

/** How long a key stays trusted in memory; a revocation made in another process takes effect within it. */
export const KEY_CACHE_TTL_MS = 10_000;
/** Unknown keys are remembered briefly too, so a flood of bad keys costs no query each. */
const MISS_TTL_MS = 2_000;
const MAX_CACHED = 50_000;
const LAST_USED_FLUSH_MS = 5_000;

/**
 * Resolves a presented key for the data plane: SHA-256, then an in-memory cache of hashes that
 * expires, then the database. Revoking or rotating in this process evicts at once (`forgetApiKey`).
 */
export async function authenticateApiKey(db: Db, presented: string): Promise<ApiKeyAuth | null> {
  if (!presented.startsWith(API_KEY_PREFIX) || presented.length > 200) return null;
  const hash = sha256(presented);
  const s = keyState();
  const now = Date.now();
  const hit = s.cache.get(hash);
  if (hit && hit.expires > now) return hit.key;
  const [row] = await db.select().from(apiKeys).where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt))).limit(1);
  const key: ApiKeyAuth | null = row
    ? { id: row.id, teamId: row.teamId, name: row.name, createdBy: row.createdBy, modelAllowList: row.modelAllowList, requestsPerMinute: row.requestsPerMinute, tokensPerMinute: row.tokensPerMinute, limitId: limitIdOf(row) }
    : null;
  if (s.cache.size >= MAX_CACHED) s.cache.clear();
  s.cache.set(hash, { key, expires: now + (key ? KEY_CACHE_TTL_MS : MISS_TTL_MS) });
  return key;
}

/** Evicts a key (by id) from this process's cache, and forgets cached misses so a new key works at once. */
export function forgetApiKey(id?: string) {
  const s = keyState();
  for (const [h, e] of s.cache) if (!e.key || e.key.id === id) s.cache.delete(h);
}

/**
 * Notes that a key was used. `last_used_at` is written for all keys used in the last few seconds
 * with one UPDATE, not one per request.
 */
export function touchApiKey(db: Db, id: string) {
  const s = keyState();
  s.used.add(id);
  s.db = db;
  if (!s.timer) {
    s.timer = setTimeout(() => void flushLastUsed(), LAST_USED_FLUSH_MS);
    s.timer.unref?.();
  }
}

export async function flushLastUsed() {
  const s = keyState();
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
  if (!s.db || !s.used.size) return;
  const ids = [...s.used];
  s.used.clear();
  try {
    await s.db.update(apiKeys).set({ lastUsedAt: new Date() }).where(inArray(apiKeys.id, ids));
  } catch (e) {
    console.error("[api-keys] could not record last use", e);
  }
}

/** Revokes a key of a team; returns the row, or null when there is no such active key. */
export async function revokeApiKey(db: Db, input: { teamId: string; keyId: string }) {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, input.keyId), eq(apiKeys.teamId, input.teamId), isNull(apiKeys.revokedAt)))
    .returning();
  forgetApiKey(input.keyId);
  return row ?? null;
}

/**
 * Replaces a key with a new secret carrying the same name, limits and allow-list, and revokes the
 * old one, in one transaction. The per-key budget moves to the new key; the rate limits go on
 * counting what the old key used this minute (the keys share a lineage).
 */
export async function rotateApiKey(db: Db, input: { teamId: string; keyId: string; createdBy?: string | null }) {
  const out = await inTransaction(db, async (t) => {
    const [old] = await t
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, input.keyId), eq(apiKeys.teamId, input.teamId), isNull(apiKeys.revokedAt)))
      .returning();
    if (!old) return null;
    const created = await createApiKey(t, {
      teamId: old.teamId,
      name: old.name,
      createdBy: input.createdBy ?? old.createdBy,
      modelAllowList: old.modelAllowList,
      requestsPerMinute: old.requestsPerMinute,
      tokensPerMinute: old.tokensPerMinute,
      lineageId: limitIdOf(old), // the chain's first key, which its rate limits count under
    });
    await t.update(budgets).set({ apiKeyId: created.row.id, updatedAt: new Date() }).where(and(eq(budgets.teamId, old.teamId), eq(budgets.apiKeyId, old.id)));
    return { ...created, old };
  });
  forgetApiKey(input.keyId);
  return out;
}

import { and, desc, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { apiKeys, budgets } from "@/db/schema";
import { defaultTeamLimits, ownTeamLimits, type TeamLimits } from "@/lib/ratelimit";

export type KeyListItem = {
  id: string;
  name: string;
  prefix: string;
  modelAllowList: string[];
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  budget: { limitMicros: number; spentMicros: number } | null;
};

/** The team's keys, newest first, with their key-scoped budget; dates as ISO strings for the client. */
export async function listTeamKeys(db: Db, teamId: string): Promise<KeyListItem[]> {
  const rows = await db
    .select({ k: apiKeys, limitMicros: budgets.limitMicros, spentMicros: budgets.spentMicros })
    .from(apiKeys)
    .leftJoin(budgets, and(eq(budgets.apiKeyId, apiKeys.id), eq(budgets.scope, "key")))
    .where(eq(apiKeys.teamId, teamId))
    .orderBy(desc(apiKeys.createdAt));
  return rows.map(({ k, limitMicros, spentMicros }) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    modelAllowList: k.modelAllowList,
    requestsPerMinute: k.requestsPerMinute,
    tokensPerMinute: k.tokensPerMinute,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    budget: limitMicros === null ? null : { limitMicros: Number(limitMicros), spentMicros: Number(spentMicros ?? 0) },
  }));
}

/** The team's own API rate limits (null = not set) and the installation defaults that apply then. */
export async function teamLimitSettings(db: Db, teamId: string): Promise<{ current: TeamLimits; defaults: TeamLimits }> {
  return { current: await ownTeamLimits(db, teamId), defaults: defaultTeamLimits() };
}

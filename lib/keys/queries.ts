import { desc, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { apiKeys } from "@/db/schema";
import { perPeriod } from "@/lib/budgets/period";
import { listBudgets } from "@/lib/budgets/service";
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
  /** The key's own budgets, each with its spend in its current period ("day", "week", "month", "10 days"). */
  budgets: { id: string; name: string; limitMicros: number; spentMicros: number; per: string }[];
};

/** The team's keys, newest first, with their key-scoped budgets as the Budgets page reads them; dates as ISO strings for the client. */
export async function listTeamKeys(db: Db, teamId: string): Promise<KeyListItem[]> {
  const [rows, teamBudgets] = await Promise.all([db.select().from(apiKeys).where(eq(apiKeys.teamId, teamId)).orderBy(desc(apiKeys.createdAt)), listBudgets(db, teamId)]);
  return rows.map((k) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    modelAllowList: k.modelAllowList,
    requestsPerMinute: k.requestsPerMinute,
    tokensPerMinute: k.tokensPerMinute,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    budgets: teamBudgets
      .filter((b) => b.scope === "key" && b.apiKeyId === k.id)
      .map((b) => ({ id: b.id, name: b.name, limitMicros: b.limitMicros, spentMicros: b.spentMicros, per: perPeriod(b) })),
  }));
}

/** The team's own API rate limits (null = not set) and the installation defaults that apply then. */
export async function teamLimitSettings(db: Db, teamId: string): Promise<{ current: TeamLimits; defaults: TeamLimits }> {
  return { current: await ownTeamLimits(db, teamId), defaults: defaultTeamLimits() };
}

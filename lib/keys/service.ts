import { eq } from "drizzle-orm";
import { inTransaction, type Db } from "@/db";
import { budgets, teams } from "@/db/schema";
import { createApiKey, forgetApiKey, revokeApiKey, rotateApiKey } from "@/lib/auth/api-keys";
import { lockMembership } from "@/lib/auth/session";
import { invalidateBudgets } from "@/lib/budgets";
import { startOfPeriod } from "@/lib/budgets/period";
import { loadFleet } from "@/lib/execution/fleet";
import { NotFoundError, UserError } from "@/lib/errors";
import { audit } from "@/lib/teams/service";
import type { z } from "zod";
import { invalidateTeamLimits } from "@/lib/ratelimit";
import type { createKeySchema, teamLimitsSchema } from "./schemas";

type Actor = { teamId: string; actorUserId: string | null };

/** Holds the acting member's membership while a key is written in their name (lib/auth `lockMembership`). */
async function lockKeyWriter(t: Db, actor: Actor, doing: string) {
  if (!actor.actorUserId) return; // the CLI's keys have no creator, and no membership to outlive
  await lockMembership(t, { teamId: actor.teamId, userId: actor.actorUserId, scope: "keys:write", refused: `the key was not ${doing}` });
}

/**
 * Creates a team API key with its optional limits, allow-list and monthly budget (a `key`-scoped
 * budget row), in one transaction. Returns the full key once; only its hash is kept.
 */
export async function createTeamKey(db: Db, input: z.infer<typeof createKeySchema> & Actor) {
  if (input.modelAllowList.length) {
    const fleet = await loadFleet(db);
    const unknown = input.modelAllowList.filter((m) => !fleet.byName.has(m));
    if (unknown.length) throw new UserError(`Unknown model${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}. Use names from Admin → Models.`, { modelAllowList: [`Unknown: ${unknown.join(", ")}`] });
  }
  const out = await inTransaction(db, async (t) => {
    await lockKeyWriter(t, input, "created");
    const created = await createApiKey(t, {
      teamId: input.teamId,
      name: input.name,
      createdBy: input.actorUserId,
      modelAllowList: input.modelAllowList,
      requestsPerMinute: input.requestsPerMinute ?? null,
      tokensPerMinute: input.tokensPerMinute ?? null,
    });
    if (input.monthlyBudgetUsd !== undefined) {
      const [team] = await t.select({ timezone: teams.timezone }).from(teams).where(eq(teams.id, input.teamId));
      await t.insert(budgets).values({
        teamId: input.teamId,
        scope: "key",
        apiKeyId: created.row.id,
        name: `API key ${input.name}`,
        limitMicros: Math.round(input.monthlyBudgetUsd * 1e6),
        period: "monthly",
        hardStop: true,
        periodStart: startOfPeriod("monthly", new Date(), team?.timezone ?? "UTC"),
      });
    }
    await audit(t, { teamId: input.teamId, actorUserId: input.actorUserId, action: "key.create", target: input.name, details: { prefix: created.row.prefix, budgetUsd: input.monthlyBudgetUsd ?? null } });
    return created;
  });
  invalidateBudgets(input.teamId);
  return { key: out.key, id: out.row.id, name: out.row.name, prefix: out.row.prefix };
}

export async function revokeTeamKey(db: Db, input: Actor & { keyId: string }) {
  const row = await inTransaction(db, async (t) => {
    const row = await revokeApiKey(t, { teamId: input.teamId, keyId: input.keyId });
    if (!row) throw new NotFoundError("No active key with that id in this team; it may already be revoked.");
    await audit(t, { teamId: input.teamId, actorUserId: input.actorUserId, action: "key.revoke", target: row.name, details: { prefix: row.prefix } });
    return row;
  });
  forgetApiKey(input.keyId); // after the commit: a lookup in between would have cached it as active
  return { id: row.id, name: row.name };
}

export async function rotateTeamKey(db: Db, input: Actor & { keyId: string }) {
  const out = await inTransaction(db, async (t) => {
    await lockKeyWriter(t, input, "rotated");
    const out = await rotateApiKey(t, { teamId: input.teamId, keyId: input.keyId, createdBy: input.actorUserId });
    if (!out) throw new NotFoundError("No active key with that id in this team; it may already be revoked.");
    await audit(t, { teamId: input.teamId, actorUserId: input.actorUserId, action: "key.rotate", target: out.row.name, details: { oldPrefix: out.old.prefix, prefix: out.row.prefix } });
    return out;
  });
  forgetApiKey(input.keyId);
  invalidateBudgets(input.teamId);
  return { key: out.key, id: out.row.id, name: out.row.name, prefix: out.row.prefix };
}

/** Sets (or with empty values clears) the team-wide API rate limits; applies to every key at once. */
export async function setTeamLimits(db: Db, input: z.infer<typeof teamLimitsSchema> & Actor) {
  const rpm = input.requestsPerMinute ?? null;
  const tpm = input.tokensPerMinute ?? null;
  await inTransaction(db, async (t) => {
    await t.update(teams).set({ requestsPerMinute: rpm, tokensPerMinute: tpm }).where(eq(teams.id, input.teamId));
    await audit(t, { teamId: input.teamId, actorUserId: input.actorUserId, action: "team.rate_limits", details: { requestsPerMinute: rpm, tokensPerMinute: tpm } });
  });
  invalidateTeamLimits(input.teamId);
  return { requestsPerMinute: rpm, tokensPerMinute: tpm };
}

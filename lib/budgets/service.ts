import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { apiKeys, budgetAlerts, budgets, memberships, teams, users, type Budget } from "@/db/schema";
import { encryptSecret } from "@/lib/crypto/secrets";
import { NotFoundError, UserError } from "@/lib/errors";
import { budgetSpendSince, spendSinceInstant } from "@/lib/usage/queries";
import { forecastBudget, type Forecast } from "./forecast";
import { invalidateBudgets, rollPeriod } from "./index";
import { currentPeriodEnd, currentPeriodStart, periodEnd, transitionEnd, type Period } from "./period";
import { budgetInputErrors, type BudgetInput } from "./schemas";

/** The team's time zone (teams.timezone). */
export async function teamZone(db: Db, teamId: string) {
  const [t] = await db.select({ tz: teams.timezone }).from(teams).where(eq(teams.id, teamId));
  return t?.tz ?? "UTC";
}

async function checkTarget(db: Db, teamId: string, input: BudgetInput) {
  const errors = budgetInputErrors(input);
  if (errors) throw new UserError(Object.values(errors)[0][0], errors);
  if (input.scope === "member") {
    const [m] = await db.select().from(memberships).where(and(eq(memberships.teamId, teamId), eq(memberships.userId, input.userId!)));
    if (!m) throw new UserError("That person is not a member of this team.", { userId: ["Choose a member of this team."] });
  }
  if (input.scope === "key") {
    const [k] = await db.select().from(apiKeys).where(and(eq(apiKeys.teamId, teamId), eq(apiKeys.id, input.apiKeyId!)));
    if (!k) throw new UserError("That API key does not belong to this team.", { apiKeyId: ["Choose a key of this team."] });
  }
}

function values(input: BudgetInput) {
  return {
    name: input.name,
    scope: input.scope,
    userId: input.scope === "member" ? input.userId : null,
    apiKeyId: input.scope === "key" ? input.apiKeyId : null,
    limitMicros: Math.round(input.limitUsd * 1_000_000),
    period: input.period,
    customDays: input.period === "custom" ? (input.customDays ?? null) : null,
    hardStop: input.hardStop,
    thresholds: [...new Set(input.thresholds)].sort((a, b) => a - b),
    webhookUrl: input.webhookUrl,
  };
}

const spec = (b: Pick<Budget, "period" | "customDays" | "periodStart" | "periodEndsAt">) => ({ period: b.period as Period, customDays: b.customDays, periodStart: b.periodStart, periodEndsAt: b.periodEndsAt });

/**
 * Before a team's zone changes from `oldZone` to `newZone`: each budget's current period keeps its
 * start and spend and ends at the new zone's boundary nearest its old end (transitionEnd), so
 * nothing resets early and nothing is counted twice. A period already over in the old zone is left
 * to roll as usual, in the new zone. Returns how many current periods now end at another moment.
 */
export async function moveBudgetPeriodsToZone(db: Db, teamId: string, oldZone: string, newZone: string, now = new Date()) {
  let moved = 0;
  await db.transaction(async (tx) => {
    const rows = await tx.select().from(budgets).where(eq(budgets.teamId, teamId)).orderBy(budgets.id).for("no key update");
    for (const b of rows) {
      if (currentPeriodStart(spec(b), now, oldZone).getTime() !== b.periodStart.getTime()) continue;
      const oldEnd = currentPeriodEnd(spec(b), b.periodStart, oldZone);
      const end = transitionEnd(spec(b), now, oldZone, newZone);
      // Kept only where the new zone's usual end of this period differs (then it says when it ends).
      const periodEndsAt = end.getTime() === periodEnd(spec(b), b.periodStart, newZone).getTime() ? null : end;
      if ((periodEndsAt?.getTime() ?? null) !== (b.periodEndsAt?.getTime() ?? null)) await tx.update(budgets).set({ periodEndsAt, updatedAt: now }).where(eq(budgets.id, b.id));
      if (end.getTime() !== oldEnd.getTime()) moved++;
    }
  });
  invalidateBudgets(teamId);
  return moved;
}

export async function createBudget(db: Db, teamId: string, input: BudgetInput) {
  await checkTarget(db, teamId, input);
  const tz = await teamZone(db, teamId);
  const v = values(input);
  const start = currentPeriodStart({ period: v.period as Period, customDays: v.customDays, periodStart: new Date(0) }, new Date(), tz);
  // A calendar period already under way starts from what it has spent (a custom one starts now).
  const spentMicros = v.period === "custom" ? 0 : await spendSinceInstant(db, teamId, start, v);
  const [row] = await db
    .insert(budgets)
    .values({ teamId, ...v, spentMicros, periodStart: v.period === "custom" ? new Date() : start, webhookSecretEncrypted: input.webhookSecret ? encryptSecret(input.webhookSecret) : null })
    .returning({ id: budgets.id });
  invalidateBudgets(teamId);
  return row;
}

/**
 * Edits keep spend and the period unless the period kind changes (then the new period starts now,
 * from what it has spent) or the budget now limits someone else (then it counts what they spent
 * this period, not what the old target did).
 */
export async function updateBudget(db: Db, teamId: string, budgetId: string, input: BudgetInput) {
  await checkTarget(db, teamId, input);
  const [old] = await db.select().from(budgets).where(and(eq(budgets.id, budgetId), eq(budgets.teamId, teamId)));
  if (!old) throw new NotFoundError("That budget does not exist (any more).");
  const v = values(input);
  const periodChanged = old.period !== v.period || old.customDays !== v.customDays;
  const tz = await teamZone(db, teamId);
  const start = periodChanged ? (v.period === "custom" ? new Date() : currentPeriodStart({ period: v.period as Period, customDays: v.customDays, periodStart: new Date(0) }, new Date(), tz)) : null;
  const targetChanged = old.scope !== v.scope || old.userId !== v.userId || old.apiKeyId !== v.apiKeyId;
  const spentMicros = start ? (v.period === "custom" ? 0 : await spendSinceInstant(db, teamId, start, v)) : targetChanged ? await spendSinceInstant(db, teamId, old.periodStart, v) : undefined;
  // A new limit's thresholds fire when spend crosses them from now on, not for what is already spent
  // (a new period starts with none fired). Read in the UPDATE itself: settlements may land meanwhile.
  const limitSetSpentMicros = start ? 0 : old.limitMicros === v.limitMicros ? undefined : (spentMicros ?? sql<number>`${budgets.spentMicros}`);
  await db
    .update(budgets)
    .set({
      ...v,
      ...(start ? { periodStart: start, periodEndsAt: null } : {}),
      ...(spentMicros !== undefined ? { spentMicros } : {}),
      ...(limitSetSpentMicros !== undefined ? { limitSetSpentMicros } : {}),
      ...(input.webhookSecret ? { webhookSecretEncrypted: encryptSecret(input.webhookSecret) } : {}),
      ...(!v.webhookUrl ? { webhookSecretEncrypted: null } : {}),
      updatedAt: new Date(),
    })
    .where(and(eq(budgets.id, budgetId), eq(budgets.teamId, teamId)));
  invalidateBudgets(teamId);
}

export async function deleteBudget(db: Db, teamId: string, budgetId: string) {
  const gone = await db.delete(budgets).where(and(eq(budgets.id, budgetId), eq(budgets.teamId, teamId))).returning({ id: budgets.id });
  if (!gone.length) throw new NotFoundError("That budget does not exist (any more).");
  invalidateBudgets(teamId);
}

export type BudgetView = Omit<Budget, "webhookSecretEncrypted"> & {
  hasWebhookSecret: boolean;
  periodEnd: Date;
  forecast: Forecast;
  targetLabel: string | null;
};

/** The team's budgets for the pages: periods rolled first, with forecasts from the rollup. */
export async function listBudgets(db: Db, teamId: string, now = new Date()): Promise<BudgetView[]> {
  let rows = await db.select().from(budgets).where(eq(budgets.teamId, teamId)).orderBy(budgets.createdAt);
  const tz = await teamZone(db, teamId);
  const due = rows.filter((b) => currentPeriodEnd(spec(b), b.periodStart, tz).getTime() <= now.getTime());
  if (due.length) {
    for (const b of due) await rollPeriod(db, b.id, now);
    rows = await db.select().from(budgets).where(eq(budgets.teamId, teamId)).orderBy(budgets.createdAt);
  }
  const userIds = rows.map((b) => b.userId).filter((x): x is string => !!x);
  const keyIds = rows.map((b) => b.apiKeyId).filter((x): x is string => !!x);
  const [us, ks] = await Promise.all([
    userIds.length ? db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, userIds)) : [],
    keyIds.length ? db.select({ id: apiKeys.id, name: apiKeys.name }).from(apiKeys).where(inArray(apiKeys.id, keyIds)) : [],
  ]);
  const label = new Map<string, string>([...us.map((u) => [u.id, u.email] as const), ...ks.map((k) => [k.id, `key ${k.name}`] as const)]);
  return rows.map(({ webhookSecretEncrypted, ...b }) => {
    const end = currentPeriodEnd(spec(b), b.periodStart, tz);
    return {
      ...b,
      hasWebhookSecret: !!webhookSecretEncrypted,
      periodEnd: end,
      forecast: forecastBudget({ spentMicros: b.spentMicros, limitMicros: b.limitMicros, periodStart: b.periodStart, periodEnd: end, now }),
      targetLabel: b.userId ? (label.get(b.userId) ?? null) : b.apiKeyId ? (label.get(b.apiKeyId) ?? null) : null,
    };
  });
}

export async function alertHistory(db: Db, teamId: string, limit = 50) {
  return db
    .select({ id: budgetAlerts.id, budget: budgets.name, threshold: budgetAlerts.threshold, spentMicros: budgetAlerts.spentMicros, limitMicros: budgetAlerts.limitMicros, periodStart: budgetAlerts.periodStart, createdAt: budgetAlerts.createdAt, webhookStatus: budgetAlerts.webhookStatus, webhookAttempts: budgetAlerts.webhookAttempts })
    .from(budgetAlerts)
    .innerJoin(budgets, eq(budgets.id, budgetAlerts.budgetId))
    .where(eq(budgetAlerts.teamId, teamId))
    .orderBy(desc(budgetAlerts.createdAt))
    .limit(limit);
}

/** Members and keys a budget can target (for the form). */
export async function budgetTargets(db: Db, teamId: string) {
  const [members, keys] = await Promise.all([
    db.select({ id: users.id, label: users.email }).from(memberships).innerJoin(users, eq(users.id, memberships.userId)).where(eq(memberships.teamId, teamId)),
    db.select({ id: apiKeys.id, label: apiKeys.name }).from(apiKeys).where(eq(apiKeys.teamId, teamId)),
  ]);
  return { members, keys };
}

export { budgetSpendSince };

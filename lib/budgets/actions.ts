"use server";

import { revalidatePath } from "next/cache";
import { inTransaction } from "@/db";
import { teamAction } from "@/lib/auth/action";
import { audit } from "@/lib/teams/service";
import { budgetLabels, createBudgetSchema, deleteBudgetSchema, updateBudgetSchema } from "./schemas";
import { invalidateBudgets } from "@/lib/budgets";
import { createBudget, deleteBudget, updateBudget } from "./service";

/** What the audit log keeps of a budget change: the limits, never the webhook secret. */
const auditDetails = (i: { scope: string; limitUsd: number; period: string; hardStop: boolean; thresholds: number[]; webhookUrl: string | null }) => ({
  scope: i.scope,
  limitUsd: i.limitUsd,
  period: i.period,
  hardStop: i.hardStop,
  thresholds: i.thresholds,
  webhook: !!i.webhookUrl,
});

const createInner = teamAction({ schema: createBudgetSchema, scope: "budgets:write", labels: budgetLabels }, async (input, ctx) => {
  // The change and its audit row commit together; the cache is dropped again after the commit.
  const row = await inTransaction(ctx.db, async (t) => {
    const row = await createBudget(t, ctx.team.id, input);
    await audit(t, { teamId: ctx.team.id, actorUserId: ctx.userId, action: "budget.create", target: input.name, details: auditDetails(input) });
    return row;
  });
  invalidateBudgets(ctx.team.id);
  return row;
});
export async function createBudgetAction(a?: unknown, b?: unknown) {
  const res = await createInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/budgets", "page");
  return res;
}

const updateInner = teamAction({ schema: updateBudgetSchema, scope: "budgets:write", labels: budgetLabels }, async (input, ctx) => {
  await inTransaction(ctx.db, async (t) => {
    await updateBudget(t, ctx.team.id, input.budgetId, input);
    await audit(t, { teamId: ctx.team.id, actorUserId: ctx.userId, action: "budget.update", target: input.name, details: { budgetId: input.budgetId, ...auditDetails(input) } });
  });
  invalidateBudgets(ctx.team.id);
});
export async function updateBudgetAction(a?: unknown, b?: unknown) {
  const res = await updateInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/budgets", "page");
  return res;
}

const deleteInner = teamAction({ schema: deleteBudgetSchema, scope: "budgets:write" }, async (input, ctx) => {
  await inTransaction(ctx.db, async (t) => {
    await deleteBudget(t, ctx.team.id, input.budgetId);
    await audit(t, { teamId: ctx.team.id, actorUserId: ctx.userId, action: "budget.delete", details: { budgetId: input.budgetId } });
  });
  invalidateBudgets(ctx.team.id);
});
export async function deleteBudgetAction(a?: unknown, b?: unknown) {
  const res = await deleteInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/budgets", "page");
  return res;
}

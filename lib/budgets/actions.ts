"use server";

import { revalidatePath } from "next/cache";
import { teamAction } from "@/lib/auth/action";
import { createBudgetSchema, deleteBudgetSchema, updateBudgetSchema } from "./schemas";
import { createBudget, deleteBudget, updateBudget } from "./service";

const createInner = teamAction({ schema: createBudgetSchema, scope: "budgets:write" }, (input, ctx) => createBudget(ctx.db, ctx.team.id, input));
export async function createBudgetAction(a?: unknown, b?: unknown) {
  const res = await createInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/budgets", "page");
  return res;
}

const updateInner = teamAction({ schema: updateBudgetSchema, scope: "budgets:write" }, (input, ctx) => updateBudget(ctx.db, ctx.team.id, input.budgetId, input));
export async function updateBudgetAction(a?: unknown, b?: unknown) {
  const res = await updateInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/budgets", "page");
  return res;
}

const deleteInner = teamAction({ schema: deleteBudgetSchema, scope: "budgets:write" }, (input, ctx) => deleteBudget(ctx.db, ctx.team.id, input.budgetId));
export async function deleteBudgetAction(a?: unknown, b?: unknown) {
  const res = await deleteInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/budgets", "page");
  return res;
}

import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { budgets } from "@/db/schema";
import { formatUsd } from "@/lib/format";
import { BudgetExceededError } from "@/lib/execution/errors";

export type Reservation = { budgetIds: string[]; amountMicros: number };
export type Payer = { teamId: string; userId?: string | null; apiKeyId?: string | null };

function applicable(p: Payer) {
  return and(
    eq(budgets.teamId, p.teamId),
    or(
      eq(budgets.scope, "team"),
      p.userId ? and(eq(budgets.scope, "member"), eq(budgets.userId, p.userId)) : sql`false`,
      p.apiKeyId ? and(eq(budgets.scope, "key"), eq(budgets.apiKeyId, p.apiKeyId)) : sql`false`,
    ),
  );
}

/**
 * Holds `amountMicros` (the most this call can cost) on every budget that applies to the payer, in
 * one transaction. A hard-stop budget that cannot fit it refuses the whole reservation; the
 * conditional UPDATE is atomic, so concurrent calls can never push spent + reserved past the limit.
 */
export async function reserve(db: Db, payer: Payer, amountMicros: number): Promise<Reservation> {
  return db.transaction(async (tx) => {
    const rows = await tx.select({ id: budgets.id, hardStop: budgets.hardStop }).from(budgets).where(applicable(payer));
    const held: string[] = [];
    for (const b of rows) {
      const fit = await tx
        .update(budgets)
        .set({ reservedMicros: sql`${budgets.reservedMicros} + ${amountMicros}` })
        .where(and(eq(budgets.id, b.id), b.hardStop ? sql`${budgets.spentMicros} + ${budgets.reservedMicros} + ${amountMicros} <= ${budgets.limitMicros}` : undefined))
        .returning({ id: budgets.id });
      if (!fit.length) {
        const [full] = await tx.select().from(budgets).where(eq(budgets.id, b.id));
        const left = Math.max(0, full.limitMicros - full.spentMicros - full.reservedMicros);
        throw new BudgetExceededError(
          `Budget "${full.name}" is exhausted: ${formatUsd(left)} of ${formatUsd(full.limitMicros)} is left and this call may cost up to ${formatUsd(amountMicros)}. Ask an admin to raise the budget, or lower max_tokens.`,
        );
      }
      held.push(b.id);
    }
    return { budgetIds: held, amountMicros };
  });
}

/** Replaces the hold with the actual cost. */
export async function settle(db: Db, r: Reservation, actualMicros: number) {
  if (!r.budgetIds.length) return;
  await db
    .update(budgets)
    .set({
      reservedMicros: sql`greatest(0, ${budgets.reservedMicros} - ${r.amountMicros})`,
      spentMicros: sql`${budgets.spentMicros} + ${actualMicros}`,
      updatedAt: new Date(),
    })
    .where(inArray(budgets.id, r.budgetIds));
}

/** Gives the hold back after a call that cost nothing. */
export async function release(db: Db, r: Reservation) {
  await settle(db, r, 0);
}


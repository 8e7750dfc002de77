import { z } from "zod";

const dollars = z.coerce
  .number({ error: "Enter an amount in dollars, e.g. 50 or 12.50." })
  .positive("The limit must be more than $0.")
  .max(10_000_000, "The limit must be at most $10,000,000.");

const thresholds = z
  .union([z.string(), z.array(z.coerce.number())])
  .transform((v) => (Array.isArray(v) ? v : v.split(/[\s,]+/).filter(Boolean).map(Number)))
  .pipe(z.array(z.number().int("Thresholds are whole percentages, e.g. 50, 80, 100.").min(1).max(1000)).min(1, "Give at least one threshold, e.g. 50, 80, 100.").max(10));

const optionalUrl = z
  .string()
  .trim()
  .optional()
  .transform((v) => v || null)
  .pipe(z.url({ protocol: /^https?$/, error: "The webhook must be an http(s) URL." }).nullable());

export const budgetFields = z
  .object({
    name: z.string().trim().min(1, "Give the budget a name.").max(80),
    scope: z.enum(["team", "member", "key"]).default("team"),
    userId: z.string().trim().optional().transform((v) => v || null),
    apiKeyId: z.string().trim().optional().transform((v) => v || null),
    limitUsd: dollars,
    period: z.enum(["daily", "weekly", "monthly", "custom"]),
    customDays: z.coerce.number().int().min(1, "A custom period is at least 1 day.").max(366).optional().or(z.literal("").transform(() => undefined)),
    hardStop: z
      .union([z.boolean(), z.string()])
      .optional()
      .transform((v) => v === true || v === "on" || v === "true" || v === "hard"),
    thresholds: thresholds.default([50, 80, 100]),
    webhookUrl: optionalUrl,
    /** Empty keeps the stored secret. */
    webhookSecret: z.string().trim().max(200).optional(),
  });

/** Cross-field rules, checked in the service (refined objects cannot be extended by teamAction). */
export function budgetInputErrors(v: z.infer<typeof budgetFields>): Record<string, string[]> | null {
  const e: Record<string, string[]> = {};
  if (v.scope === "member" && !v.userId) e.userId = ["Choose the member this budget limits."];
  if (v.scope === "key" && !v.apiKeyId) e.apiKeyId = ["Choose the API key this budget limits."];
  if (v.period === "custom" && !v.customDays) e.customDays = ["A custom period needs its length in days."];
  return Object.keys(e).length ? e : null;
}

export const createBudgetSchema = budgetFields;
export const updateBudgetSchema = budgetFields.extend({ budgetId: z.uuid() });
export const deleteBudgetSchema = z.object({ budgetId: z.uuid() });
export type BudgetInput = z.infer<typeof budgetFields>;

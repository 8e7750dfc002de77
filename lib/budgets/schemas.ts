import { z } from "zod";
import { listInWords } from "@/lib/forms";

const dollars = z.coerce
  .number({ error: "Enter an amount in dollars, e.g. 50 or 12.50." })
  .positive("The limit must be more than $0.")
  .max(10_000_000, "The limit must be at most $10,000,000.");

/** Percent of the limit, 1–1,000 (above 100 % alerts on a warn-only budget's overrun); each bad value is named. */
const thresholds = z
  .union([z.string(), z.array(z.union([z.string(), z.number()]))])
  .transform((v, ctx) => {
    const parts = (Array.isArray(v) ? v.map(String) : v.split(/[\s,]+/)).filter(Boolean);
    const notNumbers = parts.filter((p) => !/^-?\d+(\.\d+)?$/.test(p));
    const outside = parts.filter((p) => !notNumbers.includes(p) && !(Number.isInteger(+p) && +p >= 1 && +p <= 1000));
    const q = (xs: string[]) => listInWords(xs.map((x) => `"${x}"`));
    const faults = [
      notNumbers.length && `${q(notNumbers)} ${notNumbers.length > 1 ? "are not numbers" : "is not a number"}`,
      outside.length && `${q(outside)} ${outside.length > 1 ? "are not whole percentages from 1 to 1,000" : "is not a whole percentage from 1 to 1,000"}`,
    ].filter(Boolean);
    if (faults.length) ctx.addIssue({ code: "custom", message: `${faults.join("; ")}. Enter whole percentages from 1 to 1,000 separated by commas, e.g. 50, 80, 100.` });
    return parts.map(Number);
  })
  .pipe(z.array(z.number()).min(1, "Give at least one threshold, e.g. 50, 80, 100.").max(10, "Give at most 10 thresholds."));

export const budgetLabels = {
  name: "Name",
  scope: "Applies to",
  userId: "Member",
  apiKeyId: "API key",
  limitUsd: "Limit (USD)",
  period: "Period",
  customDays: "Period length (days)",
  hardStop: "When the limit is reached",
  thresholds: "Alert thresholds (%)",
  webhookUrl: "Webhook URL",
  webhookSecret: "Webhook signing secret",
};

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

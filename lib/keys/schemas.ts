import { z } from "zod";

const blankAsUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalPositiveInt = (what: string) =>
  z.preprocess(blankAsUndefined, z.coerce.number({ message: `Enter ${what} as a number.` }).int(`Enter ${what} as a whole number.`).positive(`${what} must be above zero.`).max(100_000_000).optional());

/** Model names, from a comma/space separated form field or an array. */
const modelList = z.preprocess(
  (v) => (typeof v === "string" ? v.split(/[\s,]+/).filter(Boolean) : v === undefined ? [] : v),
  z.array(z.string().min(1).max(200)).max(100),
);

export const createKeySchema = z.object({
  name: z.string().trim().min(1, "Name the key, e.g. after the app that will use it.").max(100, "Use at most 100 characters."),
  modelAllowList: modelList.default([]),
  requestsPerMinute: optionalPositiveInt("requests per minute"),
  tokensPerMinute: optionalPositiveInt("tokens per minute"),
  monthlyBudgetUsd: z.preprocess(blankAsUndefined, z.coerce.number({ message: "Enter the budget in dollars, e.g. 25." }).positive("A budget must be above $0.").max(1_000_000).optional()),
});
export const keyIdSchema = z.object({ keyId: z.uuid("Choose a key.") });

/** Team-wide rate limits (Admin → API keys); empty = the installation default, or none. */
export const teamLimitsSchema = z.object({
  requestsPerMinute: optionalPositiveInt("requests per minute"),
  tokensPerMinute: optionalPositiveInt("tokens per minute"),
});

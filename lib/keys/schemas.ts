import { z } from "zod";
import { formNumber, typedNumber } from "@/lib/forms";

/** An optional whole number per minute; empty = no limit. */
const optionalPositiveInt = (what: string) => {
  const What = what[0].toUpperCase() + what.slice(1);
  return z.preprocess(
    typedNumber,
    formNumber({ required: `Enter ${what} as a whole number, e.g. 600.` })
      .positive(`${What} must be above zero.`)
      .max(100_000_000, `${What} can be at most 100,000,000.`)
      .int(`Enter ${what} as a whole number, e.g. 600.`)
      .optional(),
  );
};

/** Model names, from a comma/space separated form field or an array. */
const modelList = z.preprocess(
  (v) => (typeof v === "string" ? v.split(/[\s,]+/).filter(Boolean) : v === undefined ? [] : v),
  z.array(z.string().min(1).max(200, "A model name has at most 200 characters.")).max(100, "List at most 100 models."),
);

export const createKeySchema = z.object({
  name: z.string().trim().min(1, "Name the key, e.g. after the app that will use it.").max(100, "Use at most 100 characters."),
  modelAllowList: modelList.default([]),
  requestsPerMinute: optionalPositiveInt("requests per minute"),
  tokensPerMinute: optionalPositiveInt("tokens per minute"),
  monthlyBudgetUsd: z.preprocess(
    typedNumber,
    formNumber({ required: "Enter the budget in dollars, e.g. 25." }).positive("A budget must be above $0.").max(1_000_000, "A key's budget can be at most $1,000,000 a month.").optional(),
  ),
});
/** The create-key form's labels (components/keys), for the error summary. */
export const createKeyLabels = { name: "Name", modelAllowList: "Allowed models", requestsPerMinute: "Requests / minute", tokensPerMinute: "Tokens / minute", monthlyBudgetUsd: "Monthly budget ($)" };
export const keyIdSchema = z.object({ keyId: z.uuid("Choose a key.") });

/** Team-wide rate limits (Admin → API keys); empty = the installation default, or none. */
export const teamLimitsSchema = z.object({
  requestsPerMinute: optionalPositiveInt("requests per minute"),
  tokensPerMinute: optionalPositiveInt("tokens per minute"),
});
export const teamLimitsLabels = { requestsPerMinute: "Requests / minute", tokensPerMinute: "Tokens / minute" };

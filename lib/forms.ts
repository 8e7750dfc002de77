import { z } from "zod";

/**
 * What a form's fields are called on screen, by the key its schema reports (`explorationCapDollars`,
 * `steps.0.maxCostUsd`): the summary above a form names the field the way the person sees it.
 */
export type FieldLabels = Record<string, string> | ((field: string) => string | undefined);

const amount = (n: number | bigint) => n.toLocaleString("en-US", { maximumFractionDigits: 6 });

/**
 * Plain words for the checks a schema gives no message of its own (zod's defaults read
 * "Too small: expected number to be >=1"). Pass as the `error` option of parse: a message written
 * in the schema still wins. Returns undefined for what it does not word, leaving zod's text.
 */
export const plainIssue: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case "invalid_type":
      if (iss.expected === "int") return "Enter a whole number.";
      if (iss.expected === "number") return "Enter a number.";
      if (iss.input === undefined || iss.input === null) return "Fill this in.";
      return undefined;
    case "too_small":
      // "int" is .int()'s own bound, the safe-integer range: the number typed is far out of range.
      if (iss.origin === "int") return "That number is too small.";
      if (iss.origin === "number" || iss.origin === "bigint") return iss.inclusive ? `Enter a number of at least ${amount(iss.minimum)}.` : `Enter a number above ${amount(iss.minimum)}.`;
      if (iss.origin === "string") return Number(iss.minimum) <= 1 ? "Fill this in." : `Use at least ${amount(iss.minimum)} characters.`;
      if (iss.origin === "array" || iss.origin === "set") return `Give at least ${amount(iss.minimum)}.`;
      return undefined;
    case "too_big":
      if (iss.origin === "int") return "That number is too large.";
      if (iss.origin === "number" || iss.origin === "bigint") return iss.inclusive ? `Enter a number no more than ${amount(iss.maximum)}.` : `Enter a number below ${amount(iss.maximum)}.`;
      if (iss.origin === "string") return `Use at most ${amount(iss.maximum)} characters.`;
      if (iss.origin === "array" || iss.origin === "set") return `Give at most ${amount(iss.maximum)}.`;
      return undefined;
    case "invalid_format":
      if (iss.format === "email") return "Enter a valid email address, like ada@example.com.";
      if (iss.format === "url") return "Enter a URL such as https://example.com.";
      if (iss.format === "uuid" || iss.format === "guid") return "Choose one from the list.";
      return undefined;
    case "invalid_value":
      return `Choose one of: ${iss.values.map(String).join(", ")}.`;
    default:
      return undefined;
  }
};

/**
 * Reads a number typed into a form field, for `z.preprocess(typedNumber, formNumber(…)…)`.
 * Unlike z.coerce.number(), an empty field stays missing (coerce makes it 0, which saved "$0"
 * for a cleared field); "abc" becomes NaN; "1e999" becomes the largest number, so a `.max()`
 * check answers "too big" rather than "not a number". A leading "$" is allowed.
 */
export function typedNumber(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "string") return v;
  const s = v.trim().replace(/^\$\s*/, "");
  if (s === "") return undefined;
  const n = Number(s);
  return n === Infinity ? Number.MAX_VALUE : n === -Infinity ? -Number.MAX_VALUE : n;
}

/** z.number() whose "missing" and "not a number" errors say what to type. Put range checks before `.int()`. */
export function formNumber(messages: { required: string; notNumber?: string }) {
  return z.number({ error: (iss) => (iss.input === undefined ? messages.required : (messages.notNumber ?? messages.required)) });
}

/**
 * A ZodError as per-field messages. `nested` keys them by the whole path (`steps.1.template`) for
 * forms with repeated parts; otherwise by the top-level field, as forms name their inputs.
 */
export function fieldErrorsOf(error: z.ZodError, opts: { nested?: boolean } = {}): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = (opts.nested ? issue.path.join(".") : String(issue.path[0] ?? "")) || "form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/**
 * The line for the red box above or below a form: the first wrong field by its label and what to
 * do about it, and how many other fields are marked. A field with no label (a form-wide rule, a
 * hidden input) gives its message alone, which is written to stand on its own.
 */
export function summarizeFieldErrors(fieldErrors: Record<string, string[]>, labels?: FieldLabels): string {
  const wrong = Object.entries(fieldErrors).filter(([, msgs]) => msgs.length > 0);
  if (!wrong.length) return "Fix the highlighted fields.";
  const [field, [message]] = wrong[0];
  const label = typeof labels === "function" ? labels(field) : labels?.[field];
  const first = label ? `${label}: ${message}` : message;
  const more = wrong.length - 1;
  return more ? `${first} Also fix ${more === 1 ? "1 more highlighted field" : `${more} more highlighted fields`}.` : first;
}

/** "a", "a and b", "a, b and c". */
export function listInWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

import { z } from "zod";
import { DOMAINS } from "@/lib/analysis/types";
import { formNumber, listInWords, typedNumber } from "@/lib/forms";

const KINDS = ["openai", "anthropic", "xai", "mistral", "ollama", "openai_compatible"] as const;
const url = z.url({ message: "Enter a URL such as https://api.openai.com/v1." }).refine((u) => /^https?:\/\//.test(u), "Use an http:// or https:// URL.");
const bool = z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean());
const price = formNumber({ required: "Enter a price in dollars per million tokens, e.g. 2.50 (0 if it is free).", notNumber: "Enter a price in dollars per million tokens, e.g. 2.50." })
  .min(0, "Prices cannot be negative.")
  .max(10_000, "That price is implausibly high (over $10,000 per million tokens).");
const toMicros = (d: number) => Math.round(d * 1_000_000);
/** Dollars per million tokens as typed ("2.50") → integer micro-dollars. */
const dollars = z.preprocess(typedNumber, price).transform(toMicros);
/** Empty = not billed (null). */
const optionalDollars = z.preprocess(typedNumber, price.optional()).transform((d) => (d === undefined ? null : toMicros(d)));
/** The analyser's domains, which the router matches against a model's strengths: anything else would never match. */
const domainList = z.preprocess(
  (v) => (typeof v === "string" ? v.split(/[\s,]+/) : v),
  z
    .array(z.string({ error: "List domains as text, e.g. code, debug." }))
    .transform((vs) => [...new Set(vs.map((d) => d.trim().toLowerCase()).filter(Boolean))])
    .superRefine((vs, ctx) => {
      const unknown = vs.filter((d) => !(DOMAINS as readonly string[]).includes(d));
      if (unknown.length) {
        const quoted = listInWords([...unknown.slice(0, 5).map((d) => `"${d.slice(0, 40)}"`), ...(unknown.length > 5 ? [`${unknown.length - 5} more`] : [])]);
        ctx.addIssue({ code: "custom", message: `${quoted} ${unknown.length > 1 ? "are not domains" : "is not a domain"} the router knows. Use any of: ${DOMAINS.join(", ")}.` });
      }
    }),
);
const modelFields = {
  enabled: bool,
  contextWindow: z.preprocess(
    typedNumber,
    formNumber({ required: "Enter the context window in tokens, e.g. 128000." })
      .min(256, "Context windows are at least 256 tokens.")
      .max(10_000_000, "Context windows are at most 10,000,000 tokens.")
      .int("Use a whole number of tokens."),
  ),
  // Empty = unknown (null): only the context window then bounds a request's answer; not sent = left as it is.
  // Not above the window: createModel / updateModel check it.
  maxOutputTokens: z.preprocess(
    (v) => (v === undefined ? undefined : (typedNumber(v) ?? null)),
    formNumber({ required: "", notNumber: "Enter the most tokens one answer may have, e.g. 32768, or leave it empty if unknown." })
      .min(1, "An answer may have at least 1 token: enter a positive number, or leave it empty if unknown.")
      .max(10_000_000, "Output limits are at most 10,000,000 tokens.")
      .int("Use a whole number of tokens.")
      .nullable()
      .optional(),
  ),
  inputPrice: dollars,
  outputPrice: dollars,
  cachedInputPrice: optionalDollars,
  strengths: domainList,
  optimalFor: domainList,
  costTier: z.enum(["free", "low", "medium", "high"], { message: "Choose a cost tier: free, low, medium or high." }),
  // Unticked (a checkbox sends nothing) = not supported: the router then keeps requests with tools / images / reasoning_effort away.
  toolCalling: bool,
  imageInput: bool,
  reasoningEffort: bool,
};
/** The forms' labels (components/fleet), for the error summary. */
export const modelLabels = {
  providerId: "Provider",
  name: "Model id",
  displayName: "Display name",
  inputPrice: "Input $/M",
  outputPrice: "Output $/M",
  cachedInputPrice: "Cached input $/M",
  contextWindow: "Context window",
  maxOutputTokens: "Max output tokens",
  costTier: "Cost tier",
  strengths: "Strengths",
  optimalFor: "Optimal for",
  reasoningEffort: "Reasoning effort",
};
/**
 * The base URL as stored. The app talks to Ollama through the OpenAI SDK at its /v1 endpoint, and
 * people paste Ollama's usual address (http://127.0.0.1:11434, or its native …/api), which answers
 * 404 there — so for Ollama /v1 is added when missing.
 */
export function storedBaseUrl(kind: string, baseUrl: string): string {
  if (kind !== "ollama") return baseUrl;
  const u = new URL(baseUrl);
  const path = u.pathname.replace(/\/+$/, "").replace(/\/api$/, "");
  u.pathname = path.endsWith("/v1") ? path : `${path}/v1`;
  return u.toString();
}

/** The last four characters of a key, as a hint — only when they leave enough of a long key unknown. */
export function apiKeyHint(apiKey: string): string | null {
  return apiKey.length >= 12 ? apiKey.slice(-4) : null;
}

export const providerLabels = { kind: "Kind", name: "Name", baseUrl: "Base URL", apiKey: "API key" };

const apiKey = z.string().trim().max(500, "That API key is too long (500 characters at most).");
const providerName = z.string().trim().min(1, "Name the provider.").max(60, "Use at most 60 characters.");
export const createProviderSchema = z.object({
  kind: z.enum(KINDS, { message: "Choose a provider kind." }),
  name: providerName,
  baseUrl: url,
  apiKey: apiKey.optional(),
  local: bool,
});
export const updateProviderSchema = z.object({ providerId: z.uuid(), name: providerName.optional(), baseUrl: url.optional(), apiKey: apiKey.optional(), enabled: bool.optional() });
export const updateModelSchema = z.object({ modelId: z.uuid(), ...modelFields });
export const createModelSchema = z.object({
  providerId: z.uuid("Choose a provider."),
  name: z.string().trim().min(1, "Enter the model id the provider uses.").max(120, "Use at most 120 characters."),
  displayName: z.string().trim().min(1, "Enter a display name.").max(120, "Use at most 120 characters."),
  ...modelFields,
});

const capRange = "Enter a number of dollars from 0 to 10,000; 0 turns exploration off.";
/** Admin → Routing. */
export const routingSettingsSchema = z.object({
  qualityVsCost: z.preprocess(typedNumber, formNumber({ required: "Set quality versus cost: a value from 0 to 1." }).min(0, "Use a value from 0 to 1.").max(1, "Use a value from 0 to 1.")),
  allowList: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().min(1, "Pick models from the list.")).max(200, "Pick at most 200 models.")),
  // Empty is refused rather than read as $0, which would quietly turn exploration off.
  explorationCapDollars: z.preprocess(typedNumber, formNumber({ required: "Enter an amount in dollars, e.g. 0.02; 0 turns exploration off.", notNumber: capRange }).min(0, capRange).max(10_000, capRange)),
  /** "" = no judge. */
  judgeModel: z.string().max(200, "Pick a model from the list, or none.").optional().default(""),
});
export const routingSettingsLabels = { qualityVsCost: "Quality versus cost", explorationCapDollars: "Exploration cap", judgeModel: "Judge model", allowList: "Allowed models" };

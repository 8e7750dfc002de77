"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction } from "@/lib/auth/action";
import { checkProvider, createModel, createProvider, updateModel, updateProvider } from "./admin";

const KINDS = ["openai", "anthropic", "xai", "mistral", "ollama", "openai_compatible"] as const;
const url = z.url({ message: "Enter a URL such as https://api.openai.com/v1." }).refine((u) => /^https?:\/\//.test(u), "Use an http:// or https:// URL.");
const bool = z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean());
/** Dollars per million tokens as typed ("2.50") → integer micro-dollars. */
const dollars = z.coerce
  .number({ message: "Enter a price in dollars per million tokens, e.g. 2.50." })
  .min(0, "Prices cannot be negative.")
  .max(10_000, "That price is implausibly high (over $10,000 per million tokens).")
  .transform((d) => Math.round(d * 1_000_000));
const optionalDollars = z.preprocess((v) => (v === "" || v === null || v === undefined ? null : v), dollars.nullable());
const list = z.preprocess((v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v), z.array(z.string().max(40)).max(20));
const modelFields = {
  enabled: bool,
  contextWindow: z.coerce.number().int("Use a whole number of tokens.").min(256, "Context windows are at least 256 tokens.").max(10_000_000),
  inputPrice: dollars,
  outputPrice: dollars,
  cachedInputPrice: optionalDollars,
  strengths: list,
  optimalFor: list,
  costTier: z.enum(["free", "low", "medium", "high"]),
};
const toPatch = (i: { enabled: boolean; contextWindow: number; inputPrice: number; outputPrice: number; cachedInputPrice: number | null; strengths: string[]; optimalFor: string[]; costTier: "free" | "low" | "medium" | "high" }) => ({
  enabled: i.enabled,
  contextWindow: i.contextWindow,
  inputPriceMicros: i.inputPrice,
  outputPriceMicros: i.outputPrice,
  cachedInputPriceMicros: i.cachedInputPrice,
  strengths: i.strengths,
  optimalFor: i.optimalFor,
  costTier: i.costTier,
});

const revalidate = () => revalidatePath("/t/[team]", "layout");

const createProviderInner = teamAction(
  {
    schema: z.object({
      kind: z.enum(KINDS, { message: "Choose a provider kind." }),
      name: z.string().trim().min(1, "Name the provider.").max(60),
      baseUrl: url,
      apiKey: z.string().trim().max(500).optional(),
      local: bool,
    }),
    scope: "models:admin",
    siteAdmin: true,
  },
  (input, ctx) => createProvider(ctx.db, { teamId: ctx.team.id, userId: ctx.userId }, { ...input, apiKey: input.apiKey || undefined }),
);
export async function createProviderAction(a?: unknown, b?: unknown) {
  const r = await createProviderInner(a, b);
  if (r.ok) revalidate();
  return r;
}

const updateProviderInner = teamAction(
  {
    schema: z.object({ providerId: z.uuid(), baseUrl: url.optional(), apiKey: z.string().trim().max(500).optional(), enabled: bool.optional() }),
    scope: "models:admin",
    siteAdmin: true,
  },
  (input, ctx) => updateProvider(ctx.db, { teamId: ctx.team.id, userId: ctx.userId }, { ...input, apiKey: input.apiKey || undefined }),
);
export async function updateProviderAction(a?: unknown, b?: unknown) {
  const r = await updateProviderInner(a, b);
  if (r.ok) revalidate();
  return r;
}

export const testProviderAction = teamAction({ schema: z.object({ providerId: z.uuid() }), scope: "models:admin", siteAdmin: true }, (input, ctx) => checkProvider(ctx.db, input.providerId));

const updateModelInner = teamAction({ schema: z.object({ modelId: z.uuid(), ...modelFields }), scope: "models:admin", siteAdmin: true }, (input, ctx) =>
  updateModel(ctx.db, { teamId: ctx.team.id, userId: ctx.userId }, { modelId: input.modelId, ...toPatch(input) }),
);
export async function updateModelAction(a?: unknown, b?: unknown) {
  const r = await updateModelInner(a, b);
  if (r.ok) revalidate();
  return r;
}

const createModelInner = teamAction(
  {
    schema: z.object({
      providerId: z.uuid("Choose a provider."),
      name: z.string().trim().min(1, "Enter the model id the provider uses.").max(120),
      displayName: z.string().trim().min(1, "Enter a display name.").max(120),
      ...modelFields,
    }),
    scope: "models:admin",
    siteAdmin: true,
  },
  (input, ctx) => createModel(ctx.db, { teamId: ctx.team.id, userId: ctx.userId }, { providerId: input.providerId, name: input.name, displayName: input.displayName, ...toPatch(input) }),
);
export async function createModelAction(a?: unknown, b?: unknown) {
  const r = await createModelInner(a, b);
  if (r.ok) revalidate();
  return r;
}

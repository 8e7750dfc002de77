"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction } from "@/lib/auth/action";
import { checkProvider, createModel, createProvider, updateModel, updateProvider } from "./admin";
import { createModelSchema, createProviderSchema, modelLabels, providerLabels, updateModelSchema, updateProviderSchema } from "./schemas";

const toPatch = (i: {
  enabled: boolean;
  contextWindow: number;
  maxOutputTokens?: number | null;
  inputPrice: number;
  outputPrice: number;
  cachedInputPrice: number | null;
  strengths: string[];
  optimalFor: string[];
  costTier: "free" | "low" | "medium" | "high";
  toolCalling: boolean;
  imageInput: boolean;
  reasoningEffort: boolean;
}) => ({
  enabled: i.enabled,
  contextWindow: i.contextWindow,
  maxOutputTokens: i.maxOutputTokens,
  inputPriceMicros: i.inputPrice,
  outputPriceMicros: i.outputPrice,
  cachedInputPriceMicros: i.cachedInputPrice,
  strengths: i.strengths,
  optimalFor: i.optimalFor,
  costTier: i.costTier,
  toolCalling: i.toolCalling,
  imageInput: i.imageInput,
  reasoningEffort: i.reasoningEffort,
});

const revalidate = () => revalidatePath("/t/[team]", "layout");

const createProviderInner = teamAction(
  {
    schema: createProviderSchema,
    scope: "models:admin",
    labels: providerLabels,
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
    schema: updateProviderSchema,
    scope: "models:admin",
    labels: providerLabels,
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

const updateModelInner = teamAction({ schema: updateModelSchema, scope: "models:admin", siteAdmin: true, labels: modelLabels }, (input, ctx) =>
  updateModel(ctx.db, { teamId: ctx.team.id, userId: ctx.userId }, { modelId: input.modelId, ...toPatch(input) }),
);
export async function updateModelAction(a?: unknown, b?: unknown) {
  const r = await updateModelInner(a, b);
  if (r.ok) revalidate();
  return r;
}

const createModelInner = teamAction(
  {
    schema: createModelSchema,
    scope: "models:admin",
    labels: modelLabels,
    siteAdmin: true,
  },
  (input, ctx) => createModel(ctx.db, { teamId: ctx.team.id, userId: ctx.userId }, { providerId: input.providerId, name: input.name, displayName: input.displayName, ...toPatch(input) }),
);
export async function createModelAction(a?: unknown, b?: unknown) {
  const r = await createModelInner(a, b);
  if (r.ok) revalidate();
  return r;
}

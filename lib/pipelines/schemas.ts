import { z } from "zod";
import type { PipelineStepDef } from "@/db/schema";

/**
 * A step as stored in `pipelines.steps`. For `kind: "synthesis"`, `strongModel` writes the
 * instructions and `model` (the cheap one) carries them out; both may be "auto".
 */
export type StepDef = PipelineStepDef & { strongModel?: string; maxOutputTokens?: number };

export const MAX_STEPS = 20;
const modelName = z.string().trim().min(1, "Choose a model or auto.").max(120);

export const stepDefSchema = z.object({
  key: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, "Use 1–32 lowercase letters, digits, - or _, starting with a letter."),
  kind: z.enum(["prompt", "synthesis"]).default("prompt"),
  model: modelName.default("auto"),
  strongModel: modelName.optional(),
  template: z.string().trim().min(1, "Write a prompt template.").max(20_000, "Keep a template under 20,000 characters."),
  group: z.coerce.number().int().min(0).max(100),
  maxCostMicros: z.coerce.number().int("Use whole micro-dollars.").positive("A cost cap must be more than zero.").max(1_000_000_000, "A cap of at most $1,000 (1,000,000,000 µ$).").optional(),
  maxOutputTokens: z.coerce.number().int().min(16).max(32_000).optional(),
});

export const pipelineInputSchema = z.object({
  name: z.string().trim().min(1, "Name the pipeline.").max(120, "Use at most 120 characters."),
  description: z.string().trim().max(2000).default(""),
  steps: z.array(stepDefSchema).min(1, "Add at least one step.").max(MAX_STEPS, `A pipeline has at most ${MAX_STEPS} steps.`),
});
export type PipelineInput = z.input<typeof pipelineInputSchema>;

export const runInputSchema = z.object({
  pipelineId: z.uuid("Choose a pipeline."),
  input: z.string().trim().min(1, "Give the run an input.").max(200_000, "The input is too long (200,000 characters at most)."),
});

export const synthesisInputSchema = z.object({
  task: z.string().trim().min(1, "Type a task first.").max(100_000, "The task is too long (100,000 characters at most)."),
  strongModel: modelName.default("auto"),
  cheapModel: modelName.default("auto"),
  /** Also run the strong model alone, so the saving is measured rather than estimated. */
  compare: z.preprocess((v) => v === true || v === "true" || v === "on", z.boolean()).default(false),
});

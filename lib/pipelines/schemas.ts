import { z } from "zod";
import type { PipelineStepDef } from "@/db/schema";
import { formNumber, typedNumber } from "@/lib/forms";

/**
 * A step as stored in `pipelines.steps`. For `kind: "synthesis"`, `strongModel` writes the
 * instructions and `model` (the cheap one) carries them out; both may be "auto".
 */
export type StepDef = PipelineStepDef & { strongModel?: string; maxOutputTokens?: number };

export const MAX_STEPS = 20;
const modelName = z.string().trim().min(1, "Choose a model or auto.").max(120, "A model name has at most 120 characters.");
const capTooBig = "A cost cap can be at most $1,000.";
const groupRange = "A step's group is a whole number from 0 to 100.";

export const stepDefSchema = z
  .object({
    key: z
      .string({ error: "Give the step a key." })
      .trim()
      .regex(/^[a-z][a-z0-9_-]{0,31}$/, "Use 1–32 lowercase letters, digits, - or _, starting with a letter."),
    kind: z.enum(["prompt", "synthesis"], { message: "A step is a prompt or an instruction synthesis." }).default("prompt"),
    model: modelName.default("auto"),
    strongModel: modelName.optional(),
    template: z.string({ error: "Write a prompt template." }).trim().min(1, "Write a prompt template.").max(20_000, "Keep a template under 20,000 characters."),
    group: z.coerce.number({ error: groupRange }).int(groupRange).min(0, groupRange).max(100, groupRange),
    maxCostMicros: z.coerce
      .number({ error: "Give the cost cap in whole micro-dollars." })
      .positive("A cost cap must be more than zero.")
      .max(1_000_000_000, "A cap of at most $1,000 (1,000,000,000 µ$).")
      .int("Use whole micro-dollars.")
      .optional(),
    /** The builder's cost cap in dollars as typed ("0.05"); replaces maxCostMicros. Empty = no cap. */
    maxCostUsd: z.preprocess(typedNumber, formNumber({ required: "Enter a number of dollars, e.g. 0.05.", notNumber: "Enter a number of dollars, e.g. 0.05, or leave it empty for no cap." }).positive("A cost cap must be more than $0.").max(1_000, capTooBig).optional()),
    maxOutputTokens: z.coerce.number({ error: "Give the output limit as a whole number of tokens." }).min(16, "Allow at least 16 output tokens.").max(32_000, "Allow at most 32,000 output tokens.").int("Give the output limit as a whole number of tokens.").optional(),
  })
  // Whole micro-dollars, at least 1: a cap of $0.0000001 must not round to a cap of 0.
  .transform(({ maxCostUsd, ...s }) => (maxCostUsd === undefined ? s : { ...s, maxCostMicros: Math.max(1, Math.round(maxCostUsd * 1_000_000)) }));

export const pipelineInputSchema = z.object({
  name: z.string().trim().min(1, "Name the pipeline.").max(120, "Use at most 120 characters."),
  description: z.string().trim().max(2000, "Keep the description under 2,000 characters.").default(""),
  steps: z.array(stepDefSchema).min(1, "Add at least one step.").max(MAX_STEPS, `A pipeline has at most ${MAX_STEPS} steps.`),
});
export type PipelineInput = z.input<typeof pipelineInputSchema>;

const STEP_FIELDS: Record<string, string> = { key: "key", kind: "kind", model: "model", strongModel: "strong model", template: "prompt template", maxCostUsd: "cost cap", maxCostMicros: "cost cap", maxOutputTokens: "output limit" };
/** The builder's labels for an error's field (`steps.1.maxCostUsd` → "Step 2 cost cap"), for the summary. */
export function pipelineFieldLabel(field: string): string | undefined {
  const step = /^steps\.(\d+)(?:\.(\w+))?$/.exec(field);
  if (step) return `Step ${Number(step[1]) + 1}${step[2] ? ` ${STEP_FIELDS[step[2]] ?? step[2]}` : ""}`;
  return ({ name: "Name", description: "Description", steps: "Steps" } as Record<string, string>)[field];
}

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

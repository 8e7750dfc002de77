"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction } from "@/lib/auth/action";
import { archivePipeline, cancelRun, createPipeline, retryStep, startRun, updatePipeline } from "./service";
import { runSynthesis } from "./synthesis";
import { synthesisInputSchema } from "./schemas";

// The definition is checked in the service (checkDefinition), which reports errors per step field.
const definition = z.object({ name: z.string().default(""), description: z.string().default(""), steps: z.array(z.any()).default([]) });
const runRef = z.object({ runId: z.uuid("Choose a run.") });

const createInner = teamAction({ schema: definition, scope: "pipelines:write" }, async (input, ctx) => {
  const p = await createPipeline(ctx.db, { teamId: ctx.team.id, userId: ctx.userId, name: input.name, description: input.description, steps: input.steps });
  return { id: p.id };
});
export async function createPipelineAction(a?: unknown, b?: unknown) {
  const res = await createInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/pipelines", "layout");
  return res;
}

const updateInner = teamAction({ schema: definition.extend({ pipelineId: z.uuid() }), scope: "pipelines:write" }, async (input, ctx) => {
  const p = await updatePipeline(ctx.db, { teamId: ctx.team.id, pipelineId: input.pipelineId, name: input.name, description: input.description, steps: input.steps });
  return { id: p.id };
});
export async function updatePipelineAction(a?: unknown, b?: unknown) {
  const res = await updateInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/pipelines", "layout");
  return res;
}

const archiveInner = teamAction({ schema: z.object({ pipelineId: z.uuid() }), scope: "pipelines:write" }, async (input, ctx) => {
  await archivePipeline(ctx.db, ctx.team.id, input.pipelineId);
  return { id: input.pipelineId };
});
export async function archivePipelineAction(a?: unknown, b?: unknown) {
  const res = await archiveInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/pipelines", "layout");
  return res;
}

const startInner = teamAction(
  { schema: z.object({ pipelineId: z.uuid("Choose a pipeline."), input: z.string().trim().min(1, "Give the run an input.").max(200_000, "The input is too long (200,000 characters at most).") }), scope: "pipelines:run", labels: { input: "Input" } },
  async (input, ctx) => {
    const run = await startRun(ctx.db, { teamId: ctx.team.id, pipelineId: input.pipelineId, input: input.input, userId: ctx.userId });
    return { runId: run.id };
  },
);
export async function startRunAction(a?: unknown, b?: unknown) {
  return startInner(a, b);
}

const cancelInner = teamAction({ schema: runRef, scope: "pipelines:run" }, async (input, ctx) => {
  const run = await cancelRun(ctx.db, ctx.team.id, input.runId);
  return { status: run.status };
});
export async function cancelRunAction(a?: unknown, b?: unknown) {
  return cancelInner(a, b);
}

const retryInner = teamAction({ schema: runRef.extend({ stepKey: z.string().min(1, "Choose a step.") }), scope: "pipelines:run" }, async (input, ctx) => {
  const run = await retryStep(ctx.db, { teamId: ctx.team.id, runId: input.runId, stepKey: input.stepKey });
  return { status: run.status };
});
export async function retryStepAction(a?: unknown, b?: unknown) {
  return retryInner(a, b);
}


const synthInner = teamAction({ schema: synthesisInputSchema, scope: "requests:write", labels: { task: "Assignment for the cheap model", strongModel: "Strong model", cheapModel: "Cheap model" } }, async (input, ctx) =>
  runSynthesis(ctx.db, { teamId: ctx.team.id, userId: ctx.userId, task: input.task, strongModel: input.strongModel, cheapModel: input.cheapModel, compare: input.compare, source: "playground" }),
);
/** Instruction synthesis for one task (the playground's synthesis mode). */
export async function runSynthesisAction(a?: unknown, b?: unknown) {
  return synthInner(a, b);
}

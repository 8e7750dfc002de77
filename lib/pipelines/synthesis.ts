import type { Db } from "@/db";
import { DelegateError } from "@/lib/execution/errors";
import { delegate, delegateStream, teamRoutingSettings, type DelegateEvent, type DelegateInput, type DelegateResult } from "@/lib/execution/delegate";
import { detectPrivacy, estimateTokens } from "@/lib/analysis";
import { loadFleet } from "@/lib/execution/fleet";
import { combineAllowLists, eligibleModels } from "@/lib/routing";
import { costMicros, estimateMessagesTokens } from "@/lib/providers/cost";
import { formatUsd, formatUsdApart } from "@/lib/format";
import { outputAllowance, StepStopError } from "./caps";

export const instructionPrompt = (task: string) =>
  `You are writing instructions for a smaller, cheaper model that will carry out the task below. Do not do the task yourself. ` +
  `Write short numbered steps it can follow exactly: what to produce, in what format, what to check, and the pitfalls to avoid.\n\nTask:\n${task}`;

export const executionPrompt = (task: string, instructions: string) =>
  `Carry out the task by following these instructions step by step.\n\nInstructions:\n${instructions}\n\nTask:\n${task}`;

export type CallSummary = { requestId: string; model: string; inputTokens: number; outputTokens: number; costMicros: number; latencyMs: number };

/** What the strong model alone would have cost: measured by running it, or estimated (and said so). */
export type StrongAlone = { method: "measured" | "estimate"; model: string; costMicros: number; inputTokens: number; outputTokens: number; explanation: string; requestId?: string; text?: string };

export type SynthesisResult = {
  task: string;
  instructions: CallSummary & { text: string };
  execution: CallSummary & { text: string };
  totalCostMicros: number;
  strongAlone: StrongAlone;
  /** strongAlone − total; negative when synthesis cost more. */
  savingMicros: number;
  savingPct: number;
};

export type SynthesisEvent = { phase: "instructions" | "execution"; event: DelegateEvent };

type Common = Pick<DelegateInput, "teamId" | "userId" | "apiKeyId" | "pipelineRunId" | "signal" | "modelAllowList" | "tokenGate"> & { source: DelegateInput["source"] };

const summary = (r: DelegateResult): CallSummary => ({ requestId: r.requestId, model: r.model, inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens, costMicros: r.costMicros, latencyMs: r.latencyMs });

/**
 * The estimate of the strong model doing the task alone, from its price table and tokens this
 * run actually observed: the task's prompt tokens (counted with the same rule delegate() uses to
 * reserve), and an answer as long as the one the cheap model actually wrote.
 */
export async function estimateStrongAlone(db: Db, opts: { strongModel: string; task: string; observedOutputTokens: number }): Promise<StrongAlone> {
  const fm = (await loadFleet(db)).byName.get(opts.strongModel);
  const inputTokens = estimateMessagesTokens([{ content: opts.task }]);
  if (!fm) {
    return { method: "estimate", model: opts.strongModel, costMicros: 0, inputTokens, outputTokens: opts.observedOutputTokens, explanation: `No price is known for ${opts.strongModel}, so no saving can be computed.` };
  }
  const prices = { inputPerMTokMicros: fm.model.inputPriceMicros, outputPerMTokMicros: fm.model.outputPriceMicros, cachedInputPerMTokMicros: fm.model.cachedInputPriceMicros };
  const cost = costMicros({ inputTokens, outputTokens: opts.observedOutputTokens }, prices);
  return {
    method: "estimate",
    model: opts.strongModel,
    costMicros: cost,
    inputTokens,
    outputTokens: opts.observedOutputTokens,
    explanation:
      `Estimate, not a call: ${opts.strongModel} reading the task alone (~${inputTokens} prompt tokens, counted at ~4 characters per token) and writing an answer ` +
      `as long as the cheap model's (${opts.observedOutputTokens} tokens, as reported by its provider), at ${opts.strongModel}'s prices ` +
      `(${formatUsd(fm.model.inputPriceMicros)}/M input, ${formatUsd(fm.model.outputPriceMicros)}/M output) ≈ ${formatUsd(cost)}.`,
  };
}

/**
 * The models "auto" may choose from for the strong role: those of the dearest cost tier (high,
 * else medium) that are enabled, allowed for the team and large enough for the prompt. Before any
 * ratings every model that lists a task's domain as a strength has the same expected quality, so
 * the router alone would pick the cheapest of them: a cheap model writing instructions for a cheap
 * model. A private task is left to the router, which keeps it on local models.
 */
async function strongTier(db: Db, teamId: string, prompt: string, keyAllow?: string[]): Promise<string[] | undefined> {
  if (detectPrivacy({ task: prompt }).private) return undefined;
  const [fleet, settings] = await Promise.all([loadFleet(db), teamRoutingSettings(db, teamId)]);
  const { models } = eligibleModels(
    [...fleet.byName.values()].map((f) => f.candidate),
    { allowList: combineAllowLists(settings.allowList, keyAllow ?? []), fit: { taskTokens: estimateTokens(prompt), outputTokens: 1024 } },
  );
  for (const tier of ["high", "medium"]) {
    const names = models.filter((c) => c.costTier === tier).map((c) => c.id);
    if (names.length) return names;
  }
  return undefined;
}

/** Passes a delegate stream's events on, tagged with their phase, and returns its result. */
async function* relay(phase: SynthesisEvent["phase"], it: AsyncGenerator<DelegateEvent, DelegateResult>): AsyncGenerator<SynthesisEvent, DelegateResult> {
  for (;;) {
    const { value, done } = await it.next();
    if (done) return value;
    yield { phase, event: value };
  }
}

/**
 * Instruction synthesis as a stream: a strong model writes step-by-step instructions, then a cheap
 * model follows them. Both calls go through delegate(). `capMicros` bounds the two together.
 * Returns the result with both costs and the saving against the strong model alone.
 */
export async function* synthesisStream(
  db: Db,
  input: Common & { task: string; strongModel?: string; cheapModel?: string; capMicros?: number; maxOutputTokens?: number; compare?: boolean; stepKey?: string },
): AsyncGenerator<SynthesisEvent, SynthesisResult> {
  const strongModel = input.strongModel ?? "auto";
  const cheapModel = input.cheapModel ?? "auto";
  const stepKey = input.stepKey ?? "synthesis";
  const base = { teamId: input.teamId, userId: input.userId, apiKeyId: input.apiKeyId, modelAllowList: input.modelAllowList, tokenGate: input.tokenGate, source: input.source, pipelineRunId: input.pipelineRunId, signal: input.signal, restartAfterPartialOutput: true };

  const p1 = instructionPrompt(input.task);
  const first = delegateStream(db, {
    ...base,
    task: p1,
    model: strongModel,
    qualityRequirement: strongModel === "auto" ? "high" : undefined,
    modelAllowList: (strongModel === "auto" ? await strongTier(db, input.teamId, p1, input.modelAllowList) : undefined) ?? input.modelAllowList,
    constraints: input.capMicros !== undefined && strongModel === "auto" ? { maxCostMicros: input.capMicros } : undefined,
    maxOutputTokens: await outputAllowance(db, { model: strongModel, prompt: p1, capMicros: input.capMicros, stepKey }),
  });
  const ins = yield* relay("instructions", first);

  const left = input.capMicros !== undefined ? input.capMicros - ins.costMicros : undefined;
  if (left !== undefined && left <= 0) {
    const [cost, cap] = formatUsdApart(ins.costMicros, input.capMicros!);
    throw new StepStopError(`Step "${stepKey}" is over its cost cap: the instructions alone cost ${cost} of the ${cap} cap, leaving nothing for the cheap model.`);
  }
  const p2 = executionPrompt(input.task, ins.text);
  const second = delegateStream(db, {
    ...base,
    task: p2,
    model: cheapModel,
    qualityRequirement: cheapModel === "auto" ? "low" : undefined,
    constraints: left !== undefined && cheapModel === "auto" ? { maxCostMicros: left } : undefined,
    maxOutputTokens: await outputAllowance(db, { model: cheapModel, prompt: p2, capMicros: left, wanted: input.maxOutputTokens, stepKey }),
  });
  let exe: DelegateResult;
  try {
    exe = yield* relay("execution", second);
  } catch (e) {
    // The instructions were paid for; an error that only named the cheap call's failure hid that.
    if (e instanceof DelegateError) e.message += ` The instructions ${ins.model} wrote before this cost ${formatUsd(ins.costMicros)} and are charged.`;
    throw e;
  }

  const total = ins.costMicros + exe.costMicros;
  let strongAlone: StrongAlone;
  if (input.compare) {
    // Streamed from the provider, so cancelling the run stops it at once (a plain request would run to its end: delegate.ts).
    const alone = await delegate(db, { ...base, task: input.task, model: ins.model, maxOutputTokens: input.maxOutputTokens, stream: true });
    strongAlone = {
      method: "measured",
      model: alone.model,
      costMicros: alone.costMicros,
      inputTokens: alone.usage.inputTokens,
      outputTokens: alone.usage.outputTokens,
      requestId: alone.requestId,
      text: alone.text,
      explanation: `Measured: ${alone.model} was run on the task alone and cost ${formatUsd(alone.costMicros)} (${alone.usage.inputTokens} prompt + ${alone.usage.outputTokens} answer tokens, as its provider reported).`,
    };
  } else {
    strongAlone = await estimateStrongAlone(db, { strongModel: ins.model, task: input.task, observedOutputTokens: exe.usage.outputTokens });
  }
  const saving = strongAlone.costMicros - total;
  return {
    task: input.task,
    instructions: { ...summary(ins), text: ins.text },
    execution: { ...summary(exe), text: exe.text },
    totalCostMicros: total,
    strongAlone,
    savingMicros: saving,
    savingPct: strongAlone.costMicros > 0 ? Math.round((saving / strongAlone.costMicros) * 1000) / 10 : 0,
  };
}

/**
 * One task through instruction synthesis, for the playground: both results, both costs, and the
 * saving against the strong model alone (estimated from observed tokens, or measured with `compare`).
 */
export async function runSynthesis(
  db: Db,
  input: { teamId: string; userId?: string | null; apiKeyId?: string | null; task: string; strongModel?: string; cheapModel?: string; compare?: boolean; source?: DelegateInput["source"]; signal?: AbortSignal },
): Promise<SynthesisResult> {
  const it = synthesisStream(db, { ...input, source: input.source ?? "playground" });
  for (;;) {
    const { value, done } = await it.next();
    if (done) return value;
  }
}

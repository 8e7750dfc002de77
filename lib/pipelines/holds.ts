import type { Db } from "@/db";
import { checkReserve, type Payer } from "@/lib/budgets";
import { loadFleet, type FleetModel } from "@/lib/execution/fleet";
import { maxCostMicros, promptTokensAtMost } from "@/lib/providers/cost";
import { outputAllowance, StepStopError } from "./caps";
import type { StepDef } from "./schemas";
import { instructionPrompt } from "./synthesis";
import { renderTemplate } from "./template";
import { stagesOf } from "./validate";

/**
 * The least budget hold the first call of each step in a run's first stage will take. delegate()
 * holds a call's worst case — the most tokens its prompt can be and the output allowance at the model's prices —
 * so for a named model this is that hold exactly; for "auto" it is the cheapest enabled model's (the
 * router may choose a dearer one). A synthesis step's first call is the strong model's instructions.
 * Steps that will stop for another reason (a disabled model, a prompt over its cap) are left out:
 * the runner reports those on the step.
 */
export async function firstStageHolds(db: Db, steps: StepDef[], input: string): Promise<{ key: string; holdMicros: number }[]> {
  const fleet = await loadFleet(db);
  const enabled = [...fleet.byName.values()].filter((f) => f.candidate.enabled);
  const out: { key: string; holdMicros: number }[] = [];
  for (const def of stagesOf(steps)[0] ?? []) {
    const synthesis = def.kind === "synthesis";
    const model = synthesis ? (def.strongModel ?? "auto") : def.model;
    const pool: FleetModel[] = model === "auto" ? enabled : enabled.filter((f) => f.model.name === model);
    if (!pool.length) continue;
    let task: string;
    try {
      task = renderTemplate(def.template, { input, steps: {} });
    } catch {
      continue; // a template the runner cannot fill: it fails the step with the reason
    }
    const prompt = synthesis ? instructionPrompt(task) : task;
    const maxOut = await outputAllowance(db, { model, prompt, capMicros: def.maxCostMicros, wanted: synthesis ? undefined : def.maxOutputTokens, stepKey: def.key }).catch((e) => {
      if (e instanceof StepStopError) return null;
      throw e;
    });
    if (maxOut === null) continue;
    const promptTokens = promptTokensAtMost([{ content: prompt }]);
    const holds = pool.map((f) => maxCostMicros(promptTokens, maxOut, { inputPerMTokMicros: f.model.inputPriceMicros, outputPerMTokMicros: f.model.outputPriceMicros, cachedInputPerMTokMicros: f.model.cachedInputPriceMicros }));
    out.push({ key: def.key, holdMicros: Math.min(...holds) });
  }
  return out;
}

/**
 * Refuses a run up front, with the 402 a direct call would get, when a hard budget cannot hold even
 * its first stage's first calls (lib/budgets' own rule, `checkReserve`): such a run would only fail
 * at its first step. A budget that runs out later still stops the run between steps.
 */
export async function refuseUnaffordableStart(db: Db, payer: Payer, steps: StepDef[], input: string): Promise<void> {
  for (const h of await firstStageHolds(db, steps, input)) await checkReserve(db, payer, h.holdMicros);
}

import type { Db } from "@/db";
import { loadFleet } from "@/lib/execution/fleet";
import { formatUsdApart } from "@/lib/format";
import { estimateMessagesTokens, outputTokensWithin } from "@/lib/providers/cost";

/** A step that cannot run, with the reason shown on the run page. Not a bug: the run stops there. */
export class StepStopError extends Error {
  constructor(
    message: string,
    public readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = "StepStopError";
  }
}

export const DEFAULT_STEP_OUTPUT_TOKENS = 1024;
const MIN_OUTPUT_TOKENS = 16;

/**
 * For a named model under a cost cap: the most output tokens that keep the worst case (every
 * prompt token at the input price, the whole allowance at the output price — how delegate()
 * sizes its reservation) within the cap. Throws StepStopError when not even a short answer fits.
 * For "auto" or a model not in the fleet, returns the wanted allowance unchanged: the router
 * applies the cap to its choice and delegate() refuses unknown models.
 */
export async function outputAllowance(db: Db, opts: { model: string; prompt: string; capMicros?: number; wanted?: number; stepKey: string }): Promise<number> {
  const wanted = opts.wanted ?? DEFAULT_STEP_OUTPUT_TOKENS;
  if (opts.capMicros === undefined || opts.model === "auto") return wanted;
  const fm = (await loadFleet(db)).byName.get(opts.model);
  if (!fm) return wanted;
  const promptTokens = estimateMessagesTokens([{ content: opts.prompt }]);
  const inputScaled = promptTokens * fm.model.inputPriceMicros;
  const bound = outputTokensWithin(opts.capMicros, promptTokens, { inputPerMTokMicros: fm.model.inputPriceMicros, outputPerMTokMicros: fm.model.outputPriceMicros, cachedInputPerMTokMicros: fm.model.cachedInputPriceMicros });
  if (bound < MIN_OUTPUT_TOKENS) {
    const [inputCost, cap] = formatUsdApart(Math.ceil(inputScaled / 1e6), opts.capMicros);
    throw new StepStopError(
      `Step "${opts.stepKey}" is over its cost cap: its prompt (~${promptTokens} tokens) costs about ${inputCost} on ${opts.model} before any answer, and the cap is ${cap}. Raise the cap, shorten the prompt or pick a cheaper model.`,
    );
  }
  return Math.min(wanted, bound);
}

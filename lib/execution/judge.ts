import type { Db } from "@/db";
import type { QualityRequirement } from "@/lib/analysis/types";
import type { Rating } from "@/lib/learning";
import { learnRating } from "@/lib/ratings/service";
import { delegate, type DelegateInput, type DelegateResult } from "./delegate";

/**
 * The team's judge model (admin → Routing) grades an answer before the unified API returns it:
 * that grade is `quality_metrics.score`, and `was_optimal_choice` is read from it. Without a judge
 * (or when its reply holds no score) both stay null: nothing is estimated in their place.
 */

/** Judges see the task and the answer, and are asked for one line "Score: N" (1–10). */
export function judgePrompt(task: string, answer: string): string {
  return (
    `You are grading an AI assistant's answer. Judge correctness first, then completeness and clarity.\n` +
    `Reply with one line and nothing else: "Score: N", where N is a whole number from 1 (useless or wrong) to 10 (correct and complete).\n\n` +
    `Task:\n${task}\n\nAnswer:\n${answer}`
  );
}

/** The judge's "Score: N" (N from 1 to 10, "/10" allowed) as 0..1; null when the reply has no such line. */
export function parseJudgeScore(text: string): number | null {
  const m = /\bscore\s*[:=]\s*(\d{1,2}(?:\.\d+)?)\s*(?:\/\s*10)?/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  if (!(n >= 1 && n <= 10)) return null;
  return Math.round(((n - 1) / 9) * 1000) / 1000;
}

/** The score an answer needs to count as good enough for the task's quality requirement. */
export const QUALITY_BAR: Record<QualityRequirement, number> = { low: 0.4, normal: 0.6, high: 0.8 };

export type Judgement = { score: number | null; judgedBy: string; costMicros: number; requestId: string | null; error: string | null };

/**
 * Whether the choice was good enough, from a score (a judge's, or a person's rating as 0..1):
 * null without one. True means the answer reached the bar for its quality requirement; it does
 * not claim that no cheaper model would have, which no one observed.
 */
export function optimalFrom(score: number | null, requirement: QualityRequirement, source: string): { value: boolean | null; basis: string } {
  if (score === null) return { value: null, basis: "not known: the answer has not been judged or rated" };
  const bar = QUALITY_BAR[requirement];
  return {
    value: score >= bar,
    basis: `${source} ${score.toFixed(2)} ${score >= bar ? "reaches" : "is below"} the ${bar.toFixed(2)} bar for a ${requirement}-quality task; whether a cheaper model would also have reached it is not known`,
  };
}

/**
 * Asks `judgeModel` to grade `result` (an answer to `task`) through delegate(), so the judge's call
 * is routed, budgeted and recorded like any other. A usable score also teaches the learner, as an
 * automatic signal on the judged model. Never throws: a failed judge leaves the score null.
 */
export async function judgeAnswer(
  db: Db,
  opts: { judgeModel: string; task: string; result: DelegateResult; caller: Pick<DelegateInput, "teamId" | "userId" | "apiKeyId" | "source" | "modelAllowList"> },
): Promise<Judgement> {
  // The judge reads the task and the answer: a key kept to some models keeps its material to them.
  const allow = opts.caller.modelAllowList ?? [];
  if (allow.length && !allow.includes(opts.judgeModel)) {
    return { score: null, judgedBy: opts.judgeModel, costMicros: 0, requestId: null, error: `not judged: the judge model ${opts.judgeModel} is not among this API key's allowed models (${allow.join(", ")})` };
  }
  try {
    // A private task stays private: tagged so, the judge's call is refused unless the judge is local.
    const contextTags = opts.result.profile.privacy.private ? ["private"] : undefined;
    const j = await delegate(db, { ...opts.caller, model: opts.judgeModel, task: judgePrompt(opts.task, opts.result.text), contextTags, maxOutputTokens: 16, generation: { temperature: 0 }, noSummarise: true });
    const score = parseJudgeScore(j.text);
    if (score !== null) {
      const rating: Rating = { kind: "stars", stars: (1 + Math.round(score * 4)) as 1 | 2 | 3 | 4 | 5 };
      await learnRating(db, opts.caller.teamId, { domain: opts.result.profile.domain, model: opts.result.model, rating, prompt: opts.task });
    }
    return { score, judgedBy: j.model, costMicros: j.costMicros, requestId: j.requestId, error: score === null ? `the judge's reply held no "Score: N" line` : null };
  } catch (e) {
    return { score: null, judgedBy: opts.judgeModel, costMicros: 0, requestId: null, error: e instanceof Error ? e.message : String(e) };
  }
}

import type { TaskProfile } from "@/lib/analysis";
import { DEFAULT_EXPLORATION, explorationChoice, qualityEstimate, type QualityEstimate } from "@/lib/learning";
import { formatUsd } from "@/lib/format";
import { capabilityLabels, capabilityReasons, capabilityWords } from "./capabilities";
import { contextTooLargeMessage, eligibleModels, taskTokensOn, type EligibilityRequest } from "./eligible";
import { contextBudget } from "./trim";
import type { RouteCandidate, RouteContext, RouteDecision, RouteRefusal, ScoredCandidate, TrimPlan } from "./types";

/** How many fallbacks a decision carries. */
const MAX_FALLBACKS = 3;

/**
 * Knob → λ, the weight of cost (in units of costScale) against one point of quality.
 * 0.5 → 1; 0.75 → 0.11; 0.9 → 0.012; 1 → 0 (quality only); 0 → ∞ (cheapest).
 */
export function lambdaFor(qualityVsCost: number): number {
  const k = Math.min(1, Math.max(0, qualityVsCost));
  if (k >= 1) return 0;
  if (k <= 0) return Infinity;
  return ((1 - k) / k) ** 2;
}

/** The knob after the task's own requirements: "high" quality moves it halfway to 1, "low" halves it. */
export function effectiveKnob(profile: TaskProfile, qualityVsCost: number): number {
  let k = Math.min(1, Math.max(0, qualityVsCost));
  if (profile.quality.requirement === "high") k = k + (1 - k) * 0.5;
  else if (profile.quality.requirement === "low") k = k * 0.5;
  return k;
}

export function estimateCostMicros(c: RouteCandidate, inputTokens: number, outputTokens: number): number {
  if (c.estimatedCostMicros !== undefined) return c.estimatedCostMicros;
  return (inputTokens * c.inputPerMTokMicros + outputTokens * c.outputPerMTokMicros) / 1e6;
}

/**
 * Before any evidence, a dearer cost tier is expected to do somewhat better. Without this every
 * model that lists a task's domain tied at the same prior, and the cheapest won even when the task
 * asked for high quality (a free 7B model for a complex refactor). Small next to what a few ratings
 * move; tiers the fleet does not define (an outcomes file's models) get no adjustment.
 */
export const TIER_PRIOR: Record<string, number> = { free: -0.06, low: -0.03, medium: 0, high: 0.04 };

/** On a task that asks for high quality, exploration may not go to a model expected to be worse by more than this. */
const HIGH_QUALITY_EXPLORE_MARGIN = 0.05;

const refuse = (code: RouteRefusal["code"], message: string): RouteRefusal => ({ refused: true, code, message });

/** Φ, the standard normal CDF (Abramowitz–Stegun 7.1.26 through erf). */
function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

interface Eligible {
  c: RouteCandidate;
  cost: number;
  trim?: { keepTokens: number; limit: "window" | "max_tokens" };
}

/**
 * What route() asks of a model before scoring (eligibleModels), for this profile and context:
 * callers that must explain a refusal (an explicitly named model without a capability) ask the
 * same. `output` is the answer's expected size, capped at a quarter of max_tokens.
 */
export function eligibilityOf(profile: TaskProfile, ctx: Pick<RouteContext, "settings" | "needs" | "output" | "imageTokens">): { output: number; eligibility: EligibilityRequest } {
  const maxTokens = profile.cost.maxTokens;
  const output = maxTokens !== undefined ? Math.min(profile.expectedOutputTokens, Math.max(1, Math.floor(maxTokens / 4))) : profile.expectedOutputTokens;
  // The window must hold an allowance the caller asked for (it is sent as max_tokens, and a vendor
  // refuses a prompt and max_tokens over the window), not only the answer expected.
  const room = ctx.output ? Math.max(output, ctx.output.tokens) : output;
  return {
    output,
    eligibility: { allowList: ctx.settings.allowList, privacy: profile.privacy, needs: ctx.needs ?? [], output: ctx.output, fit: { taskTokens: profile.taskTokens, outputTokens: room, imageTokens: ctx.imageTokens, asked: room > output } },
  };
}

/**
 * The delegation engine: capability filter → scoring → cost-benefit choice → fallbacks.
 * Pure given the snapshot (and the rng, when exploring). Refuses — never silently downgrades —
 * when no model may take the task, and never lets a private task reach a non-local model.
 */
export function route(profile: TaskProfile, candidates: RouteCandidate[], ctx: RouteContext): RouteDecision | RouteRefusal {
  if (profile.empty) return refuse("empty_task", "The task is empty, so there is nothing to route. Send the task's text in `task`.");

  const excluded: { id: string; why: string }[] = [];
  const exclusionOf = new Map<string, string>();
  const exclude = (id: string, why: string) => {
    excluded.push({ id, why });
    exclusionOf.set(id, why);
  };
  const pref = ctx.preference;
  if (pref !== undefined && !candidates.some((c) => c.id === pref)) {
    return refuse("preference_unavailable", `The requested model "${pref}" is not in the model catalog. Use one of: ${candidates.map((c) => c.id).join(", ") || "(none)"}, or drop the preference.`);
  }

  // 1–3. Who may take it at all: enabled, allowed, local for a private task, the capabilities it
  // needs, an output limit that holds the answer's allowance asked for, a window that holds the task
  // and its answer (eligibleModels). Never relaxed.
  const { output, eligibility } = eligibilityOf(profile, ctx);
  const maxTokens = profile.cost.maxTokens;
  const gate = eligibleModels(candidates, eligibility);
  for (const x of gate.excluded) exclude(x.id, x.why);
  const fit = eligibility.fit!;
  // Images count per model: the task is as small as it is on the model that bills them least, of
  // those that may take it (a disabled or incapable model's smaller count would misname the refusal).
  const leastTask = Math.min(...(gate.models.length ? gate.models : candidates).map((c) => taskTokensOn(c, fit)));
  const tooSmall =
    maxTokens !== undefined && leastTask + output > maxTokens
      ? refuse("max_tokens_too_small", `max_tokens is ${maxTokens}, but the task alone is about ${leastTask} tokens and the answer needs room too (~${output}). Raise max_tokens to at least ${leastTask + output}, or shorten the task.`)
      : undefined;
  if (gate.refusal && gate.refusal.code !== "context_too_large") return gate.refusal;
  if (tooSmall) return tooSmall;
  if (gate.refusal) return gate.refusal;
  const needs = eligibility.needs ?? [];
  const needWords = capabilityWords(needs);

  // The context (context + files) may be trimmed to what the window and max_tokens leave.
  const sized: Eligible[] = [];
  for (const c of gate.models) {
    const task = taskTokensOn(c, fit);
    const b = contextBudget({ taskTokens: task, trimmableTokens: profile.trimmableTokens, outputTokens: fit.outputTokens, contextWindow: c.contextWindow, maxTokens });
    if (b.fits) sized.push({ c, cost: estimateCostMicros(c, task + profile.trimmableTokens, output) });
    else if (b.keepTokens > 0) {
      sized.push({ c, cost: estimateCostMicros(c, task + b.keepTokens, output), trim: { keepTokens: b.keepTokens, limit: b.limit } });
    } else exclude(c.id, `its context window (${c.contextWindow} tokens) or max_tokens leaves no room for any context beside the task (${task}) and its answer (~${fit.outputTokens})`);
  }
  if (sized.length === 0) return refuse("context_too_large", contextTooLargeMessage(fit, gate.models));

  // 4. max_cost and max_time.
  let eligible = sized;
  const maxCost = profile.cost.maxCostMicros;
  if (maxCost !== undefined) {
    const ok = eligible.filter((e) => e.cost <= maxCost);
    for (const e of eligible) if (e.cost > maxCost) exclude(e.c.id, `~${formatUsd(e.cost)} is over max_cost ${formatUsd(maxCost)}`);
    if (ok.length === 0) {
      const cheapest = eligible.reduce((a, b) => (b.cost < a.cost ? b : a));
      return refuse("over_max_cost", `No eligible model can do this within max_cost ${formatUsd(maxCost)} (${maxCost} µ$): the cheapest, ${cheapest.c.id}, would cost about ${formatUsd(cheapest.cost)}. Raise max_cost, or shorten the task or its context.`);
    }
    eligible = ok;
  }
  const maxTime = profile.timeSensitivity.maxTimeMs;
  if (maxTime !== undefined) {
    const ok = eligible.filter((e) => e.c.p50LatencyMs === undefined || e.c.p50LatencyMs <= maxTime);
    for (const e of eligible) if (e.c.p50LatencyMs !== undefined && e.c.p50LatencyMs > maxTime) exclude(e.c.id, `p50 latency ${e.c.p50LatencyMs} ms is over max_time ${maxTime} ms`);
    if (ok.length === 0) {
      const fastest = eligible.reduce((a, b) => ((b.c.p50LatencyMs ?? Infinity) < (a.c.p50LatencyMs ?? Infinity) ? b : a));
      return refuse("over_max_time", `No eligible model answers within max_time ${maxTime} ms: the fastest, ${fastest.c.id}, takes about ${fastest.c.p50LatencyMs} ms (p50). Raise max_time or enable a faster model.`);
    }
    eligible = ok;
  }

  // 5. Scoring: learned quality − λ·cost − latency penalty.
  const knob = effectiveKnob(profile, ctx.settings.qualityVsCost);
  const lambda = lambdaFor(knob);
  // Never 0: a fleet (or an outcomes file) where everything is free would make 0/0 of every cost term.
  const scale = Math.max(1e-9, ctx.settings.costScaleMicros ?? Math.max(...eligible.map((e) => e.cost)));
  const latencyWeight = profile.timeSensitivity.level === "urgent" ? 0.15 : profile.timeSensitivity.level === "high" ? 0.05 : 0;
  const maxLatency = Math.max(1, ...eligible.map((e) => e.c.p50LatencyMs ?? 0));
  const policy = { ...DEFAULT_EXPLORATION, ...ctx.settings.exploration };
  const estimates = new Map<string, QualityEstimate>();
  const penalty = (e: Eligible) => {
    const costTerm = lambda === Infinity ? e.cost * 1e9 : (lambda * e.cost) / scale;
    return costTerm + (latencyWeight * (e.c.p50LatencyMs ?? 0)) / maxLatency;
  };
  // Relative log-price position of each candidate (0 cheapest … 1 dearest), centred on the
  // candidates' mean: the learned prior of a model the snapshot does not know depends on it.
  const logCost = eligible.map((e) => Math.log(Math.max(e.cost, 1e-6)));
  const lcMin = Math.min(...logCost);
  const lcRange = Math.max(...logCost) - lcMin;
  const positions = logCost.map((l) => (lcRange > 1e-9 ? (l - lcMin) / lcRange : 0));
  const meanPosition = positions.reduce((a, b) => a + b, 0) / positions.length;
  const scored: (ScoredCandidate & { e: Eligible })[] = eligible.map((e, i) => {
    const strong = e.c.strengths.includes(profile.domain);
    const est = qualityEstimate(ctx.learned, {
      domain: profile.domain,
      model: e.c.id,
      vector: profile.vector,
      prior: { mean: (strong ? 0.7 : 0.5) + (TIER_PRIOR[e.c.costTier] ?? 0), strength: 2 },
      explorationScale: policy.scale,
      pricePosition: positions[i] - meanPosition,
    });
    estimates.set(e.c.id, est);
    return { id: e.c.id, quality: est.mean, qualitySd: est.sd, qualitySource: est.source, evidence: est.evidence, costMicros: e.cost, utility: est.mean - penalty(e), e };
  });
  // Best utility first; ties go to the cheaper model, then the name, so the order is deterministic.
  scored.sort((a, b) => b.utility - a.utility || a.costMicros - b.costMicros || (a.id < b.id ? -1 : 1));

  let chosen = scored[0];
  let explored = false;
  let explorationCostMicros = 0;
  let exploreNote = "";
  let preferred = false;
  if (pref !== undefined) {
    const hit = scored.find((s) => s.id === pref);
    if (!hit) {
      const why = exclusionOf.get(pref) ?? "not eligible";
      return refuse("preference_unavailable", `The requested model "${pref}" cannot take this task: ${why}. Drop the preference to let the router choose, or change what rules it out.`);
    }
    chosen = hit;
    preferred = true;
  } else if (ctx.rng && policy.enabled && policy.scale > 0 && scored.length > 1) {
    let best = scored[0];
    let bestU = -Infinity;
    for (const s of scored) {
      const u = estimates.get(s.id)!.sample(ctx.rng) - penalty(s.e);
      if (u > bestU) {
        bestU = u;
        best = s;
      }
    }
    if (best.id !== scored[0].id && profile.quality.requirement === "high" && best.quality < scored[0].quality - HIGH_QUALITY_EXPLORE_MARGIN) {
      // A task that asks for high quality is not where to try a model expected to do worse.
      exploreNote = ` A posterior draw favoured ${best.id}, but this task asks for high quality and its expected quality is lower (${best.quality.toFixed(2)} vs ${scored[0].quality.toFixed(2)}).`;
    } else if (best.id !== scored[0].id) {
      const x = explorationChoice(policy, scored[0].costMicros, best.costMicros);
      if (x.explore) {
        chosen = best;
        explored = true;
        explorationCostMicros = x.extraCostMicros;
        exploreNote = ` Exploring: a posterior draw favoured it over ${scored[0].id} (${x.why}).`;
      } else exploreNote = ` A posterior draw favoured ${best.id}, but ${x.why}.`;
    }
  }

  // 6. Fallbacks: the next best, with another provider first so one outage does not take all.
  const rest = scored.filter((s) => s.id !== chosen.id);
  const otherProvider = rest.findIndex((s) => s.e.c.provider !== chosen.e.c.provider);
  if (otherProvider > 0) rest.unshift(...rest.splice(otherProvider, 1));
  const fallbacks = rest.slice(0, MAX_FALLBACKS).map((s) => s.id);

  // 7. Confidence: P(chosen beats the runner-up), normal approximation on utilities.
  const runnerUp = scored.find((s) => s.id !== chosen.id);
  let confidence = 1;
  if (preferred) confidence = 1;
  else if (runnerUp) {
    const sd = Math.sqrt(chosen.qualitySd ** 2 + runnerUp.qualitySd ** 2) || 1e-6;
    confidence = normalCdf((chosen.utility - runnerUp.utility) / sd);
  }
  confidence = Math.round(confidence * 100) / 100;

  // 8. Trim plan.
  let trim: TrimPlan | undefined;
  if (chosen.e.trim) {
    const keep = chosen.e.trim.keepTokens;
    const summarise = profile.trimmableTokens > keep * 2 && keep > 0;
    const summariser = summarise ? [...scored].sort((a, b) => a.costMicros - b.costMicros)[0].id : undefined;
    trim = {
      fromTokens: profile.trimmableTokens,
      toTokens: keep,
      method: summarise ? "summarise" : "trim",
      ...(summariser ? { summariser } : {}),
      reason: `the context (${profile.trimmableTokens} tokens) does not fit ${chosen.e.trim.limit === "window" ? `${chosen.id}'s ${chosen.e.c.contextWindow}-token window` : `max_tokens ${maxTokens}`} with the task and answer; ${summarise ? `summarise it with ${summariser}` : "trim it"} to ${keep} tokens`,
    };
  }

  // 9. Explanation.
  const src =
    chosen.qualitySource === "text-model"
      ? `learned from ${Math.round(chosen.evidence)} outcomes of tasks like this`
      : chosen.qualitySource === "ratings"
        ? `from ${Math.round(chosen.evidence * 10) / 10} ratings/signals on ${profile.domain} tasks`
        : chosen.e.c.strengths.includes(profile.domain)
          ? `prior: lists ${profile.domain} as a strength${chosen.e.c.costTier in TIER_PRIOR ? `, ${chosen.e.c.costTier} tier` : ""}, no ratings yet`
          : `prior only${chosen.e.c.costTier in TIER_PRIOR ? `, ${chosen.e.c.costTier} tier` : ""}, no ratings yet`;
  const parts = [
    preferred ? `Chose ${chosen.id} because it was requested explicitly.` : `Chose ${chosen.id} for a ${profile.complexity.level} ${profile.domain} task (~${taskTokensOn(chosen.e.c, fit) + profile.trimmableTokens} tokens in, ~${output} out).`,
    `Expected quality ${chosen.quality.toFixed(2)} (${src}) at ~${formatUsd(chosen.costMicros)}.`,
  ];
  if (!preferred && runnerUp) {
    const cheaper = runnerUp.costMicros < chosen.costMicros;
    parts.push(
      `Best trade-off at quality-vs-cost ${knob.toFixed(2)}${knob !== ctx.settings.qualityVsCost ? ` (team setting ${ctx.settings.qualityVsCost}, adjusted for ${profile.quality.requirement} quality)` : ""}: runner-up ${runnerUp.id} ${runnerUp.quality.toFixed(2)} at ~${formatUsd(runnerUp.costMicros)}${cheaper ? " (cheaper, but lower expected quality)" : ""}.`,
    );
  }
  if (profile.privacy.private) parts.push("Private task: only local models were considered.");
  if (needs.length) parts.push(`Needs ${needWords} (${capabilityReasons(needs)}): only models that support ${capabilityLabels(needs).length > 1 ? "them" : "it"} were considered.`);
  if (latencyWeight > 0) parts.push(`Time-sensitive (${profile.timeSensitivity.level}): slower models were penalised.`);
  if (trim) parts.push(`Context: ${trim.reason}.`);
  if (excluded.length > 0) parts.push(`Ruled out: ${excluded.slice(0, 4).map((x) => `${x.id} (${x.why})`).join(", ")}${excluded.length > 4 ? `, and ${excluded.length - 4} more` : ""}.`);
  const reason = parts.join(" ") + exploreNote;

  return {
    model: chosen.id,
    reason,
    confidence,
    fallbacks,
    estimatedCostMicros: Math.round(chosen.costMicros),
    explored,
    explorationCostMicros: Math.round(explorationCostMicros),
    ...(trim ? { trim } : {}),
    scored: scored.map(({ e: _e, ...s }) => s),
    excluded,
  };
}

export function isRefusal(r: RouteDecision | RouteRefusal): r is RouteRefusal {
  return r.refused === true;
}

import { capabilityLabels, capabilityReasons, capabilityWithout, capabilityWords, lacking, type Capability } from "./capabilities";
import type { OutputAsk, RouteCandidate, RouteRefusal } from "./types";

/** What decides whether a model may take a request at all, before any scoring. */
export interface EligibilityRequest {
  /** When set (and non-empty), only these model ids (the team's list combined with the key's: `combineAllowLists`). */
  allowList?: string[];
  /** A private request (secrets, personal data, a private tag) may reach only local models. */
  privacy?: { private: boolean; reasons: string[] };
  /** `requiredCapabilities(request)`. */
  needs?: readonly Capability[];
  /** The answer's allowance the caller asked for: a model's output limit must hold it. */
  output?: OutputAsk;
  /** The part of the request that cannot be trimmed: the task (its images counted per model) and room for its answer must fit the window. */
  fit?: TaskFit;
}

/** `imageTokens`: the request's images on a model, as its vendor bills them (`RouteContext.imageTokens`). */
export type TaskFit = {
  taskTokens: number;
  outputTokens: number;
  imageTokens?: (id: string) => number;
  /** outputTokens is the allowance the caller asked for (max_tokens), not the answer expected: a refusal says to lower it. */
  asked?: boolean;
};

/** The task's tokens on model `c`: its text, and its images as `c`'s vendor bills them. */
export const taskTokensOn = (c: Pick<RouteCandidate, "id">, fit: Omit<TaskFit, "outputTokens">): number => fit.taskTokens + (fit.imageTokens?.(c.id) ?? 0);

export type Exclusion = { id: string; why: string };

export type Eligibility = {
  /** The models that may take the request, in the candidates' order. */
  models: RouteCandidate[];
  /** Every other candidate, with why. */
  excluded: Exclusion[];
  /** Set when no model is left: the code and a message that says why and what to change. */
  refusal?: RouteRefusal;
};

const NOT_ALLOWED = "not among the allowed models (the team's routing settings or the API key's list)";

/**
 * The one candidate filter: which models may take a request. route() scores only these; an
 * explicitly named model's refusal and the pipelines' strong tier list from the same answer, so
 * what they say always matches what the router would do. In order, each never relaxed:
 * enabled → allow-list → privacy (local only) → capabilities → the output limit holds the answer's
 * allowance asked for → the window holds the task and its answer. When a step leaves nothing,
 * `refusal` says which step and what to change.
 */
export function eligibleModels(candidates: readonly RouteCandidate[], req: EligibilityRequest): Eligibility {
  const excluded: Exclusion[] = [];
  const allow = req.allowList?.length ? new Set(req.allowList) : undefined;
  const refused = (code: RouteRefusal["code"], message: string): Eligibility => ({ models: [], excluded, refusal: { refused: true, code, message } });

  let pool: RouteCandidate[] = [];
  for (const c of candidates) {
    if (!c.enabled) excluded.push({ id: c.id, why: "disabled" });
    else if (allow && !allow.has(c.id)) excluded.push({ id: c.id, why: NOT_ALLOWED });
    else pool.push(c);
  }
  if (pool.length === 0) {
    return refused(
      "no_candidates",
      `No model may take this task: ${candidates.length === 0 ? "no models are configured" : `all ${candidates.length} are disabled or outside the allowed models (the team's routing settings or the API key's list)`}. Enable a model, or allow one in Admin → Routing or on the key.`,
    );
  }

  const priv = req.privacy?.private === true;
  if (priv) {
    for (const c of pool) if (!c.local) excluded.push({ id: c.id, why: "not local, and the task is private" });
    pool = pool.filter((c) => c.local);
    if (pool.length === 0) {
      return refused(
        "private_needs_local",
        `This task is private (${req.privacy!.reasons.join("; ")}), so only a local model may see it, and no enabled, allowed local model exists. Enable a local model (e.g. one served by Ollama) and allow it, or remove the private data or tag from the task.`,
      );
    }
  }

  const needs = req.needs ?? [];
  if (needs.length > 0) {
    const able = pool.filter((c) => lacking(c, needs).length === 0);
    for (const c of pool) {
      const missing = lacking(c, needs);
      if (missing.length) excluded.push({ id: c.id, why: `does not support ${capabilityWords(missing)}` });
    }
    if (able.length === 0) return refused("missing_capability", missingCapabilityMessage(candidates, pool, needs, priv, allow));
    pool = able;
  }

  const ask = req.output;
  if (ask) {
    const able = pool.filter((c) => answerRoom(c, ask) >= ask.tokens);
    for (const c of pool) if (answerRoom(c, ask) < ask.tokens) excluded.push({ id: c.id, why: outputLimitWhy(c, ask) });
    if (able.length === 0) return refused("max_tokens_too_large", maxTokensTooLargeMessage(pool, ask, priv));
    pool = able;
  }

  const fit = req.fit;
  if (fit) {
    const fitting: RouteCandidate[] = [];
    for (const c of pool) {
      const task = taskTokensOn(c, fit);
      if (c.contextWindow >= task + fit.outputTokens) fitting.push(c);
      else excluded.push({ id: c.id, why: `context window ${c.contextWindow} tokens leaves no room for the task (${task}), its answer (~${fit.outputTokens}) and any context` });
    }
    if (fitting.length === 0) return refused("context_too_large", contextTooLargeMessage(fit, pool));
    pool = fitting;
  }
  return { models: pool, excluded };
}

const n = (x: number) => x.toLocaleString("en-US");

/** The most answer tokens `c` can give: its output limit less what it spends beyond the answer; Infinity when the limit is unknown. */
export function answerRoom(c: RouteCandidate, ask: Pick<OutputAsk, "beyond">): number {
  return c.maxOutputTokens == null ? Infinity : c.maxOutputTokens - (ask.beyond?.(c) ?? 0);
}

/** Why `c` cannot give the allowance: "answers at most 8,192 tokens in one response, and max_tokens is 10,000". */
export function outputLimitWhy(c: RouteCandidate, ask: OutputAsk): string {
  const beyond = ask.beyond?.(c) ?? 0;
  const thinking = beyond ? `, ${n(beyond)} of them at least thinking for reasoning_effort` : "";
  return `answers at most ${n(c.maxOutputTokens!)} tokens in one response${thinking}, and max_tokens is ${n(ask.tokens)}`;
}

/** The max_tokens_too_large refusal: the most any model it may use can answer, which one, and what to change. */
function maxTokensTooLargeMessage(pool: RouteCandidate[], ask: OutputAsk, priv: boolean): string {
  const best = pool.reduce((a, b) => (answerRoom(b, ask) > answerRoom(a, ask) ? b : a));
  const most = Math.max(0, answerRoom(best, ask));
  const beyond = ask.beyond?.(best) ?? 0;
  const thinking = beyond ? ` beside the ${n(beyond)} tokens it thinks at least for reasoning_effort` : "";
  return (
    `max_tokens ${n(ask.tokens)} is more than any enabled, allowed${priv ? " local" : ""} model can answer in one response (the most is ${n(most)}, ${best.id}${thinking}). ` +
    `Lower max_tokens to ${n(most)} or less${beyond ? ", or leave reasoning_effort out" : ""}, or enable and allow a model with a larger output limit (Admin → Models shows each model's).`
  );
}

/** Why no model's window holds the task: its size on the model with the largest window (where images count per model). */
export function contextTooLargeMessage(fit: TaskFit, models: readonly RouteCandidate[]): string {
  const largest = models.reduce((a, b) => (b.contextWindow > a.contextWindow ? b : a));
  const task = taskTokensOn(largest, fit);
  const lower = fit.asked && largest.contextWindow > task ? `Lower max_tokens to ${largest.contextWindow - task} or less, split` : "Split";
  return `The task needs about ${task + fit.outputTokens} tokens (task ${task} + answer ~${fit.outputTokens}), more than the largest usable context window (${largest.contextWindow}). ${lower} the task into parts, move material into context (which can be trimmed), or enable a model with a larger window.`;
}

/** "a, b, c, and 2 more". */
const names = (ids: string[], most = 5) => ids.slice(0, most).join(", ") + (ids.length > most ? `, and ${ids.length - most} more` : "");

/**
 * The missing_capability refusal: what the request needs and why, which of the models it may use
 * lack what, the models that have it but are disabled or not allowed (what to enable), and the
 * way without it.
 */
function missingCapabilityMessage(candidates: readonly RouteCandidate[], pool: RouteCandidate[], needs: readonly Capability[], priv: boolean, allow: Set<string> | undefined): string {
  const local = priv ? " local" : "";
  const words = capabilityWords(needs);
  const itOrBoth = capabilityLabels(needs).length > 1 ? "both" : "it";
  // Models grouped by what they lack: "gpt-4o-mini, grok-3 lack image input; gemma lacks tool calling and image input".
  const byLack = new Map<string, string[]>();
  for (const c of pool) {
    const w = capabilityWords(lacking(c, needs));
    byLack.set(w, [...(byLack.get(w) ?? []), c.id]);
  }
  const lacks = [...byLack].map(([w, ids]) => `${names(ids)} lack${ids.length === 1 ? "s" : ""} ${w}`).join("; ");
  const elsewhere = candidates.filter((c) => !pool.includes(c) && (!priv || c.local) && lacking(c, needs).length === 0);
  const disabled = elsewhere.filter((c) => !c.enabled).length;
  const one = elsewhere.length === 1 ? "it" : "one of them";
  const todo =
    disabled === elsewhere.length
      ? `enable ${one} (Admin → Models)`
      : disabled === 0
        ? `allow ${one} (Admin → Routing, or the API key's models)`
        : `enable or allow ${one} (Admin → Models; Admin → Routing or the API key's models)`;
  const enable = elsewhere.length
    ? `${names(elsewhere.map((c) => `${c.id} (${c.enabled ? "not allowed" : "disabled"})`))} ${elsewhere.length === 1 ? "has" : "have"} ${itOrBoth}: ${todo}, or add another${local} model that supports ${words}`
    : `Enable a${local} model that supports ${words} (Admin → Models shows and sets each model's capabilities) and allow it`;
  return (
    `This request needs ${words} (${capabilityReasons(needs)}), and no enabled, allowed${local} model supports ${itOrBoth}: ${lacks}` +
    `${priv ? " (the task is private, so only local models count)" : ""}. ${enable}, or ${capabilityWithout(needs)}.`
  );
}

/**
 * The models a caller may use: the team's allow-list and the API key's together (a model must be
 * on both when both are set). Undefined: no list, every model. Lists that share no model give a
 * list no model is on, so nothing is allowed rather than everything.
 */
export function combineAllowLists(team: string[], key: string[]): string[] | undefined {
  if (!team.length) return key.length ? key : undefined;
  if (!key.length) return team;
  const s = new Set(key);
  const both = team.filter((x) => s.has(x));
  return both.length ? both : ["(no model allowed by both the team and the key)"];
}

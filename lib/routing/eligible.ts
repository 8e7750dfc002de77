import { capabilityLabels, capabilityReasons, capabilityWithout, capabilityWords, lacking, type Capability } from "./capabilities";
import type { RouteCandidate, RouteRefusal } from "./types";

/** What decides whether a model may take a request at all, before any scoring. */
export interface EligibilityRequest {
  /** When set (and non-empty), only these model ids (the team's list combined with the key's: `combineAllowLists`). */
  allowList?: string[];
  /** A private request (secrets, personal data, a private tag) may reach only local models. */
  privacy?: { private: boolean; reasons: string[] };
  /** `requiredCapabilities(request)`. */
  needs?: readonly Capability[];
  /** The part of the request that cannot be trimmed: the task and room for its answer must fit the window. */
  fit?: { taskTokens: number; outputTokens: number };
}

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
 * enabled → allow-list → privacy (local only) → capabilities → the window holds the task and its
 * answer. When a step leaves nothing, `refusal` says which step and what to change.
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

  if (req.fit) {
    const floor = req.fit.taskTokens + req.fit.outputTokens;
    const fitting = pool.filter((c) => c.contextWindow >= floor);
    for (const c of pool) {
      if (c.contextWindow < floor) excluded.push({ id: c.id, why: `context window ${c.contextWindow} tokens leaves no room for the task (${req.fit.taskTokens}), its answer (~${req.fit.outputTokens}) and any context` });
    }
    if (fitting.length === 0) return refused("context_too_large", contextTooLargeMessage(req.fit, Math.max(...pool.map((c) => c.contextWindow))));
    pool = fitting;
  }
  return { models: pool, excluded };
}

export function contextTooLargeMessage(fit: { taskTokens: number; outputTokens: number }, largestWindow: number): string {
  return `The task needs about ${fit.taskTokens + fit.outputTokens} tokens (task ${fit.taskTokens} + answer ~${fit.outputTokens}), more than the largest usable context window (${largestWindow}). Split the task into parts, move material into context (which can be trimmed), or enable a model with a larger window.`;
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

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Db } from "@/db";
import type { FailedAttempt } from "@/db/schema";
import { listBudgets, teamZone } from "@/lib/budgets/service";
import { callerCostMicros, delegate, delegateStream, teamRoutingSettings, type DelegateInput, type DelegateResult } from "@/lib/execution/delegate";
import { judgeAnswer, optimalFrom, type Judgement } from "@/lib/execution/judge";
import { rateRequest } from "@/lib/ratings/service";
import { lastDays, topModels, usageTotals } from "@/lib/usage/queries";
import { admit, type Caller } from "./caller";
import { badRequest } from "./errors";
import { abortOnClose, answerHeaders, endSse, failSse, readJson, sendJson, startSse } from "./http";
import { delegateRequestSchema, feedbackRequestSchema, type DelegateRequest } from "./schemas";

function qualityOf(q: DelegateRequest["task"]["quality_requirements"], overSpeed: boolean | undefined): DelegateInput["qualityRequirement"] {
  if (typeof q === "number") return q >= 0.8 ? "high" : q >= 0.5 ? "normal" : "low";
  return q ?? (overSpeed ? "high" : undefined);
}

export function toDelegateInput(body: DelegateRequest, caller: Caller, signal: AbortSignal): DelegateInput {
  const c = body.context?.constraints;
  return {
    teamId: caller.key.teamId,
    apiKeyId: caller.key.id,
    source: "api",
    task: body.task.description,
    type: body.task.type,
    contextTags: body.task.context_tags,
    priority: body.task.priority as DelegateInput["priority"],
    qualityRequirement: qualityOf(body.task.quality_requirements, body.preferences?.quality_over_speed),
    context: body.context?.project_context,
    files: body.context?.files,
    constraints: c && {
      maxTokens: c.max_tokens,
      maxCostMicros: c.max_cost === undefined ? undefined : Math.round(c.max_cost * 1e6),
      maxTimeMs: c.max_time === undefined ? undefined : Math.round(c.max_time * 1000),
    },
    model: body.preferences?.model_preference,
    modelAllowList: caller.key.modelAllowList,
    restartAfterPartialOutput: true,
    signal,
  };
}

/** JSON the model gave on purpose: the whole answer, or a fenced ```json block. Null otherwise. */
export function structuredDataOf(text: string): unknown {
  const t = text.trim();
  const candidates = [t, /```json\s*\n([\s\S]*?)```/i.exec(t)?.[1]];
  for (const c of candidates) {
    if (!c || !/^[[{]/.test(c.trim())) continue;
    try {
      return JSON.parse(c);
    } catch {
      /* not JSON */
    }
  }
  return null;
}

/** A failed attempt in the API's words; one billed (it failed after its answer began) with its tokens and cost. */
const attemptJson = (a: FailedAttempt) => ({
  model: a.model,
  error: a.error,
  ...(a.costMicros !== undefined ? { input_tokens: a.inputTokens, output_tokens: a.outputTokens, cost: a.costMicros / 1e6, estimated: a.estimated === true } : {}),
});

const stringsAt = (o: unknown, k: string): string[] => {
  const v = o && typeof o === "object" && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
};

/**
 * The unified response. Nothing is invented: quality is null until a judge or a person rates the
 * request, and recommendations are only those the model returned as structured data.
 */
export function unifiedResponse(r: DelegateResult, body: DelegateRequest, judgement?: Judgement) {
  const score = judgement?.score ?? null;
  const optimal = optimalFrom(score, r.profile.quality.requirement, `judged by ${judgement?.judgedBy}:`);
  const structured = structuredDataOf(r.text);
  const explain = body.preferences?.explain_reasoning === true;
  return {
    response_id: r.requestId,
    request_id: body.request_id ?? null,
    execution_info: {
      selected_model: r.model,
      provider: r.provider,
      selection_reason: r.reason,
      actual_cost: callerCostMicros(r) / 1e6,
      execution_time: r.latencyMs / 1000,
      confidence_score: r.confidence,
      tokens: { input: r.usage.inputTokens, output: r.usage.outputTokens, cached_input: r.usage.cachedInputTokens },
      ...(explain
        ? {
            analysis: {
              domain: r.profile.domain,
              domain_confidence: r.profile.domainConfidence,
              complexity: r.profile.complexity.level,
              estimated_input_tokens: r.profile.contextTokens,
              quality_requirement: r.profile.quality.requirement,
              private: r.profile.privacy.private,
              evidence: r.profile.features.map((f) => f.why),
            },
            fallbacks_tried: r.fallbacksTried.map(attemptJson),
            context_trimmed: r.trimmed,
          }
        : {}),
    },
    result: {
      primary_response: r.text,
      structured_data: structured,
      recommendations: stringsAt(structured, "recommendations"),
      follow_up_suggestions: stringsAt(structured, "follow_up_suggestions"),
      finish_reason: r.finishReason,
    },
    quality_metrics: {
      score,
      judged_by: judgement ? judgement.judgedBy : null,
      ...(judgement ? { judge_cost: judgement.costMicros / 1e6, judge_request_id: judgement.requestId, ...(judgement.error ? { judge_error: judgement.error } : {}) } : {}),
      user_rating: null,
    },
    learning_feedback: {
      was_optimal_choice: optimal.value,
      optimal_basis: optimal.basis,
      explored: r.explored,
      fallbacks_tried: r.fallbacksTried.length,
      rating_recorded: false,
      rate_with: { method: "POST", path: "/api/v1/feedback", body: { request_id: r.requestId, rating: "up | down | 1-5" } },
    },
  };
}

const wantsStream = (req: IncomingMessage) => (req.headers.accept ?? "").includes("text/event-stream");

/** POST /api/v1/delegate (JSON; SSE when Accept: text/event-stream) and POST /api/v1/delegate/stream. */
export async function delegateRoute(db: Db, req: IncomingMessage, res: ServerResponse, caller: Caller, forceStream = false) {
  const body = delegateRequestSchema.parse(await readJson(req));
  const tokenGate = await admit(db, caller);
  const input = { ...toDelegateInput(body, caller, abortOnClose(res)), tokenGate };
  const judge = async (r: DelegateResult) => {
    const { judgeModel } = await teamRoutingSettings(db, caller.key.teamId);
    if (!judgeModel) return undefined;
    return judgeAnswer(db, { judgeModel, task: body.task.description, result: r, caller: { teamId: caller.key.teamId, apiKeyId: caller.key.id, source: "api", modelAllowList: caller.key.modelAllowList } });
  };
  if (!forceStream && !wantsStream(req)) {
    const r = await delegate(db, input);
    sendJson(res, 200, unifiedResponse(r, body, await judge(r)), answerHeaders(req, r));
    return;
  }
  const it = delegateStream(db, input);
  const first = await it.next();
  if (first.done || first.value.type !== "start") throw new Error("delegateStream did not start with a start event");
  const start = first.value;
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  startSse(res, start.requestId, start.model);
  send("start", { response_id: start.requestId, request_id: body.request_id ?? null, selected_model: start.model, selection_reason: start.reason, confidence_score: start.confidence, fallbacks: start.fallbacks });
  let model = start.model;
  try {
    for await (const ev of it) {
      if (ev.type === "delta") send("delta", { text: ev.text });
      else if (ev.type === "fallback") {
        model = ev.to;
        send("fallback", { from: ev.from, to: ev.to, error: ev.error, discard_output: ev.discardOutput });
      }
      else if (ev.type === "done") {
        endSse(res, ev.result.model, callerCostMicros(ev.result), `event: done\ndata: ${JSON.stringify(unifiedResponse(ev.result, body, await judge(ev.result)))}\n\n`);
      }
    }
  } catch (e) {
    failSse(res, model, e, (body) => `event: error\ndata: ${JSON.stringify(body)}\n\n`);
  }
}

/** POST /api/v1/feedback — a rating by request id, fed to the learner. */
export async function feedbackRoute(db: Db, req: IncomingMessage, res: ServerResponse, caller: Caller) {
  const body = feedbackRequestSchema.parse(await readJson(req));
  const rating = typeof body.rating === "number" ? { kind: "stars" as const, value: body.rating as 1 | 2 | 3 | 4 | 5 } : { kind: "thumbs" as const, value: body.rating === "up" ? (1 as const) : (0 as const) };
  const row = await rateRequest(db, { teamId: caller.key.teamId, requestId: body.request_id, userId: null, apiKeyId: caller.key.id, rating, comment: body.comment ?? null });
  // The rating as 0..1 against the bar of the request's quality requirement.
  const optimal = optimalFrom(row.score, row.qualityRequirement, "rated through the API:");
  sendJson(res, 201, {
    request_id: body.request_id,
    rating: { kind: row.kind, value: row.value },
    model: row.model,
    domain: row.domain,
    recorded_at: row.createdAt,
    learned: row.learned,
    was_optimal_choice: optimal.value,
    optimal_basis: optimal.basis,
  });
}

/** GET /api/v1/spend?days=30 — the team's usage from the daily rollup, and its budgets in their current period (as the Budgets page shows them). */
export async function spendRoute(db: Db, url: URL, res: ServerResponse, caller: Caller) {
  const raw = url.searchParams.get("days") ?? "30";
  const days = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(days) || days < 1 || days > 366) throw badRequest("days must be a whole number from 1 to 366.", "days");
  const teamId = caller.key.teamId;
  const timezone = await teamZone(db, teamId);
  const since = lastDays(days, timezone).day;
  const [totals, models, bs] = await Promise.all([
    usageTotals(db, teamId, since),
    topModels(db, teamId, since, 20),
    listBudgets(db, teamId),
  ]);
  sendJson(res, 200, {
    since,
    days,
    timezone,
    totals: { requests: totals.requests, errors: totals.errors, tokens: totals.tokens, cost_usd: totals.costMicros / 1e6 },
    by_model: models.map((m) => ({ model: m.model, requests: m.requests, cost_usd: m.costMicros / 1e6 })),
    budgets: bs.map((b) => ({
      name: b.name,
      scope: b.scope,
      period: b.period,
      limit_usd: b.limitMicros / 1e6,
      period_start: b.periodStart.toISOString(),
      period_end: b.periodEnd.toISOString(),
      spent_usd: b.spentMicros / 1e6,
      reserved_usd: b.reservedMicros / 1e6,
      hard_stop: b.hardStop,
      mine: b.scope !== "key" || b.apiKeyId === caller.key.id,
    })),
  });
}

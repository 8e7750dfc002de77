import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { routingSettings, type FailedAttempt } from "@/db/schema";
import { analyse, type TaskProfile } from "@/lib/analysis";
import { ttlCache } from "@/db/cache";
import { formatUsd } from "@/lib/format";
import type { AnalyseInput } from "@/lib/analysis/types";
import { reserve, settleInMemory, type Reservation } from "@/lib/budgets";
import { applySignal, DEFAULT_EXPLORATION } from "@/lib/learning";
import { loadSnapshot, updateSnapshot } from "@/lib/learning/store";
import { callModel, fitThinkingBudget, thinkingBudget, toolLoopTurns, type ChatMessage, type ChatToolChoice, type DoneEvent, type GenerationOptions, type ReasoningEffort, type ThinkingBlock, type ToolCallOut } from "@/lib/providers/call";
import { leastThinkingBudget, reasoningAtMost } from "@/lib/providers/reasoning";
import { costMicros, estimateMessagesTokens, estimateTokens, estimateToolsTokens, maxCostMicros, outputTokensWithin, promptTokensAtMost } from "@/lib/providers/cost";
import { imageEstimateOn, imagesOf, imageTokensOn } from "@/lib/providers/images";
import { ProviderError, type PartialOutput } from "@/lib/providers/errors";
import {
  answerRoom,
  capabilityReasons,
  capabilityWithout,
  capabilityWords,
  combineAllowLists,
  eligibilityOf,
  eligibleModels,
  isRefusal,
  lacking,
  outputLimitWhy,
  requiredCapabilities,
  route,
  supports,
  trimContext,
  type Capability,
  type OutputAsk,
  type RouteCandidate,
  type RouteDecision,
  type RouteSettings,
} from "@/lib/routing";
import { DelegateError, KeyRevokedError, ModelUnavailableError, ProviderFailedError, RoutingRefusedError, UnknownModelError } from "./errors";
import { fleetCandidates, loadFleet, teamLatencies, type FleetModel } from "./fleet";
import { LONE_SURROGATE, type RequestRecord } from "./record";
import { findThinking, keepThinking, thinkingOf } from "./thinking";
import { recordRequest } from "./writer";

export type DelegateInput = {
  teamId: string;
  userId?: string | null;
  apiKeyId?: string | null;
  source: "playground" | "api" | "openai" | "pipeline" | "cli";
  /** The task. With `messages` (OpenAI-style callers) it may be omitted: the last user message is the task. */
  task?: string;
  messages?: ChatMessage[];
  system?: string;
  /** "auto" (or absent) lets the router choose; a model name is honoured or refused, never swapped. */
  model?: string;
  type?: string;
  contextTags?: string[];
  context?: string;
  files?: { path: string; content: string }[];
  constraints?: { maxTokens?: number; maxCostMicros?: number; maxTimeMs?: number };
  priority?: AnalyseInput["priority"];
  qualityRequirement?: AnalyseInput["qualityRequirement"];
  /** Most tokens the answer may have; also what the budget reservation is sized for. */
  maxOutputTokens?: number;
  /** temperature, top_p, stop, seed, response_format, parallel_tool_calls: lib/providers sends each provider its own terms. */
  generation?: GenerationOptions;
  tools?: unknown;
  /** OpenAI's tool_choice; lib/providers translates it for Anthropic. */
  toolChoice?: ChatToolChoice;
  /** Keys allowed for an API key's own allow-list, on top of the team's. */
  modelAllowList?: string[];
  /** May a fallback start over after part of an answer was streamed? Callers that can reset their output say yes. */
  restartAfterPartialOutput?: boolean;
  pipelineRunId?: string | null;
  /** Stream from the provider (default). `delegate()` asks for one plain response unless told otherwise. */
  stream?: boolean;
  /** Internal: set on the summarising call itself, so it never summarises again. */
  noSummarise?: boolean;
  signal?: AbortSignal;
  /** Sent to the provider with the call (tests use the mock fleet's `x-mock-fail`). */
  providerHeaders?: Record<string, string>;
  /**
   * Token rate limits (the API's): called with the most tokens the call may use — the prompt
   * estimate + max output the budget hold is sized for — before the hold; may throw to refuse.
   * What it returns is called once when the call ends, with the tokens it used (0 if it failed).
   */
  tokenGate?: (maxTokens: number) => Promise<(usedTokens: number) => void>;
};

export type DelegateResult = {
  requestId: string;
  model: string;
  provider: string;
  reason: string;
  confidence: number;
  explored: boolean;
  /** The models that failed first; one that failed after output began carries what it was billed. */
  fallbacksTried: FailedAttempt[];
  text: string;
  finishReason: string | null;
  /** Tokens billed for this request: the answer's, as its provider reported them, plus those of failed attempts billed (see fallbacksTried). */
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number };
  /** What the request cost: `usage` at each model's prices. */
  costMicros: number;
  latencyMs: number;
  profile: TaskProfile;
  trimmed: string | null;
  /** The context summary this call needed (its own request, recorded and charged as such), or null. */
  summary: { requestId: string; model: string; costMicros: number } | null;
  toolCalls?: unknown;
  /** Where the time went, in ms: analysis and routing (with the cached loads), the budget hold, the provider call(s) with fallbacks, and the durable write of the row. */
  timings: { routeMs: number; budgetMs: number; providerMs: number; recordMs: number; totalMs: number };
};

export type DelegateEvent =
  | { type: "start"; requestId: string; model: string; reason: string; confidence: number; fallbacks: string[]; profile: TaskProfile }
  | { type: "delta"; text: string }
  | { type: "fallback"; from: string; to: string; error: string; discardOutput: boolean }
  | { type: "done"; result: DelegateResult };

const DEFAULT_MAX_OUTPUT = 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

type Settings = { qualityVsCost: number; allowList: string[]; defaultModel: string | null; judgeModel: string | null; explorationCapMicros: number };
const settingsCache = ttlCache<Settings>("__mcSettings", () => 5_000);

/** A team's routing settings, cached for 5 s; calls that arrive while a read is in flight share it. */
export function teamRoutingSettings(db: Db, teamId: string): Promise<Settings> {
  return settingsCache.get(teamId, async () => {
    const [row] = await db.select().from(routingSettings).where(eq(routingSettings.teamId, teamId));
    return {
      qualityVsCost: row?.qualityVsCost ?? 0.5,
      allowList: row?.allowList ?? [],
      defaultModel: row?.defaultModel ?? null,
      judgeModel: row?.judgeModel ?? null,
      explorationCapMicros: row?.explorationCapMicros ?? DEFAULT_EXPLORATION.maxExtraCostMicros,
    };
  });
}

/**
 * What route() is told of a team's settings: its knob, its allow-list within the key's, and the
 * admin's exploration cap (Admin → Routing), which bounds what one call may spend on exploring —
 * $0 turns exploration off (towards cheaper models too), as the page says.
 */
export function routeSettingsOf(settings: Settings, keyAllowList: string[] = []): RouteSettings {
  return {
    qualityVsCost: settings.qualityVsCost,
    allowList: combineAllowLists(settings.allowList, keyAllowList),
    exploration: { maxExtraCostMicros: settings.explorationCapMicros, enabled: settings.explorationCapMicros > 0 },
  };
}

export function invalidateTeamSettings(teamId: string) {
  settingsCache.delete(teamId);
}

/** Index of the message that is the task: the last user message, for callers that send only messages. */
function taskIndex(input: DelegateInput): number {
  if (input.task !== undefined) return -1;
  const msgs = input.messages ?? [];
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i].role === "user") return i;
  return -1;
}

function taskText(input: DelegateInput): string {
  if (input.task !== undefined) return input.task;
  const i = taskIndex(input);
  return i >= 0 ? input.messages![i].content : "";
}

/**
 * Everything else the provider will be sent besides the task and its context: the system prompt,
 * the conversation's other turns (with their tool calls) and the tool definitions. The analyser
 * checks it for private data and counts its size, so a key in an earlier turn keeps the call local
 * and a long conversation is not routed to a model it does not fit.
 */
function conversationText(input: DelegateInput): string | undefined {
  const parts: string[] = [];
  if (input.system) parts.push(input.system);
  const skip = taskIndex(input);
  (input.messages ?? []).forEach((m, i) => {
    if (i === skip) return;
    if (m.content) parts.push(m.content);
    const calls = (m as { tool_calls?: unknown }).tool_calls;
    if (calls !== undefined) parts.push(JSON.stringify(calls));
  });
  if (input.tools !== undefined) parts.push(JSON.stringify(input.tools));
  return parts.length ? parts.join("\n\n") : undefined;
}

function buildMessages(input: DelegateInput, context: { context?: string; files?: { path: string; content: string }[] }): ChatMessage[] {
  if (input.messages?.length && input.task === undefined) return input.system ? [{ role: "system", content: input.system }, ...input.messages] : input.messages;
  const parts: string[] = [];
  if (context.context) parts.push(`Context:\n${context.context}`);
  for (const f of context.files ?? []) parts.push(`File ${f.path}:\n${f.content}`);
  parts.push(parts.length ? `Task:\n${input.task ?? ""}` : (input.task ?? ""));
  const msgs: ChatMessage[] = [...(input.messages ?? []), { role: "user", content: parts.join("\n\n") }];
  return input.system ? [{ role: "system", content: input.system }, ...msgs] : msgs;
}

/**
 * The one delegate path (ARCHITECTURE.md): analyse → route → reserve budget → call with fallbacks →
 * settle → record exactly one `requests` row. Streams events; every failure after validation is
 * recorded too and thrown as a typed `DelegateError` carrying the row's id.
 */
export async function* delegateStream(db: Db, input: DelegateInput): AsyncGenerator<DelegateEvent, DelegateResult> {
  const tokens: TokenUse = { used: 0 };
  try {
    return yield* run(db, input, tokens);
  } finally {
    tokens.settle?.(tokens.used); // also when the caller stops reading
  }
}

type TokenUse = { used: number; settle?: (usedTokens: number) => void };

async function* run(db: Db, input: DelegateInput, tokens: TokenUse): AsyncGenerator<DelegateEvent, DelegateResult> {
  const started = performance.now();
  const requestId = crypto.randomUUID();
  const bad = findUnstorable(input);
  // Postgres cannot store U+0000 or half a surrogate pair: refuse up front, before a provider is
  // paid and a row cannot be written.
  if (bad) throw new DelegateError(`${bad.where} contains ${bad.what}; remove it and send again.`, 400, "invalid_request_error", bad.where);
  const task = taskText(input);
  const profile = analyse({
    task,
    type: input.type,
    contextTags: input.contextTags,
    context: input.context,
    files: input.files,
    conversation: conversationText(input),
    images: imagesOf(input.messages ?? []),
    constraints: input.constraints,
    priority: input.priority,
    qualityRequirement: input.qualityRequirement,
  });
  const base: RequestRecord = {
    id: requestId,
    teamId: input.teamId,
    userId: input.userId ?? null,
    apiKeyId: input.apiKeyId ?? null,
    source: input.source,
    taskProfile: summariseProfile(profile),
    domain: profile.domain,
    requestedModel: input.model ?? "auto",
    pipelineRunId: input.pipelineRunId ?? null,
    status: "error",
    prompt: task,
  };
  let summarised: DelegateResult["summary"] = null;
  const fail = async (err: DelegateError, extra: Partial<RequestRecord> = {}): Promise<never> => {
    err.requestId = requestId;
    err.costMicros = (extra.costMicros ?? 0) + (summarised?.costMicros ?? 0);
    err.usage = { inputTokens: extra.inputTokens ?? 0, outputTokens: extra.outputTokens ?? 0 };
    await recordRequest(db, {
      ...base,
      status: err.status === 402 || err instanceof KeyRevokedError || err instanceof RoutingRefusedError || err instanceof UnknownModelError || err instanceof ModelUnavailableError ? "refused" : "error",
      errorKind: err.type,
      errorMessage: err.message,
      latencyMs: Math.round(performance.now() - started),
      ...extra,
    });
    throw err;
  };

  const [fleet, settings, learned, latency] = await Promise.all([loadFleet(db), teamRoutingSettings(db, input.teamId), loadSnapshot(db, input.teamId), teamLatencies(db, input.teamId)]);
  const explicit = input.model && input.model !== "auto" ? input.model : undefined;
  // Measured latencies, so max_time rules out models that do not answer that fast (and urgent tasks prefer fast ones).
  const candidates = fleetCandidates(fleet, latency);
  // reasoning_effort only to a reasoning model; "none" (all it can be here otherwise) is what the others do anyway.
  const effortOf = (c: RouteCandidate) => (supports(c, "reasoning") ? input.generation?.reasoningEffort : undefined);
  // A Claude model that thinks needs its least thinking budget beside the answer within its output limit.
  const thinksAtLeast = (c: RouteCandidate) => leastThinkingBudget(c.provider, effortOf(c));
  // An answer's allowance the caller asked for, which a model's output limit must hold. /delegate's
  // max_tokens, prompt and answer together, is a ceiling instead: its share is lowered to each model's limit below.
  const output: OutputAsk | undefined = input.maxOutputTokens === undefined ? undefined : { tokens: input.maxOutputTokens, beyond: thinksAtLeast };
  const routeCtx = {
    learned,
    settings: routeSettingsOf(settings, input.modelAllowList),
    preference: explicit,
    rng: explicit ? undefined : Math.random,
    needs: requiredCapabilities({ ...input, reasoningEffort: input.generation?.reasoningEffort }),
    output,
    imageTokens: profile.images.length ? (id: string) => imageEstimateOn(id, profile.images) : undefined,
  };
  if (explicit) {
    const fm = fleet.byName.get(explicit);
    if (!fm) return fail(new UnknownModelError(explicit, [...fleet.byName.keys()].sort()));
    if (!fm.candidate.enabled) {
      return fail(new ModelUnavailableError(`Model "${explicit}" is disabled${fm.provider.enabled ? "" : ` (its provider ${fm.provider.name} is disabled)`}. Choose another model or "auto", or ask an admin to enable it.`));
    }
    // The models the router could give the request to instead, for the refusal to name.
    const able = () => eligibleModels(candidates, eligibilityOf(profile, routeCtx).eligibility).models.map((c) => c.id);
    const missing = lacking(fm.candidate, routeCtx.needs);
    if (missing.length) return fail(new ModelUnavailableError(lacksMessage(explicit, missing, able()), PARAM_OF[missing[0]]));
    if (output && answerRoom(fm.candidate, output) < output.tokens) return fail(new ModelUnavailableError(outputLimitMessage(fm.candidate, output, able()), "max_tokens"));
  }
  const decision = route(profile, candidates, routeCtx);
  if (isRefusal(decision)) return fail(new RoutingRefusedError(decision.message, decision.code));

  // Context size optimiser: the router said how much context fits; trim it and say so.
  let ctx: { context?: string; files?: { path: string; content: string }[] } = { context: input.context, files: input.files };
  let trimmed: string | null = null;
  if (decision.trim) {
    const plan = decision.trim;
    const summary = plan.method === "summarise" && plan.summariser && !input.noSummarise ? await summariseContext(db, input, task, ctx, plan.summariser, plan.toTokens, fleet) : null;
    if (summary) {
      ctx = { context: summary.text };
      summarised = { requestId: summary.requestId, model: summary.model, costMicros: summary.costMicros };
      trimmed = `Context summarised by ${summary.model} from about ${plan.fromTokens} to ${summary.tokens} tokens to fit (request ${summary.requestId}, ${formatUsd(summary.costMicros)}).`;
    } else {
      ctx = trimContext(ctx, plan.toTokens);
      trimmed =
        plan.method === "summarise" && plan.summariser && !input.noSummarise
          ? `Context trimmed from about ${plan.fromTokens} to ${plan.toTokens} tokens to fit: a summary by ${plan.summariser} was not possible (it failed, or the context is larger than its window).`
          : `Context trimmed from about ${plan.fromTokens} to ${plan.toTokens} tokens to fit (${plan.reason}).`;
    }
  }
  const messages = buildMessages(input, ctx);
  // A prompt's images count as each model's vendor bills them (lib/providers/images), so its estimate
  // and its bound are per model; each is counted once.
  const prompts = new Map<string, { estimate: number; atMost: number }>();
  const promptOf = (model: string) => {
    let p = prompts.get(model);
    if (!p) prompts.set(model, (p = { estimate: estimateMessagesTokens(messages, model), atMost: promptTokensAtMost(messages, input.tools, model) }));
    return p;
  };
  // What an early end bills as prompt when the provider reported none: the estimate, its images at
  // what the vendor can bill (a model with no known rule estimates a picture low but may be billed its most).
  const billablePrompt = (model: string) => promptOf(model).estimate + imageTokensOn(model, profile.images) - imageEstimateOn(model, profile.images);
  const promptTokens = promptOf(decision.model).estimate;
  // max_tokens counts the prompt and the answer together: the answer gets what the prompt leaves.
  const maxTokens = input.constraints?.maxTokens;
  if (input.maxOutputTokens === undefined && maxTokens !== undefined && maxTokens - promptTokens < 1) {
    return fail(
      new DelegateError(`max_tokens is ${maxTokens}, but the prompt as sent is about ${promptTokens} tokens, which leaves no room for an answer. Raise max_tokens above ${promptTokens}, or shorten the task.`, 400, "invalid_request_error", "max_tokens"),
      { model: decision.model, selectionReason: decision.reason },
    );
  }
  // /delegate's share for model `f`: what max_tokens leaves beside the prompt as `f` counts it (images count per model).
  const maxOutOn = (f: FleetModel) => (maxTokens !== undefined ? Math.max(1, maxTokens - promptOf(f.model.name).estimate) : DEFAULT_MAX_OUTPUT);
  let chain = [decision.model, ...decision.fallbacks].map((m) => fleet.byName.get(m)!).filter(Boolean);
  const effortFor = (f: FleetModel) => effortOf(f.candidate);
  // The answer's allowance sent to each model: the one asked for (the router chose models whose window
  // and output limit hold it), else the default or /delegate's share lowered to what the model's output
  // limit and its window leave beside the prompt as sent (a context trimmed to the window leaves room
  // for the expected answer, not the default's; a vendor refuses a prompt and max_tokens over its window).
  // A max_cost caps it too, at what the price leaves beside the prompt (and the least thinking): the
  // router holds max_cost against the answer it expects, and a longer answer would pass it.
  const maxCost = input.constraints?.maxCostMicros;
  const costRoom = (f: FleetModel) => (maxCost === undefined ? Infinity : outputTokensWithin(maxCost, promptSent(f), prices(f)) - thinksAtLeast(f.candidate));
  const allowance = (f: FleetModel) =>
    Math.max(
      1,
      Math.min(
        input.maxOutputTokens ?? Math.min(maxOutOn(f), answerRoom(f.candidate, { beyond: thinksAtLeast }), f.model.contextWindow - promptSent(f) - thinksAtLeast(f.candidate)),
        costRoom(f),
      ),
    );
  // The prompt's estimate as the adapter makes it (fittedThinkingBudget: the messages, and the tool
  // definitions to a model that is sent them), handed to it rather than made again.
  const toolsTokens = estimateToolsTokens(input.tools);
  const promptSent = (f: FleetModel) => promptOf(f.model.name).estimate + (supports(f.candidate, "tools") ? toolsTokens : 0);
  // A Claude model thinks on top of its allowance (extended thinking, billed as output): its most output
  // is more, by the budget it is sent — shrunk to fit its window and output limit. When not even the
  // floor fits, it is refused before it is sent, and nothing more is held for it.
  const sentThinking = (f: FleetModel) =>
    fitThinkingBudget({
      messages,
      promptTokens: promptSent(f),
      maxTokens: allowance(f),
      contextWindow: f.model.contextWindow,
      maxOutputTokens: f.model.maxOutputTokens ?? undefined,
      reasoningEffort: f.config.kind === "anthropic" ? effortFor(f) : undefined,
    }) ?? 0;
  const mostOutput = (f: FleetModel) => allowance(f) + sentThinking(f);
  tokens.settle = await input.tokenGate?.(Math.max(...chain.map((f) => promptOf(f.model.name).estimate + mostOutput(f))));

  // Reserve the most any model in the chain could cost, once, for the whole fallback chain. When the
  // budget cannot hold that but can hold the chosen model, keep only the fallbacks no dearer than it
  // (a free model is not refused because a paid fallback would not fit), and say so.
  // The hold is what the call can be billed at most: its prompt at the most tokens its text can be
  // (promptTokensAtMost), not the estimate, which a real tokenizer can pass (lib/budgets/README.md).
  const holdOf = (c: FleetModel[]) => Math.max(...c.map((f) => maxCostMicros(promptOf(f.model.name).atMost, mostOutput(f), prices(f))));
  const who = { teamId: input.teamId, userId: input.userId, apiKeyId: input.apiKeyId };
  const routed = performance.now();
  let reservation: Reservation;
  let dropped = "";
  try {
    reservation = await reserve(db, who, holdOf(chain));
  } catch (e) {
    const first = chain.length ? holdOf([chain[0]]) : 0;
    const affordable = chain.filter((f) => holdOf([f]) <= first);
    if (!(e instanceof DelegateError)) throw e;
    if (e.status !== 402 || affordable.length === chain.length) return fail(e, { model: decision.model, selectionReason: decision.reason });
    try {
      reservation = await reserve(db, who, first);
    } catch (e2) {
      if (e2 instanceof DelegateError) return fail(e2, { model: decision.model, selectionReason: decision.reason });
      throw e2;
    }
    const gone = chain.filter((f) => !affordable.includes(f)).map((f) => f.model.name);
    dropped = ` Fallbacks dropped because the budget could not also hold them: ${gone.join(", ")}.`;
    chain = affordable;
  }

  const reserved = performance.now();
  yield { type: "start", requestId, model: decision.model, reason: reasonText(decision, trimmed) + dropped, confidence: decision.confidence, fallbacks: chain.slice(1).map((f) => f.model.name), profile };
  const calling = performance.now();

  const tried: FailedAttempt[] = [];
  // Per attempt in `tried`: whether its failure says how the model does (teachesAboutModel).
  const teaches: boolean[] = [];
  const learnable = (upTo = tried.length) => tried.slice(0, upTo).filter((_, i) => teaches[i]);
  let lastError: ProviderError | null = null;
  let stop: "aborted" | "final" | "partial" | "exhausted" | "budget" = "exhausted";
  // The hold covers one attempt. Before a fallback that follows a billed partial attempt, what that
  // attempt was billed is held too, so it and a full fallback never pass a hard limit together.
  const extraHolds: Reservation[] = [];
  let holdRefused = "";
  // Each extra hold settles at exactly its amount (one billed attempt's cost); the call's own hold takes the rest.
  const settleHolds = (total: number) => {
    let extra = 0;
    for (const x of extraHolds) {
      settleInMemory(db, x, x.amountMicros);
      extra += x.amountMicros;
    }
    settleInMemory(db, reservation, total - extra);
  };
  // A Claude model that thinks, on a conversation ending in a tool loop, needs the loop's thinking
  // back (lib/execution/thinking.ts): read once, and only then — no other call pays a statement for it.
  let kept: ReturnType<typeof findThinking> | undefined;
  const keptThinking = async (fm: FleetModel) => {
    if (!thinkingBudget(fm.config.kind, effortFor(fm))) return undefined;
    const ids = toolLoopTurns(messages).flatMap((m) => (m.tool_calls ?? []).map((c) => c.id));
    if (!ids.length) return undefined;
    // Unreadable, it is not known: the call is refused for this model, as for thinking not kept, and falls back.
    kept ??= findThinking(db, input.teamId, ids).catch((e: unknown) => (console.error("[thinking] could not read kept thinking", e), []));
    return thinkingOf(await kept, fm.model.name);
  };
  let answered: { fm: FleetModel; done: DoneEvent } | null = null;
  for (let i = 0; i < chain.length && !answered; i++) {
    const fm = chain[i];
    let emitted = false;
    try {
      const thinkingBlocks = await keptThinking(fm);
      // Tools under tool_choice "none" do not rule a model out; one without tool calling is not sent them.
      const sendsTools = supports(fm.candidate, "tools");
      for await (const ev of callModel({
        provider: fm.config,
        model: fm.model.name,
        messages,
        promptTokens: promptSent(fm),
        maxTokens: allowance(fm),
        // A Claude model's thinking budget shrinks to what its window and output limit leave (as the hold's did).
        contextWindow: fm.model.contextWindow,
        maxOutputTokens: fm.model.maxOutputTokens ?? undefined,
        ...input.generation,
        reasoningEffort: effortFor(fm),
        thinkingBlocks,
        timeoutMs: Math.min(input.constraints?.maxTimeMs ?? DEFAULT_TIMEOUT_MS, DEFAULT_TIMEOUT_MS),
        // A plain (not streamed) request, once sent, is the provider's to finish: closing the
        // connection does not take back what it bills. So the caller's stop does not cut it (we
        // could not tell what was billed); it runs to its end and is billed as the answer it was.
        signal: input.stream === false ? undefined : input.signal,
        ...(sendsTools ? { tools: input.tools, toolChoice: input.toolChoice } : {}),
        headers: input.providerHeaders,
        stream: input.stream !== false,
      })) {
        if (ev.type === "delta") {
          emitted = true;
          yield { type: "delta", text: ev.text };
        } else answered = { fm, done: ev };
      }
      if (!answered) throw new ProviderError("stream_dropped", "The provider ended the answer without reporting usage.");
    } catch (e) {
      const err = e instanceof ProviderError ? e : new ProviderError("bad_response", (e as Error).message ?? String(e), { retryable: false });
      lastError = err;
      tried.push({ model: fm.model.name, error: `${err.kind}: ${err.message}`.slice(0, 300), ...billedPart(err.partial, billablePrompt(fm.model.name), fm, { effort: effortFor(fm), maxOut: allowance(fm), mostOut: mostOutput(fm) }) });
      teaches.push(teachesAboutModel(err.kind, input.constraints?.maxTimeMs));
      const next = chain[i + 1];
      const canRestart = !emitted || input.restartAfterPartialOutput !== false;
      if (!err.retryable || !next || !canRestart || input.signal?.aborted) {
        stop = input.signal?.aborted ? "aborted" : !err.retryable ? "final" : !canRestart ? "partial" : "exhausted";
        break;
      }
      const billedSoFar = tried[tried.length - 1].costMicros ?? 0;
      if (billedSoFar > 0) {
        try {
          extraHolds.push(await reserve(db, who, billedSoFar));
        } catch (e2) {
          holdRefused = e2 instanceof Error ? e2.message : String(e2);
          stop = "budget";
          break;
        }
      }
      yield { type: "fallback", from: fm.model.name, to: next.model.name, error: err.kind, discardOutput: emitted };
    }
  }

  let finishedAfterStop = false;
  if (answered && input.stream === false && input.signal?.aborted) {
    // The caller went away while a plain request was out (see `signal` above): the answer is
    // recorded and billed in full, but the call ends as stopped — its caller never received it.
    const { fm, done } = answered;
    tried.push({ model: fm.model.name, error: "aborted: the caller went away before the answer reached them", inputTokens: done.usage.inputTokens, outputTokens: done.usage.outputTokens, costMicros: costMicros(done.usage, prices(fm)) });
    teaches.push(false);
    lastError = new ProviderError("aborted", "The caller went away before the answer reached them.", { retryable: false });
    lastError.partial = { text: done.text, inputTokens: done.usage.inputTokens, outputTokens: done.usage.outputTokens };
    finishedAfterStop = true;
    answered = null;
  }

  if (answered) {
    // Outside the provider loop: a failure to record is ours, not the provider's, and must not fall back.
    const { fm, done } = answered;
    const answeredAt = performance.now();
    let cost = costMicros(done.usage, prices(fm));
    let usage = done.usage;
    if (tried.length) {
      // Fallbacks that failed after their answer began were billed too.
      const failed = billedTotal(tried);
      cost += failed.costMicros;
      usage = { ...usage, inputTokens: usage.inputTokens + failed.inputTokens, outputTokens: usage.outputTokens + failed.outputTokens };
    }
    tokens.used = usage.inputTokens + usage.outputTokens;
    const latencyMs = Math.round(performance.now() - started);
    const result: DelegateResult = {
      requestId,
      model: fm.model.name,
      provider: fm.provider.kind,
      reason: reasonText(decision, trimmed) + dropped + (tried.length ? ` Fell back to ${fm.model.name} after: ${tried.map((t) => `${t.model} (${t.error})`).join(", ")}.` : ""),
      confidence: decision.confidence,
      explored: decision.explored,
      fallbacksTried: tried,
      text: done.text,
      finishReason: done.finishReason,
      usage,
      costMicros: cost,
      latencyMs,
      profile,
      trimmed,
      summary: summarised,
      toolCalls: (done.raw as { toolCalls?: unknown } | undefined)?.toolCalls,
      timings: { routeMs: routed - started, budgetMs: reserved - routed, providerMs: answeredAt - calling, recordMs: 0, totalMs: 0 },
    };
    // Both must be durable before the answer ends: the cost is settled in memory here and the
    // writer commits it with the row, in one statement (lib/execution/writer.ts).
    settleHolds(cost);
    // Thinking that ended in tool calls is kept before the answer ends, for the caller's next turn. A
    // failure to keep it does not undo an answer that was billed: that next turn is then refused for
    // this model (its thinking unknown) and falls back.
    const thought = (done.raw as { thinking?: ThinkingBlock[] } | undefined)?.thinking;
    const callIds = ((result.toolCalls as ToolCallOut[] | undefined) ?? []).flatMap((c) => (c.id ? [c.id] : []));
    const keeping = thought && callIds.length ? keepThinking(db, { teamId: input.teamId, model: fm.model.name, toolCallIds: callIds, blocks: thought }).catch((e: unknown) => console.error("[thinking] could not keep the thinking of a tool call", e)) : null;
    await recordRequest(db, {
      ...base,
      status: "ok",
      model: fm.model.name,
      providerKind: fm.provider.kind,
      selectionReason: result.reason,
      confidence: decision.confidence,
      fallbacksTried: tried,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      costMicros: cost,
      latencyMs,
      // An answer made only of tool calls is recorded as those calls, not as an empty answer.
      response: done.text || (result.toolCalls ? `[tool calls] ${JSON.stringify(result.toolCalls)}` : ""),
    });
    await keeping;
    const recorded = performance.now();
    result.timings.recordMs = recorded - answeredAt;
    result.timings.totalMs = recorded - started;
    if (tried.length) void learnFrom(db, input.teamId, profile, learnable(), "fallback");
    yield { type: "done", result };
    return result;
  }

  // A failure before any output costs nothing; output that had begun is billed (estimated). The
  // settlement is committed with the row by the writer, as for an answer.
  const billed = billedTotal(tried);
  settleHolds(billed.costMicros);
  tokens.used = billed.inputTokens + billed.outputTokens;
  // The row keeps the text the last attempt produced before it broke, as its (unfinished) response.
  // A free (local) model's part is billed too, at $0: its tokens are the row's, as the rollup files them.
  const charged = tried.some((a) => a.costMicros !== undefined) ? { inputTokens: billed.inputTokens, outputTokens: billed.outputTokens, costMicros: billed.costMicros, response: lastError?.partial?.text ?? null } : {};
  const estimated = tried.some((a) => a.estimated);
  const reasoning = tried.reduce((n, a) => n + (a.reasoningTokensAtMost ?? 0), 0);
  const chargeNote = finishedAfterStop
    ? ` The request was not streamed, so the provider finished the answer and it is billed: ${billed.inputTokens} prompt + ${billed.outputTokens} answer tokens, ${formatUsd(billed.costMicros)}; it is kept in the request's history.`
    : billed.costMicros > 0
      ? ` The part already generated is billed: ${estimated ? "about " : ""}${billed.inputTokens} prompt + ${billed.outputTokens} ${reasoning ? "output" : "answer"} tokens, ${formatUsd(billed.costMicros)}${
          reasoning
            ? ` (estimated: the provider reported no usage for a call that ended early, so its hidden reasoning is billed at the most the provider could have billed, ${reasoning} of those output tokens)`
            : estimated
              ? " (estimated: the provider reported no usage for a call that ended early)"
              : ""
        }.`
      : "";
  const kind = lastError?.kind ?? "server";
  // A caller who stops a call has not seen the model fail: nothing to learn (the models tried
  // before the stop, if any, did fail).
  const stopped = kind === "aborted" || input.signal?.aborted === true;
  void learnFrom(db, input.teamId, profile, learnable(stopped ? tried.length - 1 : tried.length), "error");
  // Rate limited everywhere is a 429 with the provider's wait, which OpenAI clients back off and retry on.
  const status = kind === "context_length" || kind === "bad_request" ? 400 : kind === "aborted" ? 499 : kind === "timeout" ? 504 : kind === "rate_limit" ? 429 : 502;
  const maxTime = input.constraints?.maxTimeMs;
  // What to do next depends on why no other model was tried.
  if (stopped) {
    return fail(new ProviderFailedError(`Stopped by the caller before ${tried.at(-1)?.model ?? decision.model}${finishedAfterStop ? "'s answer reached them" : " finished its answer"}.${chargeNote}`, "aborted", 499), {
      model: tried.at(-1)?.model ?? decision.model,
      selectionReason: decision.reason,
      fallbacksTried: tried,
      errorKind: "aborted",
      ...charged,
    });
  }
  const advice =
    kind === "timeout" && maxTime !== undefined && maxTime < DEFAULT_TIMEOUT_MS
      ? ` No answer came within max_time (${maxTime} ms); raise max_time.`
      : stop === "partial"
        ? " Part of the answer had already been streamed, so it could not start over on a fallback; send the request again."
        : stop === "budget"
          ? ` No fallback was tried: the budget could not also hold what the broken attempt is billed (${holdRefused.replace(/[\s.]+$/, "")}).`
        : stop === "exhausted" && lastError?.retryable
          ? tried.length > 1
            ? " Every fallback failed too; try again shortly."
            : " No fallback model was available for this call; try again shortly, or allow more models."
          : "";
  return fail(
    new ProviderFailedError(
      `The call failed on ${tried.map((t) => t.model).join(", then ")}: ${(lastError?.message ?? "unknown error").replace(/[\s.]+$/, "")}.${advice}${chargeNote}`,
      kind,
      status,
      kind === "rate_limit" ? (lastError?.retryAfterMs ?? null) : null,
    ),
    { model: tried[tried.length - 1]?.model ?? decision.model, selectionReason: decision.reason, fallbacksTried: tried, errorKind: kind, ...charged },
  );
}

/**
 * What a failed attempt is billed: nothing unless its answer had begun (vendors bill no call that
 * they had not started answering); else the prompt — the provider's count if it sent one before the
 * break, else the estimate the code uses everywhere — and the answer as far as it came, at the
 * model's prices. When the provider reported no output count, a reasoning attempt's hidden reasoning
 * is billed at the most it could be (`reasoningAtMost`): a vendor bills it whole, and the text
 * received does not show it. Never more output than the attempt's allowance, which the hold covers.
 */
function billedPart(
  partial: PartialOutput | undefined,
  promptTokens: number,
  fm: FleetModel,
  allowance: { effort: ReasoningEffort | undefined; maxOut: number; mostOut: number },
): Omit<FailedAttempt, "model" | "error"> {
  if (!partial) return {};
  const inputTokens = partial.inputTokens ?? promptTokens;
  const answerTokens = estimateTokens(partial.text);
  const reasoning = partial.outputTokens === null ? reasoningAtMost(fm.config.kind, allowance.effort, allowance.maxOut, answerTokens, partial.thinkingBudget) : 0;
  const outputTokens = partial.outputTokens ?? Math.min(answerTokens + reasoning, allowance.mostOut);
  return {
    inputTokens,
    outputTokens,
    costMicros: costMicros({ inputTokens, outputTokens }, prices(fm)),
    estimated: partial.inputTokens === null || partial.outputTokens === null,
    ...(reasoning ? { reasoningTokensAtMost: reasoning } : {}),
  };
}

function billedTotal(tried: FailedAttempt[]) {
  const t = { inputTokens: 0, outputTokens: 0, costMicros: 0 };
  for (const a of tried) {
    t.inputTokens += a.inputTokens ?? 0;
    t.outputTokens += a.outputTokens ?? 0;
    t.costMicros += a.costMicros ?? 0;
  }
  return t;
}

/**
 * The context optimiser's "summarise" step: a cheap model condenses the context through
 * delegate() itself, so the summary is budgeted and recorded as its own request. Returns null
 * (and the caller trims instead) when the summariser cannot take the whole context or fails.
 */
async function summariseContext(
  db: Db,
  input: DelegateInput,
  task: string,
  ctx: { context?: string; files?: { path: string; content: string }[] },
  summariser: string,
  toTokens: number,
  fleet: Awaited<ReturnType<typeof loadFleet>>,
) {
  const material = [ctx.context ?? "", ...(ctx.files ?? []).map((f) => `File ${f.path}:\n${f.content}`)].filter(Boolean).join("\n\n");
  const model = fleet.byName.get(summariser)?.model;
  if (estimateMessagesTokens([{ content: material }]) + toTokens + 200 > (model?.contextWindow ?? 0)) return null;
  // A summary shorter than the room still fits: no longer than the summariser can answer in one response.
  const most = Math.min(toTokens, model?.maxOutputTokens ?? Infinity);
  try {
    const r = await delegate(db, {
      teamId: input.teamId,
      userId: input.userId,
      apiKeyId: input.apiKeyId,
      source: input.source,
      pipelineRunId: input.pipelineRunId,
      model: summariser,
      // The material is the caller's: its tags (a "private" tag keeps it, and any fallback, on
      // local models) and its key's allow-list hold for the summary too.
      contextTags: input.contextTags,
      modelAllowList: input.modelAllowList,
      task: `Condense the material below to at most ${most} tokens. Keep every fact, name, number and instruction needed for this task: ${task.slice(0, 1000)}`,
      context: material,
      maxOutputTokens: most,
      noSummarise: true,
      signal: input.signal,
      providerHeaders: input.providerHeaders,
    });
    return { text: r.text, tokens: r.usage.outputTokens, requestId: r.requestId, model: r.model, costMicros: r.costMicros };
  } catch {
    return null;
  }
}

/** What the call cost its caller: the answer, plus the context summary it needed (a request of its own). */
export function callerCostMicros(r: Pick<DelegateResult, "costMicros"> & { summary?: DelegateResult["summary"] }): number {
  return r.costMicros + (r.summary?.costMicros ?? 0);
}

/** Runs the delegate path to the end and returns the result (no streaming). */
export async function delegate(db: Db, input: DelegateInput): Promise<DelegateResult> {
  const it = delegateStream(db, { stream: false, ...input });
  for (;;) {
    const { value, done } = await it.next();
    if (done) return value;
  }
}

function prices(f: FleetModel) {
  return { inputPerMTokMicros: f.model.inputPriceMicros, outputPerMTokMicros: f.model.outputPriceMicros, cachedInputPerMTokMicros: f.model.cachedInputPriceMicros };
}

const UNSTORABLE: [RegExp, string][] = [
  [/\u0000/, "a NUL character (U+0000)"],
  [LONE_SURROGATE, "an unpaired UTF-16 surrogate (half of a U+D800–U+DFFF pair)"],
];

/** The first text field Postgres could not store, and why. */
function findUnstorable(input: DelegateInput): { where: string; what: string } | null {
  const fields: [string, string | undefined][] = [
    ["task", input.task],
    ["system", input.system],
    ["context", input.context],
    ["model", input.model],
    ...(input.messages ?? []).map((x, i): [string, string] => [`messages.${i}.content`, x.content]),
    ...(input.files ?? []).flatMap((x, i): [string, string][] => [[`files.${i}`, x.content], [`files.${i}`, x.path]]),
  ];
  for (const [where, v] of fields) {
    if (!v) continue;
    for (const [re, what] of UNSTORABLE) if (re.test(v)) return { where, what };
  }
  return null;
}

/** The request field behind each capability, for the `param` of a named model's refusal. */
const PARAM_OF: Record<Capability, string> = { tools: "tools", tool_history: "messages", images: "messages", reasoning: "reasoning_effort" };

/** Why an explicitly named model cannot give the answer's allowance asked for, and the models that can (`able`). */
function outputLimitMessage(c: RouteCandidate, ask: OutputAsk, able: string[]): string {
  const sorted = [...able].sort();
  const most = Math.max(0, answerRoom(c, ask)).toLocaleString("en-US");
  const instead = sorted.length ? `use a model that can (${sorted.slice(0, 5).join(", ")}${sorted.length > 5 ? ", …" : ""}) or "auto"` : "no enabled, allowed model can: ask an admin to enable one (Admin → Models)";
  return `Model "${c.id}" ${outputLimitWhy(c, ask)}. Lower max_tokens to ${most} or less, or ${instead}.`;
}

/** Why an explicitly named model cannot take the request, and the models the router could give it to instead (`able`). */
function lacksMessage(model: string, missing: Capability[], able: string[]): string {
  const words = capabilityWords(missing);
  const sorted = [...able].sort();
  const instead = sorted.length
    ? `Use a model that supports it (${sorted.slice(0, 5).join(", ")}${sorted.length > 5 ? ", …" : ""}) or "auto"`
    : `No enabled, allowed model supports ${words}: ask an admin to enable one (Admin → Models)`;
  return `Model "${model}" does not support ${words}, which this request needs (${capabilityReasons(missing)}). ${instead}, or ${capabilityWithout(missing)}.`;
}

/** The router's reason, with what was done to the context in place of its plan for it (said once). */
function reasonText(d: RouteDecision, trimmed: string | null) {
  if (!trimmed) return d.reason;
  const plan = d.trim ? `Context: ${d.trim.reason}.` : "";
  return plan && d.reason.includes(plan) ? d.reason.replace(plan, trimmed) : `${d.reason} ${trimmed}`;
}

/** The profile without its feature vector, for the requests row. */
function summariseProfile(p: TaskProfile): Record<string, unknown> {
  const { vector: _v, features: _f, domainScores: _d, ...rest } = p;
  return rest;
}

/**
 * Whether a failed call says how the model does, and so teaches the router (an error signal, or a
 * fallback's): its provider failing, rate limiting, timing out or answering garbage does. The
 * request's own fault (context_length, bad_request), the provider's set-up (auth, not_found), the
 * caller's stop, and a timeout under a max_time the caller set below the default do not — a caller's
 * max_time of 1 ms marked every model it tried as bad at the task.
 */
function teachesAboutModel(kind: ProviderError["kind"], maxTimeMs: number | undefined): boolean {
  if (kind === "timeout") return maxTimeMs === undefined || maxTimeMs >= DEFAULT_TIMEOUT_MS;
  return kind === "server" || kind === "rate_limit" || kind === "bad_response" || kind === "stream_dropped";
}

async function learnFrom(db: Db, teamId: string, profile: TaskProfile, tried: { model: string }[], signal: "fallback" | "error") {
  if (!tried.length) return;
  try {
    await updateSnapshot(db, teamId, (s) => tried.reduce((acc, t) => applySignal(acc, { domain: profile.domain, model: t.model, signal }), s));
  } catch (e) {
    console.error("[learning] could not record a signal", e);
  }
}

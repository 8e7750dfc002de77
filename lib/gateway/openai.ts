import type { IncomingMessage, ServerResponse } from "node:http";
import type { Db } from "@/db";
import { delegate, delegateStream, teamRoutingSettings, type DelegateInput, type DelegateResult } from "@/lib/execution/delegate";
import { loadFleet, type FleetModel } from "@/lib/execution/fleet";
import { combineAllowLists, eligibleModels } from "@/lib/routing";
import type { ChatMessage, ToolCallOut } from "@/lib/providers/call";
import { admit, type Caller } from "./caller";
import { ApiError, badRequest } from "./errors";
import { abortOnClose, answerHeaders, endSse, failSse, readJson, sendJson, startSse } from "./http";
import { chatCompletionRequestSchema, type ChatCompletionRequest } from "./schemas";

type InMessage = ChatCompletionRequest["messages"][number];

const text = (c: InMessage["content"]) => (c == null ? "" : typeof c === "string" ? c : c.map((p) => (p.type === "text" ? p.text : "")).join(""));

/** OpenAI messages → the delegate path's (lib/providers translates tool turns and images for Anthropic). */
function toMessages(msgs: InMessage[]): ChatMessage[] {
  return msgs.map((m): ChatMessage => {
    if (m.role === "tool") return { role: "tool", content: text(m.content), tool_call_id: m.tool_call_id };
    const name = m.name ? { name: m.name } : {};
    if (m.role === "assistant" && m.tool_calls?.length) return { role: "assistant", content: text(m.content), ...name, tool_calls: m.tool_calls };
    if (m.role === "user" && Array.isArray(m.content) && m.content.some((p) => p.type === "image_url")) return { role: "user", content: text(m.content), ...name, parts: m.content };
    return { role: m.role === "developer" ? "system" : m.role, content: text(m.content), ...name };
  });
}

const toolCallsOf = (r: DelegateResult) =>
  ((r.toolCalls as ToolCallOut[] | undefined) ?? []).map((c, i) => ({
    index: i,
    id: c.id ?? `call_${r.requestId.slice(0, 8)}_${i}`,
    type: "function" as const,
    function: { name: c.name ?? "", arguments: c.arguments },
  }));

/** Anthropic's stop reasons in OpenAI's words, so clients that switch on finish_reason keep working. */
const FINISH: Record<string, string> = { end_turn: "stop", stop_sequence: "stop", max_tokens: "length", tool_use: "tool_calls" };
const finishOf = (r: DelegateResult) => (r.finishReason ? (FINISH[r.finishReason] ?? r.finishReason) : "stop");

const usageOf = (r: DelegateResult) => ({
  prompt_tokens: r.usage.inputTokens,
  completion_tokens: r.usage.outputTokens,
  total_tokens: r.usage.inputTokens + r.usage.outputTokens,
  prompt_tokens_details: { cached_tokens: r.usage.cachedInputTokens },
});

/** POST /api/v1/chat/completions — OpenAI's wire format, JSON or SSE, routed through delegate(). */
export async function chatCompletions(db: Db, req: IncomingMessage, res: ServerResponse, caller: Caller) {
  const body = chatCompletionRequestSchema.parse(await readJson(req));
  const lastUser = body.messages.findLast((m) => m.role === "user");
  if (!lastUser || !text(lastUser.content).trim()) {
    const imagesOnly = Array.isArray(lastUser?.content) && lastUser.content.some((p) => p.type === "image_url");
    throw badRequest(
      imagesOnly
        ? "The last user message has images but no text: it is the task, so add a text part that says what to do with them."
        : `${lastUser ? "The last user message is empty" : "The conversation has no user message"}: the last user message is the task, so send one with text.`,
      "messages",
    );
  }
  const tokenGate = await admit(db, caller);
  const stream = body.stream === true;
  const input: DelegateInput = {
    teamId: caller.key.teamId,
    apiKeyId: caller.key.id,
    source: "openai",
    messages: toMessages(body.messages),
    model: body.model,
    maxOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    generation: {
      temperature: body.temperature ?? undefined,
      topP: body.top_p ?? undefined,
      stop: body.stop == null ? undefined : typeof body.stop === "string" ? [body.stop] : body.stop,
      seed: body.seed ?? undefined,
      responseFormat: body.response_format?.type === "text" ? undefined : (body.response_format ?? undefined),
      parallelToolCalls: body.tools?.length ? (body.parallel_tool_calls ?? undefined) : undefined,
      reasoningEffort: body.reasoning_effort ?? undefined,
    },
    tools: body.tools?.length ? body.tools : undefined,
    toolChoice: body.tools?.length ? (body.tool_choice ?? undefined) : undefined,
    modelAllowList: caller.key.modelAllowList,
    // Text already streamed to an OpenAI client cannot be taken back, so no restart after output.
    restartAfterPartialOutput: !stream,
    signal: abortOnClose(res),
    tokenGate,
  };
  const created = Math.floor(Date.now() / 1000);

  if (!stream) {
    const r = await delegate(db, input);
    const toolCalls = toolCallsOf(r);
    sendJson(
      res,
      200,
      {
        id: `chatcmpl-${r.requestId}`,
        object: "chat.completion",
        created,
        model: r.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: r.text || (toolCalls.length ? null : ""), refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls.map(({ index: _i, ...c }) => c) } : {}) },
            finish_reason: finishOf(r),
            logprobs: null,
          },
        ],
        usage: usageOf(r),
        system_fingerprint: null,
      },
      answerHeaders(req, r),
    );
    return;
  }

  const it = delegateStream(db, input);
  // Errors before the first event (validation, routing, budget) still get a JSON status.
  const first = await it.next();
  if (first.done || first.value.type !== "start") throw new Error("delegateStream did not start with a start event");
  const requestId = first.value.requestId;
  const id = `chatcmpl-${requestId}`;
  let model = first.value.model;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: null, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`;
  // The stream opens with the model's first output, not before: a call that fails on every model
  // before answering is then an HTTP error (429 / 502 / 504, Retry-After) that clients retry,
  // rather than a 200 whose only event is an error the SDKs throw without a status.
  const open = () => {
    if (res.headersSent) return;
    startSse(res, requestId, model);
    res.write(chunk({ role: "assistant", content: "" }));
  };
  try {
    for await (const ev of it) {
      if (ev.type === "delta") {
        open();
        res.write(chunk({ content: ev.text }));
      } else if (ev.type === "fallback") model = ev.to;
      else if (ev.type === "done") {
        const r = ev.result;
        model = r.model;
        open();
        const calls = toolCallsOf(r);
        if (calls.length) res.write(chunk({ tool_calls: calls }));
        res.write(chunk({}, finishOf(r)));
        const usage = body.stream_options?.include_usage
          ? `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: null, choices: [], usage: usageOf(r) })}\n\n`
          : "";
        endSse(res, r.model, r.costMicros, `${usage}data: [DONE]\n\n`);
      }
    }
  } catch (e) {
    if (!res.headersSent) throw e;
    // OpenAI's own streams report a late failure as a data line with an `error` object.
    failSse(res, model, e, (body) => `data: ${JSON.stringify(body)}\n\n`);
  }
}

/**
 * What a model can do, beside OpenAI's id / object / created / owned_by (extra fields, which the
 * SDKs keep): the capabilities the router filters on, the window a request must fit and the most one answer may have.
 */
const modelInfo = (f: FleetModel) => ({
  capabilities: { tool_calling: f.candidate.toolCalling === true, image_input: f.candidate.imageInput === true, reasoning_effort: f.candidate.reasoningEffort === true },
  context_window: f.model.contextWindow,
  max_output_tokens: f.model.maxOutputTokens,
});

/** The models this key may use: enabled and within the team's and the key's allow-lists (eligibleModels), with their capabilities. */
async function visibleModels(db: Db, caller: Caller) {
  const [fleet, settings] = await Promise.all([loadFleet(db), teamRoutingSettings(db, caller.key.teamId)]);
  const { models } = eligibleModels([...fleet.byName.values()].map((f) => f.candidate), { allowList: combineAllowLists(settings.allowList, caller.key.modelAllowList) });
  return models
    .map((c) => fleet.byName.get(c.id)!)
    .map((f) => ({ id: f.model.name, object: "model" as const, created: Math.floor(f.model.createdAt.getTime() / 1000), owned_by: f.provider.kind, ...modelInfo(f) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

const AUTO = { id: "auto", object: "model" as const, created: 0, owned_by: "mission-control" };

/** GET /api/v1/models */
export async function listModels(db: Db, _req: IncomingMessage, res: ServerResponse, caller: Caller) {
  sendJson(res, 200, { object: "list", data: [AUTO, ...(await visibleModels(db, caller))] });
}

/** GET /api/v1/models/{id} */
export async function getModel(db: Db, res: ServerResponse, caller: Caller, id: string) {
  if (id === "auto") return sendJson(res, 200, AUTO);
  const m = (await visibleModels(db, caller)).find((x) => x.id === id);
  if (!m) throw new ApiError(404, "model_not_found", `No model "${id}" is available to this key. GET /api/v1/models lists them.`, "model");
  sendJson(res, 200, m);
}

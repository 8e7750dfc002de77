import { createHash } from "node:crypto";
import type Anthropic from "@anthropic-ai/sdk";
import type { ProviderKind } from "./catalog";
import { anthropicClient, openaiClient, type ProviderConfig } from "./client";
import { classifyError, ProviderError, withoutKey, type PartialOutput } from "./errors";
import { THINKING_BUDGET_TOKENS, THINKING_KEPT_HOURS, thinkingBudget, type ReasoningEffort } from "./reasoning";
import { estimateMessagesTokens, estimateToolsTokens } from "./tokens";

export type { ProviderConfig } from "./client";

/** A tool call in OpenAI's wire shape, the shape every provider's calls are sent and returned in. */
export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A part of a multi-part user message, in OpenAI's shape. */
export type ChatContentPart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } };

/**
 * Messages in OpenAI's shape (tool turns included); Anthropic calls translate them. `content` is
 * always the text (what analysis, token estimates and the record read); a user message with images
 * also carries `parts`, its content as sent, in order. `name` tells participants of one role
 * apart: OpenAI and xAI take it as it is; for the other providers it opens the message's text
 * (`speakerMessages`).
 */
export type ChatMessage =
  | { role: "system"; content: string; name?: string }
  | { role: "user"; content: string; name?: string; parts?: ChatContentPart[] }
  | { role: "assistant"; content: string; name?: string; tool_calls?: ChatToolCall[] }
  | { role: "tool"; content: string; tool_call_id: string };

export type { ReasoningEffort } from "./reasoning";
export { THINKING_BUDGET_TOKENS, thinkingBudget } from "./reasoning";

/**
 * A block of a Claude answer's extended thinking, as Anthropic returns it and wants it back (unchanged)
 * at the start of a tool-use turn: readable thinking with its signature, or redacted (encrypted) thinking.
 */
export type ThinkingBlock = { type: "thinking"; thinking: string; signature: string } | { type: "redacted_thinking"; data: string };

/**
 * The assistant turns that called tools in the tool loop a conversation ends in (after its last user
 * message). Anthropic wants the thinking of such a loop's first turn sent back with it when thinking:
 * Claude thinks at the start of its turn.
 */
export function toolLoopTurns(messages: readonly ChatMessage[]): Extract<ChatMessage, { role: "assistant" }>[] {
  const from = messages.findLastIndex((m) => m.role === "user") + 1;
  return messages.slice(from).filter((m): m is Extract<ChatMessage, { role: "assistant" }> => m.role === "assistant" && !!m.tool_calls?.length);
}

/** The thinking kept for an assistant turn, found by any of its tool calls' ids. */
const keptThinking = (m: Extract<ChatMessage, { role: "assistant" }>, kept: CallOptions["thinkingBlocks"]) => m.tool_calls?.map((c) => kept?.get(c.id)).find((b) => b?.length);

/** OpenAI's tool_choice. */
export type ChatToolChoice = "none" | "auto" | "required" | { type: "function"; function: { name: string } };

/** A tool call the model made, as `done.raw.toolCalls` reports it; `arguments` is a JSON string. */
export interface ToolCallOut {
  id?: string;
  name?: string;
  arguments: string;
}

export interface CallUsage {
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export type CallEvent =
  | { type: "delta"; text: string }
  | { type: "done"; text: string; usage: CallUsage; finishReason: string | null; raw?: unknown };

export type DoneEvent = Extract<CallEvent, { type: "done" }>;

/** OpenAI's response_format: free text (the default), any JSON object, or JSON that matches a schema. */
export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null } };

/**
 * What shapes the answer besides the messages, in OpenAI's terms; each provider gets them in its
 * own (Anthropic: `stop_sequences`, a forced tool for JSON; Mistral: `random_seed`).
 */
export interface GenerationOptions {
  temperature?: number;
  topP?: number;
  /** Up to 4 sequences; the answer ends before the first of them. */
  stop?: string[];
  seed?: number;
  responseFormat?: ResponseFormat;
  /** false: at most one tool call per turn. Sent only with `tools`. */
  parallelToolCalls?: boolean;
  /**
   * For reasoning models (the `models` row's `reasoning_effort` flag), sent as it is to OpenAI-compatible
   * providers; delegate() sends it to no other model. Anthropic models get extended thinking instead:
   * `thinking` with `thinkingBudget(effort)` tokens, on top of `maxTokens` (see `fittedThinkingBudget`).
   */
  reasoningEffort?: ReasoningEffort;
}

export interface CallOptions extends GenerationOptions {
  provider: ProviderConfig;
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  /**
   * The model's context window (its `models` row), where known: a Claude call's thinking budget is
   * shrunk to what it leaves beside the prompt and `maxTokens` (`fittedThinkingBudget`).
   */
  contextWindow?: number;
  /**
   * The prompt's estimate (`estimateMessagesTokens` of `messages` plus `estimateToolsTokens` of the
   * `tools` sent), where the caller has it already; computed from them when absent.
   */
  promptTokens?: number;
  /**
   * The model's output limit (its `models` row), where known: a Claude call's thinking budget is also
   * shrunk to what it leaves beside `maxTokens`, and Anthropic's default allowance never passes it.
   */
  maxOutputTokens?: number;
  /** Longest wait for the provider to make progress: the first byte, then each next chunk. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** OpenAI-shaped function tools, `[{ type: "function", function: { name, description?, parameters? } }]`. */
  tools?: unknown;
  /** Sent only with `tools`. */
  toolChoice?: ChatToolChoice;
  /**
   * Anthropic with thinking: the thinking of the tool loop's assistant turns (`toolLoopTurns`), by the
   * id of a tool call each turn made. OpenAI's messages cannot carry it, so Mission Control keeps it
   * (lib/execution/thinking.ts); each turn found is sent with its blocks first. Without the loop's
   * first turn's thinking the call is refused, as Anthropic would refuse it.
   */
  thinkingBlocks?: ReadonlyMap<string, ThinkingBlock[]>;
  /** Extra request headers, e.g. a vendor beta flag, or `x-mock-fail` in tests. */
  headers?: Record<string, string>;
  /**
   * false: one plain JSON response instead of a stream (cheaper to parse when the caller does not
   * stream either). The generator then yields the whole text as one delta, then `done`.
   */
  stream?: boolean;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
/** Anthropic requires max_tokens; this is its value when the caller gives none. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

type ThinkingOptions = Pick<CallOptions, "messages" | "tools" | "promptTokens" | "maxTokens" | "contextWindow" | "maxOutputTokens" | "reasoningEffort"> & { model?: string };

/** The answer's allowance a Claude call sends: the caller's, else Anthropic's default within the model's output limit. */
const anthropicAnswerTokens = (opts: Pick<CallOptions, "maxTokens" | "maxOutputTokens">) => opts.maxTokens ?? Math.min(DEFAULT_ANTHROPIC_MAX_TOKENS, opts.maxOutputTokens ?? Infinity);

/** What bounds a Claude call's thinking budget: the room the window and the output limit leave beside the prompt and the answer. */
function thinkingRoom(opts: ThinkingOptions) {
  const prompt = opts.promptTokens ?? estimateMessagesTokens(opts.messages, opts.model) + estimateToolsTokens(opts.tools);
  const answer = anthropicAnswerTokens(opts);
  const window = opts.contextWindow === undefined ? Infinity : opts.contextWindow - prompt - answer;
  const output = opts.maxOutputTokens === undefined ? Infinity : opts.maxOutputTokens - answer;
  return { prompt, answer, window, output, room: Math.min(window, output) };
}

/**
 * The thinking budget a Claude call sends: the effort's (`thinkingBudget`), shrunk to what the model's
 * context window leaves beside the prompt (estimated, tool definitions included) and the answer's
 * allowance, and to what its output limit leaves beside that allowance — Anthropic refuses prompt +
 * max_tokens (answer + budget) beyond the window, and max_tokens beyond the output limit. Null when
 * Anthropic's floor of 1,024 does not fit; 0 when the call does not think.
 */
export function fitThinkingBudget(opts: ThinkingOptions): number | null {
  const budget = thinkingBudget("anthropic", opts.reasoningEffort);
  if (!budget) return 0;
  const { room } = thinkingRoom(opts);
  return room >= THINKING_BUDGET_TOKENS.minimal ? Math.min(budget, room) : null;
}

/**
 * `fitThinkingBudget`, or when the floor does not fit, the call refused for this model before it is
 * sent, saying which limit leaves too little: retryable, so a fallback may answer.
 */
export function fittedThinkingBudget(opts: ThinkingOptions): number {
  const fitted = fitThinkingBudget(opts);
  if (fitted !== null) return fitted;
  const { prompt, answer, window, output } = thinkingRoom(opts);
  const n = (x: number) => x.toLocaleString("en-US");
  const what = `reasoning_effort on an Anthropic model is extended thinking, which needs at least ${n(THINKING_BUDGET_TOKENS.minimal)} thinking tokens`;
  const model = opts.model ?? "the model";
  if (output < THINKING_BUDGET_TOKENS.minimal) {
    throw new ProviderError(
      "bad_request",
      `${what} within the model's output limit beside the answer: ${model} answers at most ${n(opts.maxOutputTokens!)} tokens in one response, thinking included, and the answer's max_tokens (${n(answer)}) leaves ${n(Math.max(0, output))}. ` +
        `Send a max_tokens of at most ${n(opts.maxOutputTokens! - THINKING_BUDGET_TOKENS.minimal)}, leave reasoning_effort out, or choose a model with a larger output limit.`,
      { retryable: true },
    );
  }
  throw new ProviderError(
    "context_length",
    `${what} in the context window beside the prompt and the answer: ` +
      `${model}'s window is ${n(opts.contextWindow!)} tokens, and the prompt (about ${n(prompt)}) with the answer's max_tokens (${n(answer)}) leaves ${n(Math.max(0, window))}. ` +
      "Send a shorter prompt or a lower max_tokens, leave reasoning_effort out, or choose a model with a larger context window.",
    { retryable: true },
  );
}

const OPENAI_COMPATIBLE: ReadonlySet<ProviderKind> = new Set(["openai", "xai", "mistral", "ollama"]);
/** The providers whose chat API takes a message's `name`. */
const TAKES_NAME: ReadonlySet<ProviderKind> = new Set(["openai", "xai"]);

/**
 * The messages with each participant's `name` moved into its text ("Ada: …"), for a provider
 * whose API has no such field: the model still tells the speakers apart, and nothing is dropped.
 */
export function speakerMessages(messages: ChatMessage[]): ChatMessage[] {
  if (!messages.some((m) => m.role !== "tool" && m.name)) return messages;
  return messages.map((m) => {
    if (m.role === "tool" || !m.name) return m;
    const { name, ...rest } = m;
    const said = { ...rest, content: `${name}: ${m.content}` } as ChatMessage;
    if (said.role === "user" && said.parts) {
      const first = said.parts.findIndex((p) => p.type === "text");
      said.parts = first < 0 ? [{ type: "text", text: `${name}:` }, ...said.parts] : said.parts.map((p, i) => (i === first && p.type === "text" ? { ...p, text: `${name}: ${p.text}` } : p));
    }
    return said;
  });
}

/**
 * Aborts the SDK call when the caller's signal fires or when the provider makes no progress for
 * `timeoutMs`, and remembers which, so the error becomes "aborted" or "timeout" accordingly.
 */
class Deadline {
  readonly controller = new AbortController();
  timedOut = false;
  /** Set when the answer was read to its end: nothing is left to free, and no abort is needed. */
  finished = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.controller.abort();

  constructor(
    private readonly timeoutMs: number,
    private readonly signal?: AbortSignal,
  ) {
    signal?.addEventListener("abort", this.onAbort, { once: true });
    this.touch();
  }

  touch() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.timeoutMs);
  }

  dispose() {
    clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this.onAbort);
    // Frees the pooled connection if the consumer stopped reading early. Skipped after a complete
    // answer: abort() builds a DOMException with a stack trace, measurable CPU on every call.
    if (!this.finished) this.controller.abort();
  }

  /** The SDKs end a stream quietly when its signal aborts, so the cause is checked here first. */
  error(err: unknown): ProviderError {
    if (err instanceof BrokenStream) {
      const e = this.error(err.cause);
      e.partial = err.partial;
      return e;
    }
    if (this.timedOut) return new ProviderError("timeout", `No response from the provider within ${this.timeoutMs} ms`, { cause: err });
    if (this.signal?.aborted) return new ProviderError("aborted", "The request was aborted", { cause: err });
    return classifyError(err);
  }
}

/** A stream that failed after its answer began, carrying what it had produced (Deadline.error unwraps it). */
class BrokenStream extends Error {
  constructor(
    override readonly cause: unknown,
    readonly partial: PartialOutput,
  ) {
    super("stream broke after output began");
  }
}

/**
 * `err` as thrown, or — once the answer began (its first event arrived: the provider bills from
 * there, also before any text) — wrapped with the output received so far.
 */
function brokenAt(err: unknown, began: boolean, text: string, toolCalls: Iterable<ToolCallOut>, known: Partial<Omit<PartialOutput, "text">> = {}): unknown {
  let out = text;
  for (const c of toolCalls) if (c) out += (c.name ?? "") + c.arguments; // OpenAI's slots may have holes
  return began || out ? new BrokenStream(err, { inputTokens: null, outputTokens: null, ...known, text: out }) : err;
}

/**
 * Streams one chat completion from a provider through its official SDK. Yields text deltas, then
 * one `done` event whose usage is the provider's own count. Every failure is thrown as a
 * ProviderError; a stream that ends before reporting usage throws kind "stream_dropped".
 * No retries here: falling back is the caller's job.
 */
export async function* callModel(opts: CallOptions): AsyncGenerator<CallEvent, void, undefined> {
  if (opts.signal?.aborted) throw new ProviderError("aborted", "The request was aborted before it started");
  if (!opts.provider.apiKey && opts.provider.kind !== "ollama") {
    throw new ProviderError("auth", `No API key configured for the ${opts.provider.kind} provider`);
  }
  const deadline = new Deadline(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.signal);
  try {
    const anthropic = opts.provider.kind === "anthropic";
    const events = opts.stream === false ? (anthropic ? onceAnthropic(opts, deadline) : onceOpenAI(opts, deadline)) : anthropic ? streamAnthropic(opts, deadline) : streamOpenAI(opts, deadline);
    for await (const event of events) {
      deadline.touch();
      yield event;
    }
    deadline.finished = true;
  } catch (err) {
    throw withoutKey(deadline.error(err), opts.provider.apiKey);
  } finally {
    deadline.dispose();
  }
}

/** Runs callModel to the end and returns its `done` event. */
export async function completeModel(opts: CallOptions): Promise<DoneEvent> {
  for await (const event of callModel(opts)) {
    if (event.type === "done") return event;
  }
  throw new ProviderError("stream_dropped", "The stream ended without a final event");
}

const MISTRAL_TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;
const BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * A tool call id as Mistral accepts it: 9 letters or digits. Ids from other providers or clients
 * (`call_…`, `toolu_…`) are mapped by a hash, the same on the assistant turn and on its results,
 * so a conversation routed to Mistral keeps its pairs; Mistral's own ids pass unchanged.
 */
export function mistralToolCallId(id: string): string {
  if (MISTRAL_TOOL_CALL_ID.test(id)) return id;
  let n = BigInt(`0x${createHash("sha256").update(id).digest("hex").slice(0, 16)}`);
  let out = "";
  for (let i = 0; i < 9; i++, n /= 62n) out += BASE62[Number(n % 62n)];
  return out;
}

/**
 * The messages as an OpenAI-compatible provider takes them: a user message with parts sends those
 * as its content, and Mistral gets tool call ids it accepts.
 */
function openAIMessages(opts: CallOptions) {
  const mistral = opts.provider.kind === "mistral";
  const messages = TAKES_NAME.has(opts.provider.kind) ? opts.messages : speakerMessages(opts.messages);
  if (!mistral && !messages.some((m) => m.role === "user" && m.parts)) return messages as never;
  return messages.map((m) => {
    if (m.role === "user" && m.parts) return { role: "user", content: m.parts, ...(m.name ? { name: m.name } : {}) };
    if (mistral && m.role === "tool") return { ...m, tool_call_id: mistralToolCallId(m.tool_call_id) };
    if (mistral && m.role === "assistant" && m.tool_calls?.length) return { ...m, tool_calls: m.tool_calls.map((c) => ({ ...c, id: mistralToolCallId(c.id) })) };
    return m;
  }) as never;
}

/** Everything but model, messages and streaming, as an OpenAI-compatible provider reads it. */
function openAIParams(opts: CallOptions) {
  const max = opts.maxTokens === undefined ? {} : opts.provider.kind === "openai" ? { max_completion_tokens: opts.maxTokens } : { max_tokens: opts.maxTokens };
  // Mistral calls the seed random_seed, and refuses fields it does not know.
  const seed = opts.seed === undefined ? {} : opts.provider.kind === "mistral" ? { random_seed: opts.seed } : { seed: opts.seed };
  const tools =
    opts.tools === undefined
      ? {}
      : {
          tools: opts.tools as never,
          ...(opts.toolChoice === undefined ? {} : { tool_choice: opts.toolChoice }),
          ...(opts.parallelToolCalls === undefined ? {} : { parallel_tool_calls: opts.parallelToolCalls }),
        };
  return {
    ...max,
    ...(opts.temperature === undefined ? {} : { temperature: opts.temperature }),
    ...(opts.topP === undefined ? {} : { top_p: opts.topP }),
    ...(opts.stop?.length ? { stop: opts.stop } : {}),
    ...seed,
    ...(opts.responseFormat === undefined ? {} : { response_format: opts.responseFormat }),
    ...(opts.reasoningEffort === undefined ? {} : { reasoning_effort: opts.reasoningEffort }),
    ...tools,
  };
}

async function* onceOpenAI(opts: CallOptions, deadline: Deadline): AsyncGenerator<CallEvent> {
  if (!OPENAI_COMPATIBLE.has(opts.provider.kind)) throw new ProviderError("bad_request", `Unknown provider kind ${opts.provider.kind}`);
  const res = await openaiClient(opts.provider).chat.completions.create(
    {
      model: opts.model,
      messages: openAIMessages(opts),
      ...openAIParams(opts),
    },
    { signal: deadline.controller.signal, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, headers: opts.headers },
  );
  const choice = res.choices?.[0];
  if (!res.usage || !choice) throw new ProviderError("bad_response", "The provider answered without a choice or usage");
  const text = choice.message?.content ?? "";
  const toolCalls = (choice.message?.tool_calls ?? []).map((c) => ({ id: c.id, name: "function" in c ? c.function.name : undefined, arguments: "function" in c ? c.function.arguments : "" }));
  if (text) yield { type: "delta", text };
  yield {
    type: "done",
    text,
    usage: { inputTokens: res.usage.prompt_tokens, outputTokens: res.usage.completion_tokens, cachedInputTokens: res.usage.prompt_tokens_details?.cached_tokens ?? 0 },
    finishReason: choice.finish_reason ?? null,
    raw: { id: res.id, toolCalls: toolCalls.length ? toolCalls : undefined },
  };
}

async function* onceAnthropic(opts: CallOptions, deadline: Deadline): AsyncGenerator<CallEvent> {
  const request = anthropicRequest(opts);
  const res = await anthropicClient(opts.provider).messages.create(
    { model: opts.model, ...request },
    { signal: deadline.controller.signal, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, headers: opts.headers },
  );
  const jsonTool = jsonAnswerTool(opts.responseFormat)?.name ?? null;
  let text = "";
  const toolCalls: ToolCallOut[] = [];
  // Thinking blocks come first; they are not the answer (their tokens are in output_tokens), but are
  // returned in `raw.thinking` for the caller to keep when the answer calls tools.
  const thinking: ThinkingBlock[] = [];
  for (const b of res.content) {
    if (b.type === "text") text += b.text;
    else if (b.type === "thinking") thinking.push({ type: "thinking", thinking: b.thinking, signature: b.signature });
    else if (b.type === "redacted_thinking") thinking.push({ type: "redacted_thinking", data: b.data });
    else if (b.type === "tool_use" && b.name === jsonTool) text += JSON.stringify(b.input ?? {});
    else if (b.type === "tool_use") toolCalls.push({ id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) });
  }
  const u = res.usage;
  if (!u) throw new ProviderError("bad_response", "The provider answered without usage");
  const cached = u.cache_read_input_tokens ?? 0;
  if (text) yield { type: "delta", text };
  yield {
    type: "done",
    text,
    usage: { inputTokens: u.input_tokens + cached + (u.cache_creation_input_tokens ?? 0), outputTokens: u.output_tokens, cachedInputTokens: cached },
    finishReason: jsonTool && res.stop_reason === "tool_use" ? "end_turn" : (res.stop_reason ?? null),
    raw: { id: res.id, toolCalls: toolCalls.length ? toolCalls : undefined, thinking: thinking.length ? thinking : undefined },
  };
}

async function* streamOpenAI(opts: CallOptions, deadline: Deadline): AsyncGenerator<CallEvent> {
  if (!OPENAI_COMPATIBLE.has(opts.provider.kind)) throw new ProviderError("bad_request", `Unknown provider kind ${opts.provider.kind}`);
  const client = openaiClient(opts.provider);
  // Mistral rejects unknown fields and always reports usage in its last chunk.
  const streamOptions = opts.provider.kind === "mistral" ? {} : { stream_options: { include_usage: true } };
  const stream = await client.chat.completions.create(
    {
      model: opts.model,
      messages: openAIMessages(opts),
      stream: true,
      ...streamOptions,
      ...openAIParams(opts),
    },
    { signal: deadline.controller.signal, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, headers: opts.headers },
  );
  let text = "";
  let finishReason: string | null = null;
  let usage: CallUsage | null = null;
  let id: string | undefined;
  let began = false;
  const toolCalls: ToolCallOut[] = [];
  try {
    for await (const chunk of stream) {
      deadline.touch();
      began = true;
      id ??= chunk.id;
      if (chunk.usage) {
        usage = {
          inputTokens: chunk.usage.prompt_tokens,
          outputTokens: chunk.usage.completion_tokens,
          cachedInputTokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
        };
      }
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.finish_reason) finishReason = choice.finish_reason;
      for (const call of choice.delta?.tool_calls ?? []) {
        const slot = (toolCalls[call.index] ??= { arguments: "" });
        if (call.id) slot.id = call.id;
        if (call.function?.name) slot.name = call.function.name;
        slot.arguments += call.function?.arguments ?? "";
      }
      const piece = choice.delta?.content;
      if (piece) {
        text += piece;
        yield { type: "delta", text: piece };
      }
    }
  } catch (e) {
    throw brokenAt(e, began, text, toolCalls);
  }
  if (!usage) throw brokenAt(new ProviderError("stream_dropped", "The stream ended without reporting usage"), began, text, toolCalls);
  yield { type: "done", text, usage, finishReason, raw: { id, toolCalls: toolCalls.length > 0 ? toolCalls : undefined } };
}

async function* streamAnthropic(opts: CallOptions, deadline: Deadline): AsyncGenerator<CallEvent> {
  const client = anthropicClient(opts.provider);
  const request = anthropicRequest(opts);
  const stream = await client.messages.create(
    { model: opts.model, ...request, stream: true },
    { signal: deadline.controller.signal, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, headers: opts.headers },
  );
  // A JSON response_format is a forced tool here: its input, streamed as JSON text, is the answer.
  const jsonTool = jsonAnswerTool(opts.responseFormat)?.name ?? null;
  let jsonBlock: number | null = null;
  let text = "";
  let id: string | undefined;
  let inputTokens: number | null = null;
  let cachedInputTokens = 0;
  let outputTokens: number | null = null;
  let finishReason: string | null = null;
  let stopped = false;
  // By content block index; the input arrives as JSON text in input_json_delta pieces.
  const toolCalls = new Map<number, ToolCallOut>();
  // Thinking blocks by index: not the answer, kept whole (thinking, signature, redacted data) in raw.thinking.
  const thinking = new Map<number, ThinkingBlock>();
  // What the hidden thinking of a stream that breaks can have come to at most: the budget sent (fitted to the window).
  const sentBudget = request.thinking?.type === "enabled" ? request.thinking.budget_tokens : undefined;
  let reportedOutput: number | null = null;
  let began = false;
  try {
    for await (const event of stream) {
      deadline.touch();
      began = true;
      switch (event.type) {
        case "message_start": {
          const u = event.message.usage;
          id = event.message.id;
          cachedInputTokens = u.cache_read_input_tokens ?? 0;
          // Anthropic's input_tokens excludes cache reads and writes; ours is the whole prompt.
          inputTokens = u.input_tokens + cachedInputTokens + (u.cache_creation_input_tokens ?? 0);
          outputTokens = u.output_tokens;
          break;
        }
        case "content_block_start":
          if (event.content_block.type === "tool_use" && event.content_block.name === jsonTool) jsonBlock = event.index;
          else if (event.content_block.type === "tool_use") toolCalls.set(event.index, { id: event.content_block.id, name: event.content_block.name, arguments: "" });
          else if (event.content_block.type === "thinking") thinking.set(event.index, { type: "thinking", thinking: event.content_block.thinking, signature: event.content_block.signature });
          else if (event.content_block.type === "redacted_thinking") thinking.set(event.index, { type: "redacted_thinking", data: event.content_block.data });
          break;
        case "content_block_delta": {
          // thinking_delta and signature_delta (extended thinking) are not the answer: kept apart.
          const thought = thinking.get(event.index);
          if (thought?.type === "thinking" && event.delta.type === "thinking_delta") thought.thinking += event.delta.thinking;
          else if (thought?.type === "thinking" && event.delta.type === "signature_delta") thought.signature = event.delta.signature;
          else if (event.delta.type === "text_delta" || (event.delta.type === "input_json_delta" && event.index === jsonBlock)) {
            const piece = event.delta.type === "text_delta" ? event.delta.text : event.delta.partial_json;
            text += piece;
            yield { type: "delta", text: piece };
          } else if (event.delta.type === "input_json_delta") {
            const call = toolCalls.get(event.index);
            if (call) call.arguments += event.delta.partial_json;
          }
          break;
        }
        case "message_delta":
          outputTokens = reportedOutput = event.usage.output_tokens;
          finishReason = event.delta.stop_reason ?? finishReason;
          break;
        case "message_stop":
          stopped = true;
          break;
      }
    }
  } catch (e) {
    throw brokenAt(e, began, text, toolCalls.values(), { inputTokens, outputTokens: reportedOutput, thinkingBudget: sentBudget });
  }
  if (!stopped || inputTokens === null || outputTokens === null) {
    throw brokenAt(new ProviderError("stream_dropped", "The stream ended before message_stop"), began, text, toolCalls.values(), { inputTokens, outputTokens: reportedOutput, thinkingBudget: sentBudget });
  }
  // A tool without parameters streams no input at all; its input is {}.
  const calls = [...toolCalls.values()].map((c) => ({ ...c, arguments: c.arguments || "{}" }));
  if (jsonBlock !== null) {
    if (!text) {
      text = "{}";
      yield { type: "delta", text };
    }
    if (finishReason === "tool_use") finishReason = "end_turn";
  }
  yield { type: "done", text, usage: { inputTokens, outputTokens, cachedInputTokens }, finishReason, raw: { id, toolCalls: calls.length ? calls : undefined, thinking: thinking.size ? [...thinking.values()] : undefined } };
}

// temperature and top_p are gone from the SDK's types (newer models refuse them); the models in the catalog take them.
type AnthropicRequest = Pick<Anthropic.MessageCreateParamsNonStreaming, "max_tokens" | "messages" | "system" | "tools" | "tool_choice" | "stop_sequences" | "thinking"> & { temperature?: number; top_p?: number };

/** What Anthropic cannot take as OpenAI sends it: refused before the call, retryable so a fallback of another provider may answer. */
const unsupported = (message: string) => new ProviderError("bad_request", message, { retryable: true });

/** The forced tool that carries a JSON response_format to Anthropic: its input is the answer. */
function jsonAnswerTool(format: ResponseFormat | undefined): Anthropic.Tool | null {
  if (!format || format.type === "text") return null;
  if (format.type === "json_object") return { name: "json_answer", description: "Give your whole answer with this tool, as a JSON object.", input_schema: { type: "object" } };
  const schema = format.json_schema.schema ?? { type: "object" };
  if (schema.type !== "object") throw unsupported(`response_format.json_schema.schema must describe an object ("type": "object") for Anthropic models.`);
  const description = format.json_schema.description ?? "Give your whole answer with this tool, as JSON matching its schema.";
  return { name: format.json_schema.name, description, input_schema: schema as Anthropic.Tool.InputSchema };
}

/**
 * OpenAI-shaped messages, tools and generation options in Anthropic's Messages format: system
 * messages become `system`; an assistant turn's tool_calls become `tool_use` blocks after its text;
 * `tool` messages become `tool_result` blocks of one user message (consecutive results share it, as
 * the API wants every result of a turn in the message right after it); `stop` becomes
 * `stop_sequences`, `parallel_tool_calls: false` `disable_parallel_tool_use`, and a JSON
 * response_format a tool the model must call. `seed` has no Anthropic counterpart and is not sent
 * (OpenAI's own seed is best effort).
 */
export function anthropicRequest(
  opts: Pick<CallOptions, "messages" | "tools" | "toolChoice" | "thinkingBlocks" | "promptTokens" | "maxTokens" | "contextWindow" | "maxOutputTokens"> & { model?: string } & GenerationOptions,
): AnthropicRequest {
  if (opts.temperature !== undefined && opts.temperature > 1) {
    throw unsupported(`temperature ${opts.temperature} is above 1, the most Anthropic models accept (OpenAI's scale goes to 2); send 0–1, or choose a model of another provider.`);
  }
  if (opts.stop?.some((s) => !s.trim())) throw unsupported("Anthropic models refuse stop sequences that are only whitespace (such as \"\\n\"); send stop sequences with visible characters, or choose a model of another provider.");
  if (thinkingBudget("anthropic", opts.reasoningEffort)) refuseWithThinking(opts);
  const budget = fittedThinkingBudget(opts);
  const jsonTool = jsonAnswerTool(opts.responseFormat);
  if (jsonTool && opts.tools !== undefined) throw unsupported("A JSON response_format together with tools is not available on Anthropic models (it is sent to them as a tool); send one of the two, or choose a model of another provider.");
  const said = speakerMessages(opts.messages);
  const system = said
    .filter((m) => m.role === "system")
    .map((m) => m.content)
    .join("\n\n");
  const messages: Anthropic.MessageParam[] = [];
  for (const m of said) {
    if (m.role === "system") continue;
    if (m.role === "tool") {
      const result: Anthropic.ToolResultBlockParam = { type: "tool_result", tool_use_id: m.tool_call_id, content: m.content };
      const last = messages.at(-1);
      if (last?.role === "user" && Array.isArray(last.content) && last.content.every((b) => b.type === "tool_result")) last.content.push(result);
      else messages.push({ role: "user", content: [result] });
    } else if (m.role === "assistant" && m.tool_calls?.length) {
      // With thinking, the turn's kept thinking goes first, as Claude wrote it.
      const blocks: Anthropic.ContentBlockParam[] = [...((budget && keptThinking(m, opts.thinkingBlocks)) || []), ...(m.content ? [{ type: "text" as const, text: m.content }] : [])];
      for (const c of m.tool_calls) blocks.push({ type: "tool_use", id: c.id, name: c.function.name, input: toolInput(c) });
      messages.push({ role: "assistant", content: blocks });
    } else if (m.role === "user" && m.parts) messages.push({ role: "user", content: m.parts.map(anthropicPart).filter((b) => b.type !== "text" || b.text !== "") });
    else if (m.content.trim()) messages.push({ role: m.role, content: m.content });
    // An empty turn, which OpenAI takes, is left out: Anthropic refuses it and it says nothing.
  }
  // A conversation with tool calls but no tools of its own (the caller sent none): Anthropic wants
  // the tools of tool_use blocks defined, so those called are defined as called, and tool_choice
  // "none" keeps OpenAI's meaning of a request without tools — the model may call none of them.
  const called = jsonTool || opts.tools !== undefined ? [] : [...new Set(opts.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []).map((c) => c.function.name) : [])))];
  const tools = jsonTool
    ? [jsonTool]
    : opts.tools !== undefined
      ? anthropicTools(opts.tools)
      : called.length
        ? called.map((name): Anthropic.Tool => ({ name, description: "Called earlier in this conversation; not available now.", input_schema: { type: "object" } }))
        : undefined;
  let choice: Anthropic.ToolChoice | undefined = jsonTool ? { type: "tool", name: jsonTool.name } : called.length ? { type: "none" } : tools?.length ? anthropicToolChoice(opts.toolChoice) : undefined;
  if (opts.parallelToolCalls === false && tools?.length && choice?.type !== "none") choice = { ...(choice ?? { type: "auto" }), disable_parallel_tool_use: true };
  return {
    // max_tokens counts thinking and answer together (and must exceed the budget): the answer's allowance plus the budget.
    max_tokens: anthropicAnswerTokens(opts) + budget,
    messages,
    ...(system ? { system } : {}),
    ...(tools ? { tools } : {}),
    ...(choice ? { tool_choice: choice } : {}),
    ...(opts.temperature === undefined ? {} : { temperature: opts.temperature }),
    ...(opts.topP === undefined ? {} : { top_p: opts.topP }),
    ...(opts.stop?.length ? { stop_sequences: opts.stop } : {}),
    ...(budget ? { thinking: { type: "enabled", budget_tokens: budget } } : {}),
  };
}

/**
 * What extended thinking does not take (Anthropic's feature compatibility), refused before the call
 * like the rest: a temperature other than 1, top_p under 0.95, a forced tool (tool_choice "required"
 * or named, and a JSON response_format, which is one), and a conversation that ends in a tool loop
 * whose first turn's thinking is not in `thinkingBlocks` — Anthropic wants it back first in that turn,
 * and OpenAI's messages do not carry it.
 */
function refuseWithThinking(opts: Pick<CallOptions, "messages" | "toolChoice" | "thinkingBlocks"> & GenerationOptions) {
  const what = "reasoning_effort on an Anthropic model is extended thinking, which";
  const instead = "or choose a reasoning model of another provider.";
  if (opts.temperature !== undefined && opts.temperature !== 1) throw unsupported(`${what} takes no temperature other than 1; leave temperature out (or send 1), ${instead}`);
  if (opts.topP !== undefined && opts.topP < 0.95) throw unsupported(`${what} takes top_p only from 0.95 to 1; leave top_p out, ${instead}`);
  if (opts.responseFormat && opts.responseFormat.type !== "text") throw unsupported(`${what} cannot be combined with a JSON response_format (sent to Claude as a tool it must call); send one of the two, ${instead}`);
  if (opts.toolChoice === "required" || typeof opts.toolChoice === "object") throw unsupported(`${what} lets the model choose whether to call a tool: tool_choice may be "auto" or "none"; ${instead}`);
  const opening = toolLoopTurns(opts.messages)[0];
  if (opening && !keptThinking(opening, opts.thinkingBlocks)) {
    throw unsupported(
      `${what} needs the thinking of the last assistant turn that called tools sent back, and that turn's thinking is not known to Mission Control: ` +
        `it keeps a Claude answer's thinking for your team for ${THINKING_KEPT_HOURS} hours, by the ids of its tool calls, so a turn made by another model, with another team's key or longer ago is not found. ` +
        `Send the tool calls back with the ids they were returned with, or leave reasoning_effort out until the last assistant turn is text, ${instead}`,
    );
  }
}

const ANTHROPIC_IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"] as const;

/** An OpenAI content part as an Anthropic block: a data URL becomes a base64 image, an http(s) URL a URL image. */
function anthropicPart(p: ChatContentPart): Anthropic.TextBlockParam | Anthropic.ImageBlockParam {
  if (p.type === "text") return { type: "text", text: p.text };
  const url = p.image_url.url;
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) {
    const mediaType = ANTHROPIC_IMAGE_TYPES.find((t) => t === data[1].toLowerCase());
    if (!mediaType) throw new ProviderError("bad_request", `An image is ${data[1]}; Anthropic models read ${ANTHROPIC_IMAGE_TYPES.join(", ")}.`);
    return { type: "image", source: { type: "base64", media_type: mediaType, data: data[2] } };
  }
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  throw new ProviderError("bad_request", "An image_url is neither a base64 data URL (data:image/png;base64,…) nor an http(s) URL.");
}

function toolInput(call: ChatToolCall): Record<string, unknown> {
  const raw = call.function.arguments.trim();
  if (raw === "") return {};
  let input: unknown;
  try {
    input = JSON.parse(raw);
  } catch {
    input = undefined;
  }
  if (!input || typeof input !== "object" || Array.isArray(input)) {
    throw new ProviderError("bad_request", `Tool call ${call.id} (${call.function.name}) has arguments that are not a JSON object; Anthropic models need one.`);
  }
  return input as Record<string, unknown>;
}

function anthropicTools(tools: unknown): Anthropic.Tool[] {
  if (!Array.isArray(tools)) throw new ProviderError("bad_request", "tools must be an array of function tools");
  return tools.map((t: unknown, i) => {
    const fn = (t as { type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown } } | null)?.function;
    if ((t as { type?: unknown }).type !== "function" || typeof fn?.name !== "string") {
      throw new ProviderError("bad_request", `tools[${i}] is not a function tool ({ type: "function", function: { name, parameters } })`);
    }
    // Anthropic requires an object schema; OpenAI allows a function without parameters.
    const schema = fn.parameters && typeof fn.parameters === "object" ? (fn.parameters as Anthropic.Tool.InputSchema) : { type: "object" as const, properties: {} };
    return { name: fn.name, ...(typeof fn.description === "string" ? { description: fn.description } : {}), input_schema: schema };
  });
}

function anthropicToolChoice(choice: ChatToolChoice | undefined): Anthropic.ToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (choice === "auto") return { type: "auto" };
  if (choice === "required") return { type: "any" };
  if (choice === "none") return { type: "none" };
  return { type: "tool", name: choice.function.name };
}

export interface ConnectionCheck {
  ok: boolean;
  latencyMs: number;
  models?: string[];
  error?: string;
  errorKind?: ProviderError["kind"];
}

/** Lists the provider's models with the configured key; used by the admin "test connection" button. */
export async function testConnection(provider: ProviderConfig, timeoutMs = 5_000): Promise<ConnectionCheck> {
  const start = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    if (!provider.apiKey && provider.kind !== "ollama") throw new ProviderError("auth", `No API key configured for the ${provider.kind} provider`);
    const models: string[] = [];
    if (provider.kind === "anthropic") {
      const page = await anthropicClient(provider).models.list({ limit: 100 }, { signal, timeout: timeoutMs });
      for (const m of page.data) models.push(m.id);
    } else {
      const page = await openaiClient(provider).models.list({ signal, timeout: timeoutMs });
      for (const m of page.data) models.push(m.id);
    }
    return { ok: true, latencyMs: Math.round(performance.now() - start), models };
  } catch (err) {
    const e = withoutKey(signal.aborted ? new ProviderError("timeout", `No answer within ${timeoutMs} ms`, { cause: err }) : classifyError(err), provider.apiKey);
    return { ok: false, latencyMs: Math.round(performance.now() - start), error: e.message, errorKind: e.kind };
  }
}

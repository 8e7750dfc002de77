import type { ProviderKind } from "./catalog";
import { anthropicClient, openaiClient, type ProviderConfig } from "./client";
import { classifyError, ProviderError } from "./errors";

export type { ProviderConfig } from "./client";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
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

export interface CallOptions {
  provider: ProviderConfig;
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  /** Longest wait for the provider to make progress: the first byte, then each next chunk. */
  timeoutMs?: number;
  signal?: AbortSignal;
  tools?: unknown;
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

const OPENAI_COMPATIBLE: ReadonlySet<ProviderKind> = new Set(["openai", "xai", "mistral", "ollama"]);

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
    if (this.timedOut) return new ProviderError("timeout", `No response from the provider within ${this.timeoutMs} ms`, { cause: err });
    if (this.signal?.aborted) return new ProviderError("aborted", "The request was aborted", { cause: err });
    return classifyError(err);
  }
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
    throw deadline.error(err);
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

function openAIMaxTokens(opts: CallOptions) {
  return opts.maxTokens === undefined ? {} : opts.provider.kind === "openai" ? { max_completion_tokens: opts.maxTokens } : { max_tokens: opts.maxTokens };
}

async function* onceOpenAI(opts: CallOptions, deadline: Deadline): AsyncGenerator<CallEvent> {
  if (!OPENAI_COMPATIBLE.has(opts.provider.kind)) throw new ProviderError("bad_request", `Unknown provider kind ${opts.provider.kind}`);
  const res = await openaiClient(opts.provider).chat.completions.create(
    {
      model: opts.model,
      messages: opts.messages,
      ...openAIMaxTokens(opts),
      ...(opts.temperature === undefined ? {} : { temperature: opts.temperature }),
      ...(opts.tools === undefined ? {} : { tools: opts.tools as never }),
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
  const system = opts.messages
    .filter((m) => m.role === "system")
    .map((m) => m.content)
    .join("\n\n");
  const res = await anthropicClient(opts.provider).messages.create(
    {
      model: opts.model,
      max_tokens: opts.maxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
      messages: opts.messages.filter((m) => m.role !== "system").map((m) => ({ role: m.role as "user" | "assistant", content: m.content })),
      ...(system ? { system } : {}),
      ...(opts.temperature === undefined ? {} : { temperature: opts.temperature }),
      ...(opts.tools === undefined ? {} : { tools: opts.tools as never }),
    },
    { signal: deadline.controller.signal, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, headers: opts.headers },
  );
  const text = res.content.map((b) => (b.type === "text" ? b.text : "")).join("");
  const u = res.usage;
  if (!u) throw new ProviderError("bad_response", "The provider answered without usage");
  const cached = u.cache_read_input_tokens ?? 0;
  if (text) yield { type: "delta", text };
  yield {
    type: "done",
    text,
    usage: { inputTokens: u.input_tokens + cached + (u.cache_creation_input_tokens ?? 0), outputTokens: u.output_tokens, cachedInputTokens: cached },
    finishReason: res.stop_reason ?? null,
    raw: { id: res.id },
  };
}

async function* streamOpenAI(opts: CallOptions, deadline: Deadline): AsyncGenerator<CallEvent> {
  if (!OPENAI_COMPATIBLE.has(opts.provider.kind)) throw new ProviderError("bad_request", `Unknown provider kind ${opts.provider.kind}`);
  const client = openaiClient(opts.provider);
  const maxTokens = openAIMaxTokens(opts);
  // Mistral rejects unknown fields and always reports usage in its last chunk.
  const streamOptions = opts.provider.kind === "mistral" ? {} : { stream_options: { include_usage: true } };
  const stream = await client.chat.completions.create(
    {
      model: opts.model,
      messages: opts.messages,
      stream: true,
      ...streamOptions,
      ...maxTokens,
      ...(opts.temperature === undefined ? {} : { temperature: opts.temperature }),
      ...(opts.tools === undefined ? {} : { tools: opts.tools as never }),
    },
    { signal: deadline.controller.signal, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, headers: opts.headers },
  );
  let text = "";
  let finishReason: string | null = null;
  let usage: CallUsage | null = null;
  let id: string | undefined;
  const toolCalls: { id?: string; name?: string; arguments: string }[] = [];
  for await (const chunk of stream) {
    deadline.touch();
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
  if (!usage) throw new ProviderError("stream_dropped", "The stream ended without reporting usage");
  yield { type: "done", text, usage, finishReason, raw: { id, toolCalls: toolCalls.length > 0 ? toolCalls : undefined } };
}

async function* streamAnthropic(opts: CallOptions, deadline: Deadline): AsyncGenerator<CallEvent> {
  const client = anthropicClient(opts.provider);
  const system = opts.messages
    .filter((m) => m.role === "system")
    .map((m) => m.content)
    .join("\n\n");
  const stream = await client.messages.create(
    {
      model: opts.model,
      max_tokens: opts.maxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
      messages: opts.messages.filter((m) => m.role !== "system").map((m) => ({ role: m.role as "user" | "assistant", content: m.content })),
      stream: true,
      ...(system ? { system } : {}),
      ...(opts.temperature === undefined ? {} : { temperature: opts.temperature }),
      ...(opts.tools === undefined ? {} : { tools: opts.tools as never }),
    },
    { signal: deadline.controller.signal, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, headers: opts.headers },
  );
  let text = "";
  let id: string | undefined;
  let inputTokens: number | null = null;
  let cachedInputTokens = 0;
  let outputTokens: number | null = null;
  let finishReason: string | null = null;
  let stopped = false;
  for await (const event of stream) {
    deadline.touch();
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
      case "content_block_delta":
        if (event.delta.type === "text_delta") {
          text += event.delta.text;
          yield { type: "delta", text: event.delta.text };
        }
        break;
      case "message_delta":
        outputTokens = event.usage.output_tokens;
        finishReason = event.delta.stop_reason ?? finishReason;
        break;
      case "message_stop":
        stopped = true;
        break;
    }
  }
  if (!stopped || inputTokens === null || outputTokens === null) {
    throw new ProviderError("stream_dropped", "The stream ended before message_stop");
  }
  yield { type: "done", text, usage: { inputTokens, outputTokens, cachedInputTokens }, finishReason, raw: { id } };
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
    const e = signal.aborted ? new ProviderError("timeout", `No answer within ${timeoutMs} ms`, { cause: err }) : classifyError(err);
    return { ok: false, latencyMs: Math.round(performance.now() - start), error: e.message, errorKind: e.kind };
  }
}

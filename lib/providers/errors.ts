import {
  APIConnectionError as AnthropicConnectionError,
  APIConnectionTimeoutError as AnthropicTimeoutError,
  APIError as AnthropicAPIError,
  APIUserAbortError as AnthropicAbortError,
} from "@anthropic-ai/sdk";
import {
  APIConnectionError as OpenAIConnectionError,
  APIConnectionTimeoutError as OpenAITimeoutError,
  APIError as OpenAIAPIError,
  APIUserAbortError as OpenAIAbortError,
} from "openai";

export type ProviderErrorKind =
  | "rate_limit"
  | "server"
  | "timeout"
  | "bad_request"
  | "auth"
  | "context_length"
  | "not_found"
  | "bad_response"
  | "stream_dropped"
  | "aborted";

/**
 * Kinds where the same request may succeed on a retry or on the next fallback. The others are
 * the request's fault (bad_request, context_length), the provider's set-up (auth, not_found) or
 * the caller's choice (aborted); a router may still move a context_length failure to a model
 * with a larger window, but that is a routing decision, not a retry.
 */
export const RETRYABLE_KINDS: ReadonlySet<ProviderErrorKind> = new Set([
  "rate_limit",
  "server",
  "timeout",
  "bad_response",
  "stream_dropped",
]);

/**
 * What a streamed answer had produced when it broke (a dropped connection, a timeout, the caller
 * going away) after it began — its first event arrived, so the provider had started answering:
 * vendors then bill the prompt, any hidden reasoning and the part generated, so the call is charged
 * for them. `text` is the answer text and tool-call arguments received ("" when none came yet); the
 * token counts are the provider's own when it reported them before the break (Anthropic's
 * message_start, message_delta), else null.
 */
export type PartialOutput = {
  text: string;
  inputTokens: number | null;
  outputTokens: number | null;
  /** A Claude call with extended thinking: the thinking budget it was sent (its hidden thinking came to at most this). */
  thinkingBudget?: number;
};

export class ProviderError extends Error {
  override readonly name = "ProviderError";
  readonly kind: ProviderErrorKind;
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  /** Set when the stream broke after the answer began (see PartialOutput). */
  partial?: PartialOutput;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    opts: { status?: number; retryAfterMs?: number; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.retryable = opts.retryable ?? RETRYABLE_KINDS.has(kind);
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
  }
}

const CONTEXT_LENGTH = /context[_ ]length|maximum context|prompt is too long|exceed context limit|too many tokens|context window/i;

type HeaderBag = { get(name: string): string | null } | undefined;

/** retry-after-ms (OpenAI), else retry-after in seconds or as an HTTP date. */
export function retryAfterMsFrom(headers: HeaderBag): number | undefined {
  if (!headers || typeof headers.get !== "function") return undefined;
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const raw = headers.get("retry-after");
  if (!raw) return undefined;
  const secs = Number.parseFloat(raw);
  if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function fromStatus(status: number, message: string, headers: HeaderBag, code: unknown, cause: unknown): ProviderError {
  const opts = { status, cause };
  if (status === 429) return new ProviderError("rate_limit", message, { ...opts, retryAfterMs: retryAfterMsFrom(headers) });
  if (status === 401 || status === 403) return new ProviderError("auth", message, opts);
  if (status === 404) return new ProviderError("not_found", message, opts);
  if (status === 408) return new ProviderError("timeout", message, opts);
  if (status === 400 || status === 413 || status === 422) {
    const isContext = code === "context_length_exceeded" || CONTEXT_LENGTH.test(message);
    return new ProviderError(isContext ? "context_length" : "bad_request", message, opts);
  }
  if (status === 409 || status >= 500) return new ProviderError("server", message, opts);
  return new ProviderError("bad_request", message, opts);
}

/**
 * The error with the provider's own key taken out of its message: some servers quote the key they
 * were sent ("Incorrect API key provided: …"), and the message reaches every team's callers and
 * request rows, while the key is the installation's secret.
 */
export function withoutKey(e: ProviderError, apiKey: string): ProviderError {
  if (apiKey.length >= 6 && e.message.includes(apiKey)) e.message = e.message.split(apiKey).join("[the provider's key]");
  return e;
}

/** Node / undici errors that mean the connection closed before the response was complete. */
function isDroppedConnection(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE") return true;
    if (/terminated|other side closed|socket hang up|premature close/i.test(e.message)) return true;
  }
  return false;
}

function isRefused(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "UND_ERR_CONNECT_TIMEOUT") return true;
  }
  return false;
}

/**
 * Maps anything thrown while calling a provider — errors of the openai and @anthropic-ai/sdk
 * packages, undici network errors, JSON parse failures, aborts — to one ProviderError.
 */
export function classifyError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const message = err instanceof Error ? err.message : String(err);

  // Order matters: the abort and connection classes extend APIError with no status.
  if (err instanceof OpenAIAbortError || err instanceof AnthropicAbortError) {
    return new ProviderError("aborted", "The request was aborted", { cause: err });
  }
  if (err instanceof OpenAITimeoutError || err instanceof AnthropicTimeoutError) {
    return new ProviderError("timeout", "The provider did not answer in time", { cause: err });
  }
  if (err instanceof OpenAIConnectionError || err instanceof AnthropicConnectionError) {
    if (isRefused(err)) return new ProviderError("server", `Cannot reach the provider: ${describeCause(err)}`, { cause: err });
    return new ProviderError("stream_dropped", `The connection closed before the response completed: ${describeCause(err)}`, { cause: err });
  }
  if (err instanceof OpenAIAPIError || err instanceof AnthropicAPIError) {
    const status = err.status;
    const code = err instanceof OpenAIAPIError ? err.code : undefined;
    // The Anthropic SDK puts the whole JSON body in its message ('500 {"type":"error",…}'): say
    // what the vendor said, as the openai SDK does.
    const said = vendorMessage(err.error);
    const message = said && status !== undefined ? `${status} ${said}` : (said ?? err.message);
    // Errors sent inside a stream (an SSE "error" event) carry no HTTP status.
    if (status === undefined) {
      const body = (err as { error?: { type?: string; error?: { type?: string } } }).error;
      const type = body?.error?.type ?? body?.type;
      if (type === "rate_limit_error") return new ProviderError("rate_limit", message, { cause: err });
      return new ProviderError("server", message, { cause: err });
    }
    return fromStatus(status, message, err.headers as HeaderBag, code, err);
  }
  if (err instanceof SyntaxError) {
    return new ProviderError("bad_response", `The provider sent a response that is not valid JSON: ${message}`, { cause: err });
  }
  if (err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError")) {
    const kind = err.name === "TimeoutError" ? "timeout" : "aborted";
    return new ProviderError(kind, message, { cause: err });
  }
  if (isDroppedConnection(err)) return new ProviderError("stream_dropped", `The connection closed mid-response: ${message}`, { cause: err });
  if (isRefused(err)) return new ProviderError("server", `Cannot reach the provider: ${message}`, { cause: err });
  // Unknown errors are most likely bugs; do not retry them into every fallback.
  return new ProviderError("bad_response", `Unexpected error from the provider call: ${message}`, { cause: err, retryable: false });
}

/** The human message inside a vendor's error body: OpenAI's {message} or Anthropic's {error: {message}}. */
function vendorMessage(body: unknown): string | undefined {
  const b = body as { message?: unknown; error?: { message?: unknown } } | null | undefined;
  const m = b?.error?.message ?? b?.message;
  return typeof m === "string" && m.trim() ? m.trim() : undefined;
}

function describeCause(err: Error): string {
  const cause = err.cause instanceof Error ? err.cause : undefined;
  const inner = cause?.cause instanceof Error ? cause.cause : undefined;
  return [err.message, cause?.message, inner?.message].filter(Boolean).join(" ← ");
}

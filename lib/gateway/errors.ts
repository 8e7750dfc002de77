import type { ServerResponse } from "node:http";
import { z } from "zod";
import { DelegateError, ProviderFailedError, RoutingRefusedError } from "@/lib/execution/errors";
import { UserError } from "@/lib/errors";
import { RateLimitedError } from "@/lib/ratelimit";

/** An answer the API gives on purpose: a status, an error type and the field at fault. */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly type: string,
    message: string,
    public readonly param: string | null = null,
    public readonly headers: Record<string, string> = {},
    /** A finer code than the type (a routing refusal's: `missing_capability`, `over_max_cost`, …); else the type. */
    public readonly code: string = type,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The x-mc-cost header's value: US dollars to the micro-dollar. */
export const usdHeader = (micros: number) => (micros / 1e6).toFixed(6);

export const badRequest = (message: string, param: string | null = null) => new ApiError(400, "invalid_request_error", message, param);

/** The field a zod issue points at, as a dotted path ("messages.0.role"), or null for the body itself. */
function paramOf(issue: z.core.$ZodIssue): string | null {
  return issue.path.length ? issue.path.map(String).join(".") : null;
}

/**
 * Every failure of the data plane becomes an ApiError here and nowhere else: typed delegate errors
 * keep their status/type/param, zod issues name the field, rate limits add Retry-After, and
 * anything unexpected is logged and answered with a generic 500 JSON — never an HTML page.
 */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof RateLimitedError) {
    return new ApiError(429, "rate_limit_exceeded", e.message, null, { "retry-after": String(e.retryAfterSeconds) });
  }
  if (e instanceof DelegateError) {
    // A recorded failure says what it was charged, as an answer does (output that had begun, a context summary).
    const headers: Record<string, string> = e.requestId ? { "x-mc-request-id": e.requestId, "x-mc-cost": usdHeader(e.costMicros) } : {};
    if (e instanceof ProviderFailedError && e.retryAfterMs !== null) headers["retry-after"] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
    // 499 (client went away) has no standard meaning to clients; nobody reads it anyway.
    return new ApiError(e.status, e.type, e.message, e.param, headers, e instanceof RoutingRefusedError ? e.code : e.type);
  }
  if (e instanceof z.ZodError) {
    const issue = e.issues[0];
    const param = issue ? paramOf(issue) : null;
    return badRequest(issue ? `${param ? `${param}: ` : ""}${issue.message}` : "Invalid request body.", param);
  }
  if (e instanceof UserError) return new ApiError(e.status, e.status === 404 ? "not_found" : "invalid_request_error", e.message);
  if (isDatabaseUnavailable(e)) {
    return new ApiError(503, "service_unavailable", "The database is unavailable right now; nothing was recorded or charged. Retry in a few seconds.", null, { "retry-after": "5" });
  }
  console.error("[gateway] unexpected error", e);
  return new ApiError(500, "internal_error", "Something went wrong on our side. The request may be retried; nothing was charged for a call that did not finish.");
}

export function errorBody(err: ApiError) {
  return { error: { type: err.type, message: err.message, param: err.param, code: err.code } };
}

/** Writes an error as JSON, or as a final SSE event when a stream has already started. */
export function sendError(res: ServerResponse, e: unknown) {
  const err = toApiError(e);
  if (res.headersSent) {
    if (!res.writableEnded) res.end(`event: error\ndata: ${JSON.stringify(errorBody(err))}\n\n`);
    return;
  }
  const text = JSON.stringify(errorBody(err));
  res.writeHead(err.status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...err.headers });
  res.end(text);
}

/** Connection-level database failures (server down, restarting, connection lost), on both drivers. */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: string }).code;
    if (code && ["ECONNREFUSED", "ECONNRESET", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT", "57P01", "57P02", "57P03", "08006", "08001", "08003", "08004"].includes(code)) return true;
  }
  return false;
}

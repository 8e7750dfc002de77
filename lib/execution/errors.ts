/**
 * Typed failures of the delegate path. Each carries the HTTP status and error type the API answers
 * with (mapped in one place: lib/gateway) and a message that says what to change.
 */
export class DelegateError extends Error {
  constructor(
    message: string,
    public readonly status: number,
    public readonly type: string,
    public readonly param: string | null = null,
    /** The requests row written for this failure, when one was. */
    public requestId: string | null = null,
    /** What the failed call was charged (output that had begun, a context summary); 0 when nothing. */
    public costMicros = 0,
    /** The tokens it was charged for (its own; a context summary's are on that request). */
    public usage = { inputTokens: 0, outputTokens: 0 },
  ) {
    super(message);
    this.name = "DelegateError";
  }
}

export class UnknownModelError extends DelegateError {
  constructor(model: string, known: string[]) {
    super(`Unknown model "${model}". Use "auto" or one of: ${known.join(", ")}.`, 404, "model_not_found", "model");
  }
}

export class ModelUnavailableError extends DelegateError {
  /** `param`: the field to change — the model, or what it cannot take (`tools`, `messages`). */
  constructor(message: string, param = "model") {
    super(message, 400, "model_unavailable", param);
  }
}

export class BudgetExceededError extends DelegateError {
  constructor(message: string) {
    super(message, 402, "budget_exceeded");
  }
}

/** The API key was revoked or rotated in another process, which this one learnt of before its key cache did. */
export class KeyRevokedError extends DelegateError {
  constructor() {
    super("This API key was revoked (or rotated: use the new key). Create a key under Admin → API keys.", 401, "authentication_error");
  }
}

export class RoutingRefusedError extends DelegateError {
  constructor(
    message: string,
    public readonly code: string,
  ) {
    super(message, code === "context_too_large" || code === "empty_task" ? 400 : 422, code === "empty_task" ? "invalid_request_error" : "routing_refused", code === "empty_task" ? "task" : null);
  }
}

export class ProviderFailedError extends DelegateError {
  constructor(
    message: string,
    public readonly kind: string,
    status = 502,
    /** When the providers said how long to wait (rate limits): the API's Retry-After. */
    public readonly retryAfterMs: number | null = null,
  ) {
    super(message, status, "provider_error");
  }
}

import { APIConnectionError as AConnErr, APIError as AAPIError, APIUserAbortError as AAbort } from "@anthropic-ai/sdk";
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { describe, expect, it } from "vitest";
import { classifyError, ProviderError, retryAfterMsFrom } from "./errors";

const h = (o: Record<string, string> = {}) => new Headers(o);

describe("classifyError", () => {
  it.each([
    [429, "rate_limit", true],
    [500, "server", true],
    [502, "server", true],
    [529, "server", true],
    [401, "auth", false],
    [403, "auth", false],
    [404, "not_found", false],
    [408, "timeout", true],
    [400, "bad_request", false],
    [422, "bad_request", false],
  ] as const)("maps HTTP %i from either SDK to %s", (status, kind, retryable) => {
    for (const err of [
      APIError.generate(status, { error: { message: "x" } }, undefined, h()),
      AAPIError.generate(status, { type: "error", error: { type: "x", message: "x" } }, undefined, h()),
    ]) {
      const e = classifyError(err);
      expect(e).toMatchObject({ kind, retryable, status });
    }
  });

  it("recognises both vendors' context-length messages", () => {
    const openai = APIError.generate(
      400,
      { error: { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.", code: "context_length_exceeded" } },
      undefined,
      h(),
    );
    const anthropic = AAPIError.generate(400, { type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum" } }, undefined, h());
    expect(classifyError(openai).kind).toBe("context_length");
    expect(classifyError(anthropic).kind).toBe("context_length");
  });

  it("says what the vendor said, not its JSON body", () => {
    const body = { type: "error", error: { type: "api_error", message: "The server had an error while processing your request." } };
    expect(classifyError(AAPIError.generate(500, body, undefined, h())).message).toBe("500 The server had an error while processing your request.");
    expect(classifyError(APIError.generate(500, { error: { message: "Internal error." } }, undefined, h())).message).toBe("500 Internal error.");
    expect(classifyError(APIError.generate(502, undefined, "Bad gateway", h())).message).toMatch(/502/);
  });

  it("reads retry-after headers", () => {
    const e = classifyError(APIError.generate(429, {}, "slow down", h({ "retry-after": "2" })));
    expect(e.retryAfterMs).toBe(2000);
    expect(retryAfterMsFrom(h({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(retryAfterMsFrom(h())).toBeUndefined();
  });

  it("maps aborts, timeouts, dropped connections and bad JSON", () => {
    expect(classifyError(new APIUserAbortError()).kind).toBe("aborted");
    expect(classifyError(new AAbort()).kind).toBe("aborted");
    expect(classifyError(new APIConnectionTimeoutError()).kind).toBe("timeout");
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    expect(classifyError(new APIConnectionError({ cause: reset })).kind).toBe("stream_dropped");
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(classifyError(new AConnErr({ cause: new TypeError("fetch failed", { cause: refused }) })).kind).toBe("server");
    expect(classifyError(new TypeError("terminated")).kind).toBe("stream_dropped");
    expect(classifyError(new SyntaxError("Unexpected token <")).kind).toBe("bad_response");
    expect(classifyError(new DOMException("aborted", "AbortError")).kind).toBe("aborted");
  });

  it("passes ProviderErrors through and does not retry unknown errors", () => {
    const pe = new ProviderError("auth", "no key");
    expect(classifyError(pe)).toBe(pe);
    expect(classifyError(new Error("boom"))).toMatchObject({ kind: "bad_response", retryable: false });
    expect(classifyError("a string")).toBeInstanceOf(ProviderError);
  });
});

import { describe, expect, it, vi } from "vitest";

describe("RateLimitedError", () => {
  it("is recognised by another copy of the module, as server.ts's and Next's bundle each have one in the same process", async () => {
    const one = await import("@/lib/ratelimit");
    vi.resetModules();
    const other = await import("@/lib/ratelimit");
    expect(other.RateLimitedError).not.toBe(one.RateLimitedError);
    const e = new one.RateLimitedError("This team made its 1 requests this minute. Retry in 5 s.", 5);
    expect(e instanceof other.RateLimitedError).toBe(true);
    expect(new Error("no") instanceof other.RateLimitedError).toBe(false);
    expect(e.retryAfterSeconds).toBe(5);
  });
});

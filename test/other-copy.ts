import { expect, vi } from "vitest";

/**
 * Runs `fn` while the process's one RateLimiter (on globalThis) is another copy's of lib/ratelimit,
 * as in the app when server.ts's /api/v1 made it before Next's bundle asked, or the other way round
 * (ARCHITECTURE.md, "The data plane"): it throws that copy's RateLimitedError.
 */
export async function withOtherCopysRateLimiter(fn: () => Promise<void>): Promise<void> {
  const ours = await import("@/lib/ratelimit");
  const g = globalThis as { __mcRateLimiter?: object };
  const kept = g.__mcRateLimiter;
  vi.resetModules();
  const other = await import("@/lib/ratelimit");
  delete g.__mcRateLimiter;
  expect(other.rateLimiter()).not.toBeInstanceOf(ours.RateLimiter);
  try {
    await fn();
  } finally {
    other.rateLimiter().reset();
    g.__mcRateLimiter = kept;
  }
}

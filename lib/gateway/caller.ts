import type { IncomingMessage } from "node:http";
import type { Db } from "@/db";
import { authenticateApiKey, touchApiKey, type ApiKeyAuth } from "@/lib/auth/api-keys";
import { refuseRevokedKey } from "@/lib/budgets";
import type { DelegateInput } from "@/lib/execution/delegate";
import { KeyRevokedError } from "@/lib/execution/errors";
import { rateLimiter, teamLimits, type Bucket } from "@/lib/ratelimit";
import { ApiError } from "./errors";

/** Who is calling: the API key, and the rate-limit buckets its requests count against. */
export type Caller = { key: ApiKeyAuth; buckets: Bucket[] };

const unauthorized = (message: string) => new ApiError(401, "authentication_error", message, null, { "www-authenticate": 'Bearer realm="mission-control"' });

function presentedKey(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m ? m[1].trim() : null;
  }
  const x = req.headers["x-api-key"];
  return typeof x === "string" && x ? x.trim() : null;
}

/** Resolves the API key of a request (401 when missing, unknown or revoked) and notes its use. */
export async function callerOf(db: Db, req: IncomingMessage): Promise<Caller> {
  const presented = presentedKey(req);
  if (!presented) throw unauthorized("Missing API key. Send `Authorization: Bearer mc_…` (create a key under Admin → API keys).");
  const key = await authenticateApiKey(db, presented);
  if (!key) throw unauthorized("Invalid or revoked API key. Check the key, or create a new one under Admin → API keys.");
  // Revoked in another process: refused within the budget read's TTL (1 s), not the key cache's 10 s.
  await refuseRevokedKey(db, { teamId: key.teamId, apiKeyId: key.id }).catch((e: unknown) => {
    throw e instanceof KeyRevokedError ? unauthorized(e.message) : e;
  });
  touchApiKey(db, key.id);
  const team = await teamLimits(db, key.teamId);
  return {
    key,
    buckets: [
      { key: `key:${key.limitId}`, label: `API key "${key.name}"`, rpm: key.requestsPerMinute, tpm: key.tokensPerMinute },
      { key: `team:${key.teamId}`, label: "This team", rpm: team.rpm, tpm: team.tpm },
    ],
  };
}

/**
 * Admits a request on its caller's request limits (429 past them). Returns the `tokenGate` for
 * delegate(): it holds the call's most tokens on the token limits (a refusal there takes the
 * request back from the request counts) and settles them to what the call used.
 */
export async function admit(db: Db, caller: Caller): Promise<NonNullable<DelegateInput["tokenGate"]>> {
  const admission = await rateLimiter().admit(db, caller.buckets);
  return async (maxTokens) => {
    const hold = await rateLimiter().holdTokens(db, caller.buckets, maxTokens, admission);
    return (used) => rateLimiter().settleTokens(db, hold, used);
  };
}

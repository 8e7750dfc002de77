import type { IncomingMessage } from "node:http";
import type { Db } from "@/db";
import { authenticateApiKey, touchApiKey, type ApiKeyAuth } from "@/lib/auth/api-keys";
import { refuseRevokedKey } from "@/lib/budgets";
import { KeyRevokedError } from "@/lib/execution/errors";
import { admitCall, apiKeyBuckets, type Bucket, type TokenGate } from "@/lib/ratelimit";
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
  return { key, buckets: await apiKeyBuckets(db, key) };
}

/** Admits a request on its caller's request limits (429 past them); returns the `tokenGate` for delegate(). */
export function admit(db: Db, caller: Caller): Promise<TokenGate> {
  return admitCall(db, caller.buckets);
}

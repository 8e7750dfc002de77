import type { IncomingMessage, ServerResponse } from "node:http";
import { callerCostMicros, type DelegateResult } from "@/lib/execution/delegate";
import { LONE_SURROGATE } from "@/lib/execution/record";
import { DelegateError } from "@/lib/execution/errors";
import { ApiError, badRequest, errorBody, toApiError, usdHeader } from "./errors";

/** Largest request body the API reads; larger ones are refused with 413 before they are buffered. */
export const MAX_BODY_BYTES = Number(process.env.MC_API_MAX_BODY_BYTES) || 1024 * 1024;

const tooLarge = (limit: number) =>
  new ApiError(413, "request_too_large", `The request body is larger than ${limit} bytes. Send less context or split the task; send images as https URLs rather than base64 data. (The limit is MC_API_MAX_BODY_BYTES on the server.)`, null, { connection: "close" });

/**
 * Reads and parses a JSON body. Refuses a declared Content-Length over the limit at once, and
 * counts the bytes actually received so a lying or chunked client cannot get past it either.
 */
export function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on("error", (e) => {
      if (!failed) reject(badRequest(`The request body could not be read: ${e.message}`));
      failed = true;
    });
    req.on("end", () => {
      if (failed) return;
      const text = chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8");
      if (!text.trim()) return reject(badRequest("The request body is empty; send a JSON object."));
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        return reject(badRequest(`The request body is not valid JSON (${(e as Error).message}).`));
      }
      // Postgres text and jsonb cannot hold U+0000: refuse it here instead of failing at the insert with a 500.
      if (text.includes("\\u0000") && someText(body, (s) => s.includes("\u0000"))) return reject(badRequest("Text in the request body cannot contain the NUL character (\\u0000); remove it and send again."));
      // Nor half of a UTF-16 surrogate pair (only an escape can carry one: raw UTF-8 cannot).
      if (/\\u[dD][89a-fA-F]/.test(text) && someText(body, (s) => LONE_SURROGATE.test(s))) {
        return reject(badRequest("Text in the request body contains an unpaired UTF-16 surrogate (a \\uD800–\\uDFFF escape without its other half); send valid Unicode text."));
      }
      resolve(body);
    });
  });
}


/** Does any string in `v` (object keys included) pass `test`? */
function someText(v: unknown, test: (s: string) => boolean): boolean {
  if (typeof v === "string") return test(v);
  if (Array.isArray(v)) return v.some((x) => someText(x, test));
  if (v && typeof v === "object") return Object.entries(v).some(([k, x]) => test(k) || someText(x, test));
  return false;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Headers every answered call carries (cost in US dollars). */
function mcHeaders(requestId: string, model: string, costMicros: number): Record<string, string> {
  return { "x-mc-request-id": requestId, "x-mc-model": model, "x-mc-cost": usdHeader(costMicros) };
}

const arrivals = new WeakMap<IncomingMessage, number>();
/** Notes when a request reached the gateway (for its Server-Timing header). */
export function markArrival(req: IncomingMessage) {
  arrivals.set(req, performance.now());
}

/**
 * The answered call's headers plus a W3C `Server-Timing` header saying where its time went here:
 * `gateway` (key, body, limits — before delegate()), `route`, `budget`, `provider` (with any
 * fallbacks), `record` (the durable write of the row and its cost) and `total` up to the answer.
 */
export function answerHeaders(req: IncomingMessage, r: DelegateResult): Record<string, string> {
  const headers = mcHeaders(r.requestId, r.model, callerCostMicros(r));
  const arrived = arrivals.get(req);
  if (arrived === undefined) return headers;
  const now = performance.now();
  const t = r.timings;
  const parts: [string, number][] = [
    ["gateway", now - arrived - t.totalMs],
    ["route", t.routeMs],
    ["budget", t.budgetMs],
    ["provider", t.providerMs],
    ["record", t.recordMs],
    ["total", now - arrived],
  ];
  headers["server-timing"] = parts.map(([name, ms]) => `${name};dur=${ms.toFixed(3)}`).join(", ");
  return headers;
}

/**
 * Starts a server-sent-event response. The cost is known only when the stream ends, so it (and
 * the final model, after a fallback) is sent as an HTTP trailer as well as in the last event.
 */
export function startSse(res: ServerResponse, requestId: string, model: string) {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
    "x-mc-request-id": requestId,
    "x-mc-model": model,
    trailer: "x-mc-cost, x-mc-model",
  });
}

export function endSse(res: ServerResponse, model: string, costMicros: number, last: string) {
  res.addTrailers({ "x-mc-cost": usdHeader(costMicros), "x-mc-model": model });
  res.end(last);
}

/**
 * Ends a stream that failed after it opened with its last event, `eventOf(error)`; the trailers
 * still say what the call cost — output streamed before the failure is billed.
 */
export function failSse(res: ServerResponse, model: string, err: unknown, eventOf: (body: ReturnType<typeof errorBody>) => string) {
  if (res.writableEnded) return;
  endSse(res, model, err instanceof DelegateError ? err.costMicros : 0, eventOf(errorBody(toApiError(err))));
}

/** The caller went away: abort the provider call instead of paying for an answer nobody reads. */
export function abortOnClose(res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

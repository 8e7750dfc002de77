import type { IncomingMessage, ServerResponse } from "node:http";
import { getDb } from "@/db";
import { callerOf } from "./caller";
import { ApiError, sendError } from "./errors";
import { chatCompletions, getModel, listModels } from "./openai";
import { openApiJson } from "./openapi";
import { cancelPipelineRunRoute, getPipelineRunRoute, listPipelinesRoute, startPipelineRunRoute } from "./pipelines";
import { delegateRoute, feedbackRoute, spendRoute } from "./unified";

import { markArrival } from "./http";

export { sendJson } from "./http";

const ROUTES: Record<string, string[]> = {
  "/api/v1/chat/completions": ["POST"],
  "/api/v1/delegate": ["POST"],
  "/api/v1/delegate/stream": ["POST"],
  "/api/v1/feedback": ["POST"],
  "/api/v1/models": ["GET"],
  "/api/v1/spend": ["GET"],
  "/api/v1/openapi.json": ["GET"],
  "/api/v1/pipelines": ["GET"],
};
const PIPELINE_RUNS = /^\/api\/v1\/pipelines\/([^/]+)\/runs$/;
const PIPELINE_RUN = /^\/api\/v1\/pipeline-runs\/([^/]+)$/;
const PIPELINE_RUN_CANCEL = /^\/api\/v1\/pipeline-runs\/([^/]+)\/cancel$/;

async function route(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://x");
  const path = url.pathname.length > 1 && url.pathname.endsWith("/") ? url.pathname.slice(0, -1) : url.pathname;
  const method = req.method ?? "GET";
  let modelId: string | null = null;
  if (path.startsWith("/api/v1/models/")) {
    try {
      modelId = decodeURIComponent(path.slice("/api/v1/models/".length));
    } catch {
      throw new ApiError(400, "invalid_request_error", "The model id in the path is not valid percent-encoding.", "model");
    }
  }
  const startRunOf = PIPELINE_RUNS.exec(path)?.[1];
  const runOf = PIPELINE_RUN.exec(path)?.[1];
  const cancelOf = PIPELINE_RUN_CANCEL.exec(path)?.[1];
  const allowed = modelId !== null || runOf ? ["GET"] : startRunOf || cancelOf ? ["POST"] : ROUTES[path];
  if (!allowed) throw new ApiError(404, "not_found", `No API route ${method} ${path}. See GET /api/v1/openapi.json.`);
  if (!allowed.includes(method)) throw new ApiError(405, "method_not_allowed", `${path} accepts ${allowed.join(", ")}, not ${method}.`, null, { allow: allowed.join(", ") });

  if (path === "/api/v1/openapi.json") {
    const text = openApiJson();
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "cache-control": "public, max-age=300" });
    res.end(text);
    return;
  }
  const db = await getDb();
  const caller = await callerOf(db, req);
  if (modelId !== null) return getModel(db, res, caller, modelId);
  if (startRunOf) return startPipelineRunRoute(db, req, res, caller, startRunOf);
  if (runOf) return getPipelineRunRoute(db, res, caller, runOf);
  if (cancelOf) return cancelPipelineRunRoute(db, res, caller, cancelOf);
  switch (path) {
    case "/api/v1/chat/completions":
      return chatCompletions(db, req, res, caller);
    case "/api/v1/delegate":
      return delegateRoute(db, req, res, caller);
    case "/api/v1/delegate/stream":
      return delegateRoute(db, req, res, caller, true);
    case "/api/v1/feedback":
      return feedbackRoute(db, req, res, caller);
    case "/api/v1/models":
      return listModels(db, req, res, caller);
    case "/api/v1/pipelines":
      return listPipelinesRoute(db, res, caller);
    case "/api/v1/spend":
      return spendRoute(db, url, res, caller);
  }
}

/**
 * Entry of the /api/v1 data plane (called by server.ts for every /api/v1/* request). Every error,
 * expected or not, leaves as JSON through lib/gateway/errors.ts.
 */
export function handleApiV1(req: IncomingMessage, res: ServerResponse) {
  markArrival(req);
  route(req, res).catch((e) => sendError(res, e));
}

import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { Db } from "@/db";
import { admit, type Caller } from "./caller";
import { ApiError } from "./errors";
import { readJson, sendJson } from "./http";

export const pipelineRunRequestSchema = z.object({ input: z.string().trim().min(1, "Give the run an input.").max(200_000) }).describe("Starts a run of a saved pipeline.");
const id = (what: string, v: string) => {
  if (!z.uuid().safeParse(v).success) throw new ApiError(404, "not_found", `No ${what} "${v}" in this team.`);
  return v;
};
// Loaded on first use so the chat/delegate hot path never pulls in the pipeline runner.
const pipelinesLib = () => import("@/lib/pipelines");

/** GET /api/v1/pipelines */
export async function listPipelinesRoute(db: Db, res: ServerResponse, caller: Caller) {
  const { listPipelines } = await pipelinesLib();
  sendJson(res, 200, { data: await listPipelines(db, caller.key.teamId) });
}

/** POST /api/v1/pipelines/{id}/runs — starts a run and answers at once (202) with its first view. */
export async function startPipelineRunRoute(db: Db, req: IncomingMessage, res: ServerResponse, caller: Caller, pipelineId: string) {
  id("pipeline", pipelineId);
  const body = pipelineRunRequestSchema.parse(await readJson(req));
  await admit(db, caller);
  const { startRun } = await pipelinesLib();
  const run = await startRun(db, { teamId: caller.key.teamId, pipelineId, input: body.input, apiKeyId: caller.key.id });
  sendJson(res, 202, run, { location: `/api/v1/pipeline-runs/${run.id}` });
}

/** GET /api/v1/pipeline-runs/{id} — status, progress and steps of a run. */
export async function getPipelineRunRoute(db: Db, res: ServerResponse, caller: Caller, runId: string) {
  id("pipeline run", runId);
  const { getRun } = await pipelinesLib();
  const run = await getRun(db, caller.key.teamId, runId);
  if (!run) throw new ApiError(404, "not_found", `No pipeline run "${runId}" in this team.`);
  sendJson(res, 200, run);
}

/**
 * POST /api/v1/pipeline-runs/{id}/cancel — stops a queued run at once and a running one at its next
 * heartbeat (finished steps keep their results); answers with the run as it then stands.
 */
export async function cancelPipelineRunRoute(db: Db, res: ServerResponse, caller: Caller, runId: string) {
  id("pipeline run", runId);
  const { cancelRun } = await pipelinesLib();
  sendJson(res, 200, await cancelRun(db, caller.key.teamId, runId));
}

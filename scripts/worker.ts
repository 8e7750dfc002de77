/**
 * `npm run worker`: executes pipeline runs from the pg-boss queue in Postgres, alongside the app
 * instances (which run a worker in-process too unless MC_PIPELINE_WORKER=0). Stops gracefully on
 * SIGINT/SIGTERM; a worker that dies instead has its runs resumed by another within a lease
 * (MC_PIPELINE_LEASE_MS, default 30 s), without repeating finished steps.
 */
import { loadConfigOrExit } from "../lib/config";
import { closeDb, getDbHandle } from "../db";
import { startPipelineRunner, stopPipelineRunner } from "../lib/pipelines/queue";

async function main() {
  const config = loadConfigOrExit("The worker");
  if (!config.DATABASE_URL) {
    console.error("The worker shares runs through Postgres: set DATABASE_URL. In embedded (PGlite) mode the app runs pipelines in its own process.");
    process.exit(1);
  }
  const handle = getDbHandle();
  await handle.ready;
  const concurrency = Number(process.env.MC_PIPELINE_CONCURRENCY) || 4;
  await startPipelineRunner({ concurrency, forceWorker: true });
  console.log(`Pipeline worker ${process.pid} ready (concurrency ${concurrency}).`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Worker ${process.pid}: ${signal}, finishing jobs in hand…`);
    await stopPipelineRunner({ timeoutMs: 20_000 }).catch((e) => console.error(e));
    await closeDb().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

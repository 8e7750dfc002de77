import http from "node:http";
import next from "next";
import { loadConfigOrExit } from "./lib/config";
import { getDbHandle } from "./db";
import { handleApiV1 } from "./lib/gateway";

/**
 * The one process: `/api/v1/*` goes to the lean data plane in lib/gateway (node:http), everything
 * else to Next. See ARCHITECTURE.md, "The data plane".
 */
async function main() {
  const config = loadConfigOrExit("Mission Control");
  const dev = process.env.NODE_ENV !== "production";

  if (config.demo && process.env.MC_MOCK_FLEET !== "0") {
    const { startMockFleet } = await import("./mock-fleet/server");
    try {
      const fleet = await startMockFleet({ port: config.MOCK_FLEET_PORT, host: "127.0.0.1" });
      console.log(`Mock LLM fleet listening on ${fleet.url}`);
    } catch (e) {
      console.warn(`Mock fleet not started (${(e as Error).message}); using MOCK_FLEET_URL=${config.MOCK_FLEET_URL}`);
    }
  }

  const handle = getDbHandle();
  try {
    await handle.ready;
  } catch (e) {
    console.error(`Mission Control cannot open its ${handle.kind} database: ${(e as Error).message}`);
    if (handle.kind === "postgres") console.error("Check DATABASE_URL and that the server is running.");
    process.exit(1);
  }
  console.log(`Database: ${handle.kind}${handle.kind === "pglite" ? ` (${config.MC_DATA_DIR})` : ""}, migrations applied.`);
  await (await import("./lib/pipelines/queue")).startPipelineRunner();
  // Budget webhooks left pending by a previous run (or another process that stopped) go out again.
  (await import("./lib/alerts")).startWebhookOutbox(handle.db);
  // Request rows spooled while the database was unreachable (by this or an earlier run) go in now.
  (await import("./lib/execution/spool")).startRequestSpool(handle.db);

  if (config.demo) {
    const { seedDemoAndSay } = await import("./db/seed");
    await seedDemoAndSay(handle.db, config.MOCK_FLEET_URL);
  }

  const app = next({ dev, hostname: config.HOSTNAME, port: config.PORT });
  const nextHandler = app.getRequestHandler();
  await app.prepare();

  const server = http.createServer((req, res) => {
    if (req.url?.startsWith("/api/v1/") || req.url === "/api/v1") {
      handleApiV1(req, res);
      return;
    }
    nextHandler(req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(config.PORT, config.HOSTNAME, () => {
    console.log(`Mission Control ready on http://localhost:${config.PORT} (${dev ? "development" : "production"})`);
  });

  const stop = async () => {
    server.close();
    await (await import("./lib/pipelines/queue")).stopPipelineRunner().catch(() => {});
    await handle.close().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

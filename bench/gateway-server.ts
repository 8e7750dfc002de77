/**
 * The Mission Control gateway as the benchmark runs it: one process, node:http → handleApiV1 (the
 * code path server.ts uses for /api/v1), with a team API key (auth), a hard-stop team budget
 * (budget check), a per-key rate limit (set far above the load so it never refuses) and the
 * grouped request writer on. Prints one JSON line {port, key} when ready.
 * Env: MOCK_FLEET_URL (required), PORT (0 = any), DATABASE_URL (else in-memory PGlite; the schema of
 * that database is dropped first, so its name must contain "bench").
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { openScratchDb } from "@/db/scratch";
import { seedFleet } from "@/db/seed";
import { handleApiV1 } from "@/lib/gateway";
import { benchTeam } from "./fixture";

async function main() {
  process.env.AUTH_SECRET ??= "bench-secret-bench-secret-bench-secret-42";
  const fleetUrl = process.env.MOCK_FLEET_URL;
  if (!fleetUrl) throw new Error("MOCK_FLEET_URL is required");
  // The fleet's port changes every run and seedFleet keeps existing providers: start from an empty schema.
  const h = await openScratchDb("bench");
  await seedFleet(h.db, { mockFleetUrl: fleetUrl, env: {} });
  const { key } = await benchTeam(h.db, { budget: true, limits: true });
  const server = http.createServer(handleApiV1);
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
    console.log(JSON.stringify({ port: (server.address() as AddressInfo).port, key, database: h.kind }));
  });
  const stop = () => {
    server.close();
    void h.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

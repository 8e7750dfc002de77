import http from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll } from "vitest";
import { closeDb } from "@/db";
import { seedFleet } from "@/db/seed";
import { createApiKey } from "@/lib/auth/api-keys";
import { createUser } from "@/lib/auth/users";
import { invalidateFleet } from "@/lib/execution/fleet";
import { createTeam } from "@/lib/teams/service";
import { startMockFleet } from "@/mock-fleet/server";
import { freshDb } from "@/test/db";
import { handleApiV1 } from "./index";

/**
 * For gateway tests: a fresh database with the mock fleet seeded, one team with a key, and a
 * node:http server that hands every request to handleApiV1 — the same code path server.ts uses.
 */
export async function startGatewayFixture(opts: { fleetLatency?: boolean } = {}) {
  const handle = await freshDb();
  const db = handle.db;
  const fleet = await startMockFleet({ port: 0, seed: 11 });
  if (!opts.fleetLatency) {
    await fetch(`${fleet.url}/__fleet/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ defaults: { latencyMs: 0, tokensPerSecond: 0 } }) });
  }
  await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
  invalidateFleet();
  const user = await createUser(db, { name: "Gate", email: `gate-${Date.now()}@t.test`, password: "password-123" });
  const team = await createTeam(db, { name: "Gate", slug: `gate-${Date.now()}`, ownerId: user.id });
  const { key, row } = await createApiKey(db, { teamId: team.id, name: "test key", createdBy: user.id });
  const server = http.createServer(handleApiV1);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    db,
    fleet,
    user,
    team,
    key,
    keyRow: row,
    base,
    api: `${base}/api/v1`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await fleet.close();
      await closeDb();
    },
  };
}
export type GatewayFixture = Awaited<ReturnType<typeof startGatewayFixture>>;

/**
 * For a test file that talks to the gateway through the openai SDK: starts the fixture before the
 * file's tests and closes it after; `fx` and `client` are set once they have started.
 */
export function withOpenAIGateway() {
  const suite = {} as { fx: GatewayFixture; client: OpenAI };
  beforeAll(async () => {
    suite.fx = await startGatewayFixture();
    suite.client = new OpenAI({ baseURL: suite.fx.api, apiKey: suite.fx.key, maxRetries: 0 });
  });
  afterAll(async () => {
    await suite.fx?.close();
  });
  return suite;
}

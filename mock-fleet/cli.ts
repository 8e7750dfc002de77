import { startMockFleet } from "./server";

const port = Number(process.env.MOCK_FLEET_PORT ?? 4010);
const host = process.env.MOCK_FLEET_HOST ?? "127.0.0.1";
const seed = process.env.MOCK_FLEET_SEED ? Number(process.env.MOCK_FLEET_SEED) : undefined;

startMockFleet({ port, host, seed }).then(
  (fleet) => {
    console.log(`mock-fleet listening on ${fleet.url}`);
    console.log(`  OpenAI-compatible: ${fleet.url}/v1   Anthropic: ${fleet.url}   Ollama: ${fleet.url}/api`);
    console.log(`  usage: ${fleet.url}/__fleet/usage`);
    const stop = () => fleet.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  },
  (err: unknown) => {
    console.error(`mock-fleet could not start on ${host}:${port}:`, err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

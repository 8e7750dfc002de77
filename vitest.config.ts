import { defineConfig } from "vitest/config";
import os from "node:os";
import path from "node:path";

const alias = { "@": path.resolve(__dirname) };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "db/**/*.test.ts", "mock-fleet/**/*.test.ts", "components/**/*.test.ts", "bench/**/*.test.ts"],
          exclude: ["**/*.db.test.ts", "node_modules/**"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "db",
          // DB tests write budget rows directly, behind the service's back: read them fresh.
          // A row written after a test closed its database is spooled: keep that out of ./.data.
          env: { MC_BUDGET_SETTINGS_TTL_MS: "0", MC_SPOOL_DIR: path.join(os.tmpdir(), `mc-spool-${process.pid}`) },
          include: ["**/*.db.test.ts"],
          exclude: ["node_modules/**", ".next/**"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./index";

describe("parseConfig", () => {
  it("defaults to embedded PGlite under ./.data/pglite on port 3000", () => {
    const c = parseConfig({});
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.MC_DATA_DIR).toBe("./.data/pglite");
    expect(c.PORT).toBe(3000);
  });

  it("points the demo's providers at the mock fleet's port when only MOCK_FLEET_PORT is set", () => {
    expect(parseConfig({}).MOCK_FLEET_URL).toBe("http://127.0.0.1:4010");
    expect(parseConfig({ MOCK_FLEET_PORT: "4320" }).MOCK_FLEET_URL).toBe("http://127.0.0.1:4320");
    expect(parseConfig({ MOCK_FLEET_PORT: "4320", MOCK_FLEET_URL: "http://fleet.internal:9000" }).MOCK_FLEET_URL).toBe("http://fleet.internal:9000");
  });

  it("names the variable and the fix when a value is wrong", () => {
    expect(() => parseConfig({ DATABASE_URL: "mysql://x" })).toThrow(ConfigError);
    try {
      parseConfig({ DATABASE_URL: "mysql://x", PORT: "http", MC_ENCRYPTION_KEY: "short" });
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain("DATABASE_URL: must be a postgres://");
      expect(msg).toContain("PORT:");
      expect(msg).toContain("MC_ENCRYPTION_KEY: must be 64 hex characters");
    }
  });

  it("stops on a mistyped limit or tuning number instead of treating it as unset", () => {
    // Before: MC_TEAM_RPM=1O0 meant no team limit at all, silently.
    expect(() => parseConfig({ MC_TEAM_RPM: "1O0", MC_API_MAX_BODY_BYTES: "10", MC_PIPELINE_WORKER: "no", MC_BUDGET_SETTINGS_TTL_MS: "1.5" })).toThrow(
      /MC_TEAM_RPM: must be a whole number of requests per minute[\s\S]*MC_BUDGET_SETTINGS_TTL_MS: must be a whole number[\s\S]*MC_PIPELINE_WORKER: must be 0 or 1[\s\S]*MC_API_MAX_BODY_BYTES: must be at least 1024/,
    );
    expect(() => parseConfig({ MC_PIPELINE_RATE_LIMIT_WAIT_MS: "2m", MC_BUDGET_IDLE_MS: "0", MC_MOCK_FLEET: "off" })).toThrow(
      /MC_PIPELINE_RATE_LIMIT_WAIT_MS: must be a whole number of milliseconds[\s\S]*MC_BUDGET_IDLE_MS: must be at least 1[\s\S]*MC_MOCK_FLEET: must be 0 or 1/,
    );
    expect(parseConfig({ MC_PIPELINE_RATE_LIMIT_WAIT_MS: "0", MC_MOCK_FLEET: "0" })).toMatchObject({ MC_PIPELINE_RATE_LIMIT_WAIT_MS: 0, MC_MOCK_FLEET: "0" });
    const ok = parseConfig({ MC_TEAM_RPM: "600", MC_BUDGET_SETTINGS_TTL_MS: "0", MC_API_MAX_BODY_BYTES: "", MC_PIPELINE_WORKER: "0" });
    expect([ok.MC_TEAM_RPM, ok.MC_BUDGET_SETTINGS_TTL_MS, ok.MC_API_MAX_BODY_BYTES, ok.MC_PIPELINE_WORKER]).toEqual([600, 0, undefined, "0"]);
  });

  it("treats empty strings as unset", () => {
    expect(parseConfig({ DATABASE_URL: "", PORT: "" }).DATABASE_URL).toBeUndefined();
  });
});

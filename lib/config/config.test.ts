import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./index";

describe("parseConfig", () => {
  it("defaults to embedded PGlite under ./.data/pglite on port 3000", () => {
    const c = parseConfig({});
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.MC_DATA_DIR).toBe("./.data/pglite");
    expect(c.PORT).toBe(3000);
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

  it("treats empty strings as unset", () => {
    expect(parseConfig({ DATABASE_URL: "", PORT: "" }).DATABASE_URL).toBeUndefined();
  });
});

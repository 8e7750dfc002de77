import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "./secrets";

describe("secrets at rest", () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env.AUTH_SECRET = "a".repeat(40);
    delete process.env.MC_ENCRYPTION_KEY;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it("round-trips and never stores the plain text", () => {
    const enc = encryptSecret("sk-live-123456");
    expect(enc).not.toContain("sk-live");
    expect(decryptSecret(enc)).toBe("sk-live-123456");
    expect(encryptSecret("sk-live-123456")).not.toBe(enc); // fresh IV each time
  });

  it("fails loudly on tampering or a different key", () => {
    const enc = encryptSecret("secret");
    const parts = enc.split(":");
    parts[3] = Buffer.from("other").toString("base64url");
    expect(() => decryptSecret(parts.join(":"))).toThrow();
    process.env.MC_ENCRYPTION_KEY = "0".repeat(64);
    expect(() => decryptSecret(enc)).toThrow();
  });
});

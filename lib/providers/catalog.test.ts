import { describe, expect, it } from "vitest";
import { DEFAULT_FLEET } from "../../mock-fleet/fleet";
import { costTierFor, DEFAULT_CATALOG, defaultProviders, DOMAINS, PROVIDER_KINDS, pricesFor } from "./catalog";

describe("DEFAULT_CATALOG", () => {
  it("has 2–3 models per vendor with unique names", () => {
    const names = DEFAULT_CATALOG.map((m) => m.model);
    expect(new Set(names).size).toBe(names.length);
    for (const kind of PROVIDER_KINDS) {
      const n = DEFAULT_CATALOG.filter((m) => m.provider === kind).length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(3);
    }
  });

  it("stores prices as integer micro-dollars per million tokens", () => {
    const gpt41 = DEFAULT_CATALOG.find((m) => m.model === "gpt-4.1")!;
    expect(gpt41).toMatchObject({ inputPerMTokMicros: 2_000_000, outputPerMTokMicros: 8_000_000, cachedInputPerMTokMicros: 500_000 });
    for (const m of DEFAULT_CATALOG) {
      for (const v of [m.inputPerMTokMicros, m.outputPerMTokMicros, m.cachedInputPerMTokMicros ?? 0]) {
        expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
      }
      if (m.cachedInputPerMTokMicros !== null) expect(m.cachedInputPerMTokMicros).toBeLessThan(m.inputPerMTokMicros);
      expect(m.local).toBe(m.provider === "ollama");
      expect(m.costTier).toBe(m.local ? "free" : costTierFor(m));
    }
  });

  it("uses only the shared domain vocabulary, and optimalFor is a subset of strengths", () => {
    for (const m of DEFAULT_CATALOG) {
      expect(m.strengths.length).toBeGreaterThan(0);
      for (const d of [...m.strengths, ...m.optimalFor]) expect(DOMAINS).toContain(d);
      for (const d of m.optimalFor) expect(m.strengths).toContain(d);
    }
  });

  it("matches the mock fleet model for model (name, vendor, context window, output limit, tool calling, image input, reasoning effort)", () => {
    const fleet = DEFAULT_FLEET.map((f) => [f.name, f.vendor, f.contextWindow, f.maxOutputTokens ?? null, f.toolCalling, f.imageInput, f.reasoningEffort]);
    expect(fleet).toEqual(DEFAULT_CATALOG.map((m) => [m.model, m.provider, m.contextWindow, m.maxOutputTokens, m.toolCalling, m.imageInput, m.reasoningEffort]));
  });

  it("refuses a model without a price instead of treating it as free", () => {
    expect(() => pricesFor("openai", "gpt-nonexistent")).toThrow(/No price/);
  });
});

describe("defaultProviders", () => {
  it("gives OpenAI-compatible kinds a /v1 base URL and Anthropic the bare origin", () => {
    const byKind = Object.fromEntries(defaultProviders("http://127.0.0.1:4010/").map((p) => [p.kind, p]));
    expect(byKind.openai.baseUrl).toBe("http://127.0.0.1:4010/v1");
    expect(byKind.xai.baseUrl).toBe("http://127.0.0.1:4010/v1");
    expect(byKind.mistral.baseUrl).toBe("http://127.0.0.1:4010/v1");
    expect(byKind.ollama).toMatchObject({ baseUrl: "http://127.0.0.1:4010/v1", local: true });
    expect(byKind.anthropic.baseUrl).toBe("http://127.0.0.1:4010");
  });
});

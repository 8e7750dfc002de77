import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyse } from "@/lib/analysis";
import { emptySnapshot, seededRng } from "@/lib/learning";
import { combineAllowLists, eligibilityOf, eligibleModels, isRefusal, route, type Capability, type RouteCandidate } from "./index";
import { candidate } from "./testing";

const model = candidate;

// As the seeded catalog has them: no allowed model has both tools and images but a disabled one does.
const FLEET: RouteCandidate[] = [
  model("gpt-big", { toolCalling: true, imageInput: true, enabled: false }),
  model("gpt-mini", { toolCalling: true, imageInput: true }),
  model("grok-3", { toolCalling: true }),
  model("mistral-small", { toolCalling: true, imageInput: true }),
  model("gemma-text", { local: true, contextWindow: 8_192 }),
  model("llama-local", { local: true, toolCalling: true, contextWindow: 8_192 }),
];
const ids = (r: { models: RouteCandidate[] }) => r.models.map((c) => c.id);

describe("eligibleModels: the one candidate filter", () => {
  it("keeps enabled, allowed models; says why each other one is out", () => {
    const r = eligibleModels(FLEET, { allowList: ["gpt-big", "gpt-mini", "grok-3"] });
    expect(ids(r)).toEqual(["gpt-mini", "grok-3"]);
    expect(r.refusal).toBeUndefined();
    expect(r.excluded).toContainEqual({ id: "gpt-big", why: "disabled" });
    expect(r.excluded.find((x) => x.id === "gemma-text")!.why).toMatch(/^not among the allowed models/);
  });

  it("a private request: local models only, never relaxed", () => {
    expect(ids(eligibleModels(FLEET, { privacy: { private: true, reasons: ["a password"] } }))).toEqual(["gemma-text", "llama-local"]);
    const none = eligibleModels(FLEET, { privacy: { private: true, reasons: ["a password"] }, allowList: ["gpt-mini"] });
    expect(none.refusal).toMatchObject({ code: "private_needs_local", message: expect.stringMatching(/^This task is private \(a password\), so only a local model may see it/) });
  });

  it("capabilities: tool history needs tool calling as tools do", () => {
    expect(ids(eligibleModels(FLEET, { needs: ["tool_history"] }))).toEqual(["gpt-mini", "grok-3", "mistral-small", "llama-local"]);
    const r = eligibleModels(FLEET, { needs: ["tool_history"], allowList: ["gemma-text"] });
    expect(r.refusal?.code).toBe("missing_capability");
    expect(r.refusal?.message).toBe(
      "This request needs tool calling (the conversation has tool calls or tool results), and no enabled, allowed model supports it: gemma-text lacks tool calling. " +
        "gpt-big (disabled), gpt-mini (not allowed), grok-3 (not allowed), mistral-small (not allowed), llama-local (not allowed) have it: enable or allow one of them (Admin → Models; Admin → Routing or the API key's models), " +
        "or add another model that supports tool calling, or remove the assistant tool_calls and the tool messages from the conversation.",
    );
  });

  it("tools and images: the refusal names which models lack what, and the disabled model that has both", () => {
    const r = eligibleModels(FLEET.filter((c) => !c.id.startsWith("gpt-mini") && c.id !== "mistral-small"), { needs: ["tools", "images"] });
    expect(r.refusal?.code).toBe("missing_capability");
    expect(r.refusal?.message).toBe(
      "This request needs tool calling and image input (it sends tools; a message has image_url parts), and no enabled, allowed model supports both: " +
        "grok-3, llama-local lack image input; gemma-text lacks tool calling and image input. " +
        'gpt-big (disabled) has both: enable it (Admin → Models), or add another model that supports tool calling and image input, or remove the tools (or send tool_choice "none") and remove the images.',
    );
    // Tools and tool history name tool calling once.
    const both = eligibleModels(FLEET, { needs: ["tools", "tool_history", "images"], allowList: ["grok-3"] });
    expect(both.refusal?.message).toMatch(/^This request needs tool calling and image input \(it sends tools; the conversation has tool calls or tool results; a message has image_url parts\), and no enabled, allowed model supports both: grok-3 lacks image input\./);
  });

  it("the window must hold the task and its answer", () => {
    const r = eligibleModels(FLEET, { fit: { taskTokens: 8_000, outputTokens: 500 } });
    expect(ids(r)).toEqual(["gpt-mini", "grok-3", "mistral-small"]);
    expect(r.excluded).toContainEqual({ id: "gemma-text", why: "context window 8192 tokens leaves no room for the task (8000), its answer (~500) and any context" });
    expect(eligibleModels(FLEET, { fit: { taskTokens: 200_000, outputTokens: 500 } }).refusal?.code).toBe("context_too_large");
  });

  it("route() chooses only what eligibleModels lets through, and refuses with its code when it lets nothing through (property)", () => {
    const caps: Capability[] = ["tools", "tool_history", "images"];
    fc.assert(
      fc.property(
        fc.array(fc.record({ tools: fc.boolean(), images: fc.boolean(), local: fc.boolean(), enabled: fc.boolean(), window: fc.constantFrom(4_000, 32_000, 200_000), price: fc.integer({ min: 0, max: 20_000_000 }) }), { minLength: 1, maxLength: 6 }),
        fc.subarray(caps),
        fc.boolean(),
        fc.option(fc.subarray([0, 1, 2, 3, 4, 5]), { nil: undefined }),
        fc.integer(),
        (specs, needs, secret, allowIdx, seed) => {
          const fleet = specs.map((s, i) => model(`p${i}-m`, { toolCalling: s.tools, imageInput: s.images, local: s.local, enabled: s.enabled, contextWindow: s.window, inputPerMTokMicros: s.price, outputPerMTokMicros: s.price }));
          const profile = analyse({ task: secret ? "Describe the screenshot; the key is sk-live-4f9a8b7c6d5e4f3a2b1c" : "Describe the screenshot and look up each object." });
          const settings = { qualityVsCost: 0.5, allowList: allowIdx?.map((i) => `p${i}-m`) };
          const gate = eligibleModels(fleet, eligibilityOf(profile, { settings, needs }).eligibility);
          const r = route(profile, fleet, { learned: emptySnapshot(), settings, needs, rng: seededRng(seed) });
          if (gate.refusal) return isRefusal(r) && r.code === gate.refusal.code && r.message === gate.refusal.message;
          const ok = new Set(ids(gate));
          return !isRefusal(r) && [r.model, ...r.fallbacks].every((id) => ok.has(id));
        },
      ),
    );
  });
});

describe("eligibleModels: the output limit holds the answer's allowance asked for", () => {
  // As the catalog has them: GPT-4.1 32,768, GPT-4o mini 16,384, Claude Sonnet 4 64,000 (it thinks), Claude 3.5 Haiku 8,192; grok's unknown.
  const LIMITS: RouteCandidate[] = [
    model("gpt-4.1", { maxOutputTokens: 32_768 }),
    model("gpt-4o-mini", { maxOutputTokens: 16_384 }),
    model("claude-sonnet", { provider: "anthropic", maxOutputTokens: 64_000, reasoningEffort: true }),
    model("claude-haiku", { provider: "anthropic", maxOutputTokens: 8_192 }),
    model("grok-3", { maxOutputTokens: null }),
  ];
  const thinksOnClaude = (c: RouteCandidate) => (c.provider === "anthropic" ? 1_024 : 0);

  it("rules out the models that cannot answer that many tokens, saying so; a model whose limit is unknown stays", () => {
    const r = eligibleModels(LIMITS, { output: { tokens: 10_000 } });
    expect(ids(r)).toEqual(["gpt-4.1", "gpt-4o-mini", "claude-sonnet", "grok-3"]);
    expect(r.excluded).toEqual([{ id: "claude-haiku", why: "answers at most 8,192 tokens in one response, and max_tokens is 10,000" }]);
    expect(ids(eligibleModels(LIMITS, { output: { tokens: 8_192 } }))).toEqual(ids({ models: LIMITS }));
  });

  it("a model that thinks beside the answer needs room for its least thinking budget too", () => {
    const r = eligibleModels(LIMITS, { output: { tokens: 63_000, beyond: thinksOnClaude } });
    expect(ids(r)).toEqual(["grok-3"]);
    expect(r.excluded.find((x) => x.id === "claude-sonnet")!.why).toBe("answers at most 64,000 tokens in one response, 1,024 of them at least thinking for reasoning_effort, and max_tokens is 63,000");
    expect(ids(eligibleModels(LIMITS, { output: { tokens: 62_976, beyond: thinksOnClaude } }))).toContain("claude-sonnet");
  });

  it("when no model can, the refusal names the most any can answer, which model, and what to change", () => {
    const known = LIMITS.filter((c) => c.id !== "grok-3");
    expect(eligibleModels(known, { output: { tokens: 70_000 } }).refusal).toEqual({
      refused: true,
      code: "max_tokens_too_large",
      message:
        "max_tokens 70,000 is more than any enabled, allowed model can answer in one response (the most is 64,000, claude-sonnet). " +
        "Lower max_tokens to 64,000 or less, or enable and allow a model with a larger output limit (Admin → Models shows each model's).",
    });
    const gpt = eligibleModels(known, { output: { tokens: 50_000 }, allowList: ["gpt-4.1", "gpt-4o-mini"] }).refusal!;
    expect(gpt.message).toMatch(/^max_tokens 50,000 is more than any enabled, allowed model can answer in one response \(the most is 32,768, gpt-4\.1\)\. Lower max_tokens to 32,768 or less,/);
    const thinking = eligibleModels(known, { output: { tokens: 64_000, beyond: thinksOnClaude }, allowList: ["claude-sonnet"] }).refusal!;
    expect(thinking.message).toMatch(/\(the most is 62,976, claude-sonnet beside the 1,024 tokens it thinks at least for reasoning_effort\)\. Lower max_tokens to 62,976 or less, or leave reasoning_effort out,/);
  });

  it("route() refuses with it, and never picks a model that cannot answer the allowance (property)", () => {
    const profile = analyse({ task: "Summarise the design document in detail." });
    const settings = { qualityVsCost: 0.5 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80_000 }), fc.boolean(), (tokens, withGrok) => {
        const fleet = withGrok ? LIMITS : LIMITS.filter((c) => c.id !== "grok-3");
        const output = { tokens, beyond: thinksOnClaude };
        const r = route(profile, fleet, { learned: emptySnapshot(), settings, output, rng: seededRng(tokens) });
        if (isRefusal(r)) return r.code === "max_tokens_too_large" && !withGrok && tokens > 62_976;
        return [r.model, ...r.fallbacks].every((id) => {
          const c = fleet.find((x) => x.id === id)!;
          return c.maxOutputTokens == null || c.maxOutputTokens - thinksOnClaude(c) >= tokens;
        });
      }),
    );
  });
});

describe("combineAllowLists", () => {
  it("a model must be on both lists; no list allows all; lists with nothing in common allow nothing", () => {
    expect(combineAllowLists([], [])).toBeUndefined();
    expect(combineAllowLists(["a", "b"], [])).toEqual(["a", "b"]);
    expect(combineAllowLists([], ["b"])).toEqual(["b"]);
    expect(combineAllowLists(["a", "b"], ["b", "c"])).toEqual(["b"]);
    expect(ids(eligibleModels([model("a"), model("b")], { allowList: combineAllowLists(["a"], ["b"]) }))).toEqual([]);
  });
});

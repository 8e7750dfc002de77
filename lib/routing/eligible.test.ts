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

describe("combineAllowLists", () => {
  it("a model must be on both lists; no list allows all; lists with nothing in common allow nothing", () => {
    expect(combineAllowLists([], [])).toBeUndefined();
    expect(combineAllowLists(["a", "b"], [])).toEqual(["a", "b"]);
    expect(combineAllowLists([], ["b"])).toEqual(["b"]);
    expect(combineAllowLists(["a", "b"], ["b", "c"])).toEqual(["b"]);
    expect(ids(eligibleModels([model("a"), model("b")], { allowList: combineAllowLists(["a"], ["b"]) }))).toEqual([]);
  });
});

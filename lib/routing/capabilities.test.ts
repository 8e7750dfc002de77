import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyse } from "@/lib/analysis";
import { emptySnapshot, seededRng } from "@/lib/learning";
import { isRefusal, requiredCapabilities, route, type Capability, type RouteCandidate, type RouteDecision } from "./index";

const model = (id: string, o: Partial<RouteCandidate> = {}): RouteCandidate => ({
  id,
  provider: o.provider ?? id.split("-")[0],
  local: false,
  enabled: true,
  contextWindow: 128_000,
  inputPerMTokMicros: 1_000_000,
  outputPerMTokMicros: 2_000_000,
  strengths: [],
  costTier: "medium",
  toolCalling: true,
  imageInput: true,
  ...o,
});

// The cheapest model of each provider lacks what the dearer one has, so a filter that does nothing
// would pick it: a plain text task at the cost-leaning knob goes to the cheap models.
const FLEET: RouteCandidate[] = [
  model("openai-big", { inputPerMTokMicros: 10_000_000, outputPerMTokMicros: 30_000_000 }),
  model("openai-cheap", { inputPerMTokMicros: 100_000, outputPerMTokMicros: 400_000, imageInput: false }),
  model("xai-cheap", { inputPerMTokMicros: 100_000, outputPerMTokMicros: 400_000, toolCalling: false, imageInput: false }),
  model("anthropic-mid", { inputPerMTokMicros: 3_000_000, outputPerMTokMicros: 15_000_000 }),
  model("ollama-local", { provider: "ollama", local: true, inputPerMTokMicros: 0, outputPerMTokMicros: 0, toolCalling: true, imageInput: false }),
];
const task = analyse({ task: "Describe what is in this picture and call the lookup tool for each object." });
const ctx = (o: Partial<Parameters<typeof route>[2]> = {}) => ({ learned: emptySnapshot(), settings: { qualityVsCost: 0.2 }, ...o });
const decided = (r: ReturnType<typeof route>): RouteDecision => {
  if (isRefusal(r)) throw new Error(`refused: ${r.message}`);
  return r;
};
const has = (id: string, cap: Capability) => FLEET.find((c) => c.id === id)![cap === "tools" ? "toolCalling" : "imageInput"] === true;

describe("requiredCapabilities", () => {
  const tools = [{ type: "function", function: { name: "lookup" } }];
  const image = { role: "user", parts: [{ type: "text" }, { type: "image_url" }] };
  it("needs tool calling for tools unless tool_choice is none, and image input for an image part", () => {
    expect(requiredCapabilities({ tools })).toEqual(["tools"]);
    expect(requiredCapabilities({ tools, toolChoice: "required" })).toEqual(["tools"]);
    expect(requiredCapabilities({ tools, toolChoice: "none" })).toEqual([]);
    expect(requiredCapabilities({ tools: [] })).toEqual([]);
    expect(requiredCapabilities({ messages: [{ role: "system" }, image] })).toEqual(["images"]);
    expect(requiredCapabilities({ messages: [{ role: "user", parts: [{ type: "text" }] }] })).toEqual([]);
    expect(requiredCapabilities({ tools, messages: [image] })).toEqual(["tools", "images"]);
  });
});

describe("route: capability filter", () => {
  it("without needs the cheap models win (the fleet makes the filter matter)", () => {
    expect(decided(route(task, FLEET, ctx())).model).toMatch(/cheap|local/);
  });

  it("drops models without image input from the choice and the fallbacks, and says so", () => {
    const d = decided(route(task, FLEET, ctx({ needs: ["images"] })));
    for (const id of [d.model, ...d.fallbacks]) expect(has(id, "images")).toBe(true);
    expect(d.reason).toMatch(/Needs image input \(a message has image_url parts\): only models that support it were considered/);
    expect(d.excluded).toContainEqual({ id: "xai-cheap", why: "does not support image input" });
    expect(d.excluded).toContainEqual({ id: "openai-cheap", why: "does not support image input" });
  });

  it("needs both: a model must have both", () => {
    const d = decided(route(task, FLEET, ctx({ needs: ["tools", "images"] })));
    expect(d.excluded).toContainEqual({ id: "xai-cheap", why: "does not support tool calling and image input" });
    for (const id of [d.model, ...d.fallbacks]) expect(has(id, "tools") && has(id, "images")).toBe(true);
  });

  it("never picks a model without a needed capability, whatever the fleet, knob or draw (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ tools: fc.boolean(), images: fc.boolean(), price: fc.integer({ min: 0, max: 50_000_000 }) }), { minLength: 1, maxLength: 6 }),
        fc.subarray<Capability>(["tools", "images"], { minLength: 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer(),
        (specs, needs, knob, seed) => {
          const fleet = specs.map((s, i) => model(`p${i}-m`, { toolCalling: s.tools, imageInput: s.images, inputPerMTokMicros: s.price, outputPerMTokMicros: s.price }));
          const r = route(task, fleet, ctx({ needs, settings: { qualityVsCost: knob }, rng: seededRng(seed) }));
          const ok = (id: string) => {
            const c = fleet.find((f) => f.id === id)!;
            return needs.every((n) => (n === "tools" ? c.toolCalling : c.imageInput));
          };
          if (isRefusal(r)) return r.code === "missing_capability" && !fleet.some((c) => ok(c.id));
          return [r.model, ...r.fallbacks].every(ok);
        },
      ),
    );
  });

  it("refuses when no allowed model has it, naming the capability and what to change", () => {
    const r = route(task, FLEET, ctx({ needs: ["images"], settings: { qualityVsCost: 0.5, allowList: ["openai-cheap", "xai-cheap"] } }));
    expect(isRefusal(r) && r.code).toBe("missing_capability");
    const msg = isRefusal(r) ? r.message : "";
    expect(msg).toMatch(/needs image input \(a message has image_url parts\)/);
    expect(msg).toMatch(/openai-cheap, xai-cheap do not/);
    expect(msg).toMatch(/Enable a model that supports image input .* and allow it, or remove the images\./);
  });

  it("on a private task only local models count, and the refusal says so", () => {
    const r = route(analyse({ task: "Describe this picture", contextTags: ["private"] }), FLEET, ctx({ needs: ["images"] }));
    expect(isRefusal(r) && r.code).toBe("missing_capability");
    expect(isRefusal(r) && r.message).toMatch(/no enabled, allowed local model supports it \(ollama-local does not\); the task is private.*Enable a local model/);
  });

  it("tools: suggests tool_choice none as the way without", () => {
    const r = route(task, FLEET, ctx({ needs: ["tools"], settings: { qualityVsCost: 0.5, allowList: ["xai-cheap"] } }));
    expect(isRefusal(r) && r.message).toMatch(/remove the tools \(or send tool_choice "none"\)/);
  });

  it("a preferred model without the capability is refused, not swapped", () => {
    const r = route(task, FLEET, ctx({ needs: ["tools"], preference: "xai-cheap" }));
    expect(isRefusal(r) && r.code).toBe("preference_unavailable");
    expect(isRefusal(r) && r.message).toMatch(/"xai-cheap" cannot take this task: does not support tool calling/);
  });
});

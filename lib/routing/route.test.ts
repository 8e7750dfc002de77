import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyse } from "@/lib/analysis";
import { emptySnapshot, seededRng } from "@/lib/learning";
import { imagesOf, imageTokensFor, imageTokensOn } from "@/lib/providers/images";
import { estimateMessagesTokens, estimateTokens } from "@/lib/providers/tokens";
import { dataUrl, png } from "../../mock-fleet/test-images";
import { contextBudget, isRefusal, requiredCapabilities, route, trimText, type Capability, type RouteCandidate, type RouteDecision } from "./index";
import { candidate } from "./testing";

const model = candidate;

const FLEET: RouteCandidate[] = [
  model("openai-big", { inputPerMTokMicros: 10_000_000, outputPerMTokMicros: 30_000_000, strengths: ["code", "math", "analysis"], p50LatencyMs: 4000 }),
  model("openai-mini", { inputPerMTokMicros: 150_000, outputPerMTokMicros: 600_000, strengths: ["chat", "summary"], p50LatencyMs: 800 }),
  model("anthropic-mid", { inputPerMTokMicros: 3_000_000, outputPerMTokMicros: 15_000_000, strengths: ["code", "docs", "creative"], p50LatencyMs: 2500 }),
  model("ollama-llama", { provider: "ollama", local: true, inputPerMTokMicros: 0, outputPerMTokMicros: 0, contextWindow: 8_000, strengths: ["chat"], p50LatencyMs: 3000 }),
];
const ctx = (o: Partial<Parameters<typeof route>[2]> = {}) => ({ learned: emptySnapshot(), settings: { qualityVsCost: 0.5 }, ...o });
const decided = (r: ReturnType<typeof route>): RouteDecision => {
  if (isRefusal(r)) throw new Error(`refused: ${r.message}`);
  return r;
};

describe("route: privacy", () => {
  it("sends a private task only to a local model, fallbacks included", () => {
    const d = decided(route(analyse({ task: "Fix the login: password=hunter2hunter2" }), FLEET, ctx({ settings: { qualityVsCost: 1 } })));
    expect(d.model).toBe("ollama-llama");
    expect(d.fallbacks).toEqual([]);
    expect(d.reason).toMatch(/Private task/);
  });

  it("refuses a private task when no local model is enabled, saying why and what to change", () => {
    const fleet = FLEET.map((c) => (c.local ? { ...c, enabled: false } : c));
    const r = route(analyse({ task: "Summarize", contextTags: ["private"] }), fleet, ctx());
    expect(isRefusal(r) && r.code).toBe("private_needs_local");
    expect(isRefusal(r) && r.message).toMatch(/local model/);
  });

  it("refuses a preference for a remote model on a private task instead of downgrading", () => {
    const r = route(analyse({ task: "Summarize", contextTags: ["private"] }), FLEET, ctx({ preference: "openai-big" }));
    expect(isRefusal(r) && r.code).toBe("preference_unavailable");
    expect(isRefusal(r) && r.message).toMatch(/not local/);
  });

  it("never lets any private task reach a non-local model (property)", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.record({ local: fc.boolean(), enabled: fc.boolean(), window: fc.integer({ min: 100, max: 200_000 }), price: fc.integer({ min: 0, max: 50_000_000 }) }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer(),
        (task, specs, knob, seed) => {
          const cands = specs.map((s, i) => model(`m${i}`, { local: s.local, enabled: s.enabled, contextWindow: s.window, inputPerMTokMicros: s.price, outputPerMTokMicros: s.price }));
          const r = route(analyse({ task: `${task} x`, contextTags: ["private"] }), cands, ctx({ settings: { qualityVsCost: knob }, rng: seededRng(seed) }));
          if (isRefusal(r)) return;
          const byId = new Map(cands.map((c) => [c.id, c]));
          for (const id of [r.model, ...r.fallbacks]) expect(byId.get(id)!.local).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("route: constraints", () => {
  it("respects max_cost and max_time, or refuses (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 100, max: 6000 }), fc.double({ min: 0, max: 1, noNaN: true }), (maxCost, maxTime, knob) => {
        const p = analyse({ task: "Write a Python function that parses a CSV file.", constraints: { maxCostMicros: maxCost, maxTimeMs: maxTime } });
        const r = route(p, FLEET, ctx({ settings: { qualityVsCost: knob } }));
        if (isRefusal(r)) {
          expect(["over_max_cost", "over_max_time"]).toContain(r.code);
          return;
        }
        expect(r.estimatedCostMicros).toBeLessThanOrEqual(maxCost + 0.5);
        const chosen = FLEET.find((c) => c.id === r.model)!;
        expect(chosen.p50LatencyMs ?? 0).toBeLessThanOrEqual(maxTime);
        for (const f of r.fallbacks) expect(r.scored.find((s) => s.id === f)!.costMicros).toBeLessThanOrEqual(maxCost);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses when no model meets max_cost, quoting the cheapest", () => {
    const r = route(analyse({ task: "Write a story about a dragon.", constraints: { maxCostMicros: 1 } }), FLEET.filter((c) => !c.local), ctx());
    expect(isRefusal(r) && r.code).toBe("over_max_cost");
    expect(isRefusal(r) && r.message).toMatch(/openai-mini.*Raise max_cost/);
  });

  it("refuses when no model meets max_time", () => {
    const r = route(analyse({ task: "Hello", constraints: { maxTimeMs: 10 } }), FLEET, ctx());
    expect(isRefusal(r) && r.code).toBe("over_max_time");
  });

  it("honours the allow-list and skips disabled models", () => {
    const fleet = FLEET.map((c) => (c.id === "openai-mini" ? { ...c, enabled: false } : c));
    const d = decided(route(analyse({ task: "Hi there" }), fleet, ctx({ settings: { qualityVsCost: 0, allowList: ["anthropic-mid", "openai-mini"] } })));
    expect(d.model).toBe("anthropic-mid");
    expect(d.excluded.map((x) => x.id).sort()).toEqual(["ollama-llama", "openai-big", "openai-mini"]);
  });

  it("chooses the cheapest at 0 and the best expected quality at 1", () => {
    const p = analyse({ task: "Prove that there are infinitely many primes." });
    const remote = FLEET.filter((c) => !c.local);
    expect(decided(route(p, remote, ctx({ settings: { qualityVsCost: 0 } }))).model).toBe("openai-mini");
    expect(decided(route(p, remote, ctx({ settings: { qualityVsCost: 1 } }))).model).toBe("openai-big");
  });
});

describe("route: preference, refusals, context", () => {
  it("honours an explicit preference and keeps fallbacks", () => {
    const d = decided(route(analyse({ task: "Write a haiku" }), FLEET, ctx({ preference: "openai-big", settings: { qualityVsCost: 0 } })));
    expect(d.model).toBe("openai-big");
    expect(d.reason).toMatch(/requested explicitly/);
    expect(d.fallbacks.length).toBeGreaterThan(0);
  });

  it("refuses an unknown preference", () => {
    const r = route(analyse({ task: "Hi" }), FLEET, ctx({ preference: "nope" }));
    expect(isRefusal(r) && r.code).toBe("preference_unavailable");
  });

  it("refuses an empty task and an empty fleet", () => {
    expect(route(analyse({ task: "" }), FLEET, ctx())).toMatchObject({ refused: true, code: "empty_task" });
    expect(route(analyse({ task: "Hi" }), [], ctx())).toMatchObject({ refused: true, code: "no_candidates" });
  });

  it("refuses a task larger than every context window", () => {
    const r = route(analyse({ task: "word ".repeat(200_000) }), FLEET, ctx());
    expect(r).toMatchObject({ refused: true, code: "context_too_large" });
  });

  it("refuses when max_tokens cannot hold the task", () => {
    const r = route(analyse({ task: "word ".repeat(400), constraints: { maxTokens: 100 } }), FLEET, ctx());
    expect(r).toMatchObject({ refused: true, code: "max_tokens_too_small" });
  });

  it("plans a trim when the context exceeds max_tokens, and says so", () => {
    const p = analyse({ task: "Summarize the context.", context: "lorem ipsum ".repeat(4000), constraints: { maxTokens: 3000 } });
    const d = decided(route(p, FLEET, ctx()));
    expect(d.trim).toBeDefined();
    expect(d.trim!.toTokens).toBeLessThanOrEqual(3000 - p.taskTokens);
    expect(d.trim!.fromTokens).toBe(p.trimmableTokens);
    expect(d.trim!.method).toBe("summarise");
    expect(d.reason).toMatch(/Context: .*max_tokens 3000/);
  });

  it("uses only models whose window fits when the context is large, trimming for the local one when private", () => {
    const p = analyse({ task: "Summarize this. password: abcdef123", context: "data ".repeat(20_000) });
    const d = decided(route(p, FLEET, ctx()));
    expect(d.model).toBe("ollama-llama");
    expect(d.trim?.toTokens).toBeLessThan(8000);
    expect(d.trim?.summariser).toBe("ollama-llama");
  });

  it("puts another provider first among the fallbacks", () => {
    const fleet = [...FLEET, model("openai-mid", { inputPerMTokMicros: 2_000_000, outputPerMTokMicros: 8_000_000 })];
    const d = decided(route(analyse({ task: "Write a function to reverse a string in Python" }), fleet, ctx({ settings: { qualityVsCost: 1 } })));
    const provider = (id: string) => fleet.find((c) => c.id === id)!.provider;
    expect(provider(d.fallbacks[0])).not.toBe(provider(d.model));
    expect(d.confidence).toBeGreaterThanOrEqual(0);
    expect(d.confidence).toBeLessThanOrEqual(1);
  });
});

describe("route: cost tiers before any ratings", () => {
  // Four models that all list code; only tier and price differ.
  const tiered: RouteCandidate[] = [
    model("local-coder", { provider: "ollama", local: true, inputPerMTokMicros: 0, outputPerMTokMicros: 0, strengths: ["code"], costTier: "free" }),
    model("cheap-coder", { inputPerMTokMicros: 300_000, outputPerMTokMicros: 900_000, strengths: ["code"], costTier: "low" }),
    model("mid-coder", { inputPerMTokMicros: 800_000, outputPerMTokMicros: 4_000_000, strengths: ["code"], costTier: "medium" }),
    model("big-coder", { inputPerMTokMicros: 3_000_000, outputPerMTokMicros: 15_000_000, strengths: ["code"], costTier: "high" }),
  ];
  const pick = (task: string, knob: number, quality?: "high") => decided(route(analyse({ task, qualityRequirement: quality }), tiered, ctx({ settings: { qualityVsCost: knob } }))).model;

  it("a task that asks for high quality goes to a dearer tier than an ordinary one; the reason names the tier", () => {
    const task = "Write a Python function that merges two sorted lists.";
    expect(pick(task, 0.5)).toBe("local-coder");
    expect(pick(task, 0.5, "high")).not.toBe("local-coder");
    expect(pick(task, 1)).toBe("big-coder");
    const d = decided(route(analyse({ task }), tiered, ctx({ settings: { qualityVsCost: 1 } })));
    expect(d.reason).toContain("prior: lists code as a strength, high tier, no ratings yet");
  });
});

describe("route: exploring on a task that asks for high quality", () => {
  const fleet: RouteCandidate[] = [
    model("big-coder", { inputPerMTokMicros: 3_000_000, outputPerMTokMicros: 15_000_000, strengths: ["code"], costTier: "high" }),
    model("mid-coder", { inputPerMTokMicros: 800_000, outputPerMTokMicros: 4_000_000, strengths: ["code"], costTier: "medium" }),
    model("local-chat", { provider: "ollama", local: true, inputPerMTokMicros: 0, outputPerMTokMicros: 0, strengths: ["chat"], costTier: "free" }),
  ];
  const task = "Refactor our payment module for testability.";
  // The same effective setting both ways: team knob 0.75 for an ordinary task, 0.5 moved to 0.75 by "high".
  const runs = (quality?: "high") =>
    Array.from({ length: 300 }, (_, seed) =>
      decided(route(analyse({ task, qualityRequirement: quality ?? "normal" }), fleet, ctx({ settings: { qualityVsCost: quality ? 0.5 : 0.75 }, rng: seededRng(seed + 1) }))),
    );
  const worse = (d: RouteDecision) => d.explored && d.scored.find((c) => c.id === d.model)!.quality < d.scored[0].quality - 0.05;

  it("never tries a model expected to do clearly worse, and says why it did not", () => {
    // Without the requirement the posterior draws do pick the free chat model now and then…
    expect(runs().filter(worse).length).toBeGreaterThan(0);
    // …with it, never; and the reason names the draw it passed over.
    const high = runs("high");
    expect(high.filter(worse)).toEqual([]);
    expect(high.some((d) => /asks for high quality and its expected quality is lower/.test(d.reason))).toBe(true);
  });
});

describe("trim helpers", () => {
  it("trimText keeps head and tail within the budget", () => {
    const text = "A".repeat(2000) + "B".repeat(2000);
    const t = trimText(text, 300);
    expect(t.length).toBeLessThanOrEqual(1200);
    expect(t.startsWith("AAA")).toBe(true);
    expect(t.endsWith("BBB")).toBe(true);
    expect(t).toMatch(/trimmed/);
    expect(trimText("short", 100)).toBe("short");
  });

  it("contextBudget says how much context may stay", () => {
    expect(contextBudget({ taskTokens: 10, trimmableTokens: 50, outputTokens: 20, contextWindow: 1000 })).toEqual({ fits: true });
    expect(contextBudget({ taskTokens: 10, trimmableTokens: 5000, outputTokens: 20, contextWindow: 1000 })).toEqual({ fits: false, keepTokens: 970, limit: "window" });
    expect(contextBudget({ taskTokens: 10, trimmableTokens: 5000, outputTokens: 20, contextWindow: 1000, maxTokens: 500 })).toEqual({ fits: false, keepTokens: 470, limit: "max_tokens" });
  });
});

// The cheapest model of each provider lacks what the dearer one has, so a filter that does nothing
// would pick it: a plain text task at the cost-leaning knob goes to the cheap models.
const CAP_FLEET: RouteCandidate[] = [
  model("openai-big", { inputPerMTokMicros: 10_000_000, outputPerMTokMicros: 30_000_000, toolCalling: true, imageInput: true }),
  model("openai-cheap", { inputPerMTokMicros: 100_000, outputPerMTokMicros: 400_000, toolCalling: true }),
  model("xai-cheap", { inputPerMTokMicros: 100_000, outputPerMTokMicros: 400_000 }),
  model("anthropic-mid", { inputPerMTokMicros: 3_000_000, outputPerMTokMicros: 15_000_000, toolCalling: true, imageInput: true }),
  model("ollama-local", { provider: "ollama", local: true, inputPerMTokMicros: 0, outputPerMTokMicros: 0, toolCalling: true }),
];
const capTask = analyse({ task: "Describe what is in this picture and call the lookup tool for each object." });
const capCtx = (o: Partial<Parameters<typeof route>[2]> = {}) => ctx({ settings: { qualityVsCost: 0.2 }, ...o });
const has = (id: string, cap: Capability) => CAP_FLEET.find((c) => c.id === id)![cap === "tools" ? "toolCalling" : "imageInput"] === true;

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

  it("needs tool calling for a conversation with tool calls or tool results, even without tools or under tool_choice none", () => {
    const call = { role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{}" } }] };
    const result = { role: "tool", tool_call_id: "call_1" };
    expect(requiredCapabilities({ messages: [{ role: "user" }, call, result, { role: "user" }] })).toEqual(["tool_history"]);
    expect(requiredCapabilities({ messages: [{ role: "user" }, result] })).toEqual(["tool_history"]);
    expect(requiredCapabilities({ tools, toolChoice: "none", messages: [call, result] })).toEqual(["tool_history"]);
    expect(requiredCapabilities({ tools, messages: [call, result] })).toEqual(["tools", "tool_history"]);
    expect(requiredCapabilities({ messages: [{ role: "assistant", tool_calls: [] }] })).toEqual([]);
  });
});

describe("route: capability filter", () => {
  it("without needs the cheap models win (the fleet makes the filter matter)", () => {
    expect(decided(route(capTask, CAP_FLEET, capCtx())).model).toMatch(/cheap|local/);
  });

  it("drops models without image input from the choice and the fallbacks, and says so", () => {
    const d = decided(route(capTask, CAP_FLEET, capCtx({ needs: ["images"] })));
    for (const id of [d.model, ...d.fallbacks]) expect(has(id, "images")).toBe(true);
    expect(d.reason).toMatch(/Needs image input \(a message has image_url parts\): only models that support it were considered/);
    expect(d.excluded).toContainEqual({ id: "xai-cheap", why: "does not support image input" });
    expect(d.excluded).toContainEqual({ id: "openai-cheap", why: "does not support image input" });
  });

  it("needs both: a model must have both", () => {
    const d = decided(route(capTask, CAP_FLEET, capCtx({ needs: ["tools", "images"] })));
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
          const r = route(capTask, fleet, capCtx({ needs, settings: { qualityVsCost: knob }, rng: seededRng(seed) }));
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
    const r = route(capTask, CAP_FLEET, capCtx({ needs: ["images"], settings: { qualityVsCost: 0.5, allowList: ["openai-cheap", "xai-cheap"] } }));
    expect(isRefusal(r) && r.code).toBe("missing_capability");
    const msg = isRefusal(r) ? r.message : "";
    expect(msg).toMatch(/needs image input \(a message has image_url parts\)/);
    expect(msg).toMatch(/: openai-cheap, xai-cheap lack image input\. openai-big \(not allowed\), anthropic-mid \(not allowed\) have it: allow one of them .*, or remove the images\.$/);
  });

  it("on a private task only local models count, and the refusal says so", () => {
    const r = route(analyse({ task: "Describe this picture", contextTags: ["private"] }), CAP_FLEET, capCtx({ needs: ["images"] }));
    expect(isRefusal(r) && r.code).toBe("missing_capability");
    expect(isRefusal(r) && r.message).toMatch(/no enabled, allowed local model supports it: ollama-local lacks image input \(the task is private, so only local models count\)\. Enable a local model that supports image input/);
  });

  it("tools: suggests tool_choice none as the way without", () => {
    const r = route(capTask, CAP_FLEET, capCtx({ needs: ["tools"], settings: { qualityVsCost: 0.5, allowList: ["xai-cheap"] } }));
    expect(isRefusal(r) && r.message).toMatch(/remove the tools \(or send tool_choice "none"\)/);
  });

  it("a preferred model without the capability is refused, not swapped", () => {
    const r = route(capTask, CAP_FLEET, capCtx({ needs: ["tools"], preference: "xai-cheap" }));
    expect(isRefusal(r) && r.code).toBe("preference_unavailable");
    expect(isRefusal(r) && r.message).toMatch(/"xai-cheap" cannot take this task: does not support tool calling/);
  });
});

describe("route: images count towards size and cost, per model", () => {
  const vision = [
    model("gpt-4.1-mini", { contextWindow: 16_000, inputPerMTokMicros: 400_000, outputPerMTokMicros: 1_600_000, imageInput: true }),
    model("claude-sonnet-4-20250514", { contextWindow: 200_000, inputPerMTokMicros: 3_000_000, outputPerMTokMicros: 15_000_000, imageInput: true }),
  ];
  const text = "What differs between these screenshots?";
  const request = (images: number, url = "https://example.com/shot.png") => [
    { role: "user", content: text, parts: [{ type: "text", text }, ...Array.from({ length: images }, () => ({ type: "image_url", image_url: { url } }))] },
  ];
  // As delegate() sizes a request: the analyser carries the images, the router counts them per model with the caller's rule.
  const routeRequest = (messages: ReturnType<typeof request>, candidates = vision, o: Partial<Parameters<typeof route>[2]> = {}) => {
    const images = imagesOf(messages);
    const imageTokens = images.length ? (id: string) => imageTokensOn(id, images) : undefined;
    return decided(route(analyse({ task: text, images }), candidates, ctx({ needs: requiredCapabilities({ messages }), imageTokens, ...o })));
  };
  // An image by URL cannot be sized: each counts at the model's most (gpt-4.1 mini: 1,536 patches × 1.62).
  const tooMany = Math.ceil(16_000 / imageTokensFor("gpt-4.1-mini", { size: null }));

  it("an image-heavy request goes to a model whose window holds its images, not to one it would overflow", () => {
    expect(routeRequest(request(1)).model).toBe("gpt-4.1-mini");
    const d = routeRequest(request(tooMany));
    expect(d.model).toBe("claude-sonnet-4-20250514");
    expect(d.excluded.map((e) => e.id)).toContain("gpt-4.1-mini");
    expect(d.reason).toContain(`~${estimateTokens(text) + tooMany * 1_600} tokens in`);
  });

  it("the estimated cost includes the images at the model's input price, as the budget hold counts them on that model", () => {
    const claude = vision[1];
    const withImages = routeRequest(request(tooMany), vision, { preference: claude.id });
    const without = routeRequest(request(0), vision, { preference: claude.id });
    const held = estimateMessagesTokens(request(tooMany), claude.id) - estimateMessagesTokens(request(0), claude.id);
    expect(held).toBe(tooMany * 1_600);
    expect(withImages.estimatedCostMicros - without.estimatedCostMicros).toBeCloseTo((held * claude.inputPerMTokMicros) / 1e6, 6);
  });

  it("an image task on gpt-4o-mini is not cheap: it bills a 1024×1024 image at 25,501 tokens, so the cheapest choice is another model", () => {
    const minis = [
      model("gpt-4o-mini", { inputPerMTokMicros: 150_000, outputPerMTokMicros: 600_000, imageInput: true }),
      model("gpt-4.1-mini", { inputPerMTokMicros: 400_000, outputPerMTokMicros: 1_600_000, imageInput: true }),
    ];
    const cheapest = { settings: { qualityVsCost: 0 } };
    expect(routeRequest(request(0), minis, cheapest).model).toBe("gpt-4o-mini");
    const d = routeRequest(request(1, dataUrl(png(1024, 1024))), minis, cheapest);
    expect(d.model).toBe("gpt-4.1-mini");
    const cost = Object.fromEntries(d.scored.map((s) => [s.id, s.costMicros]));
    expect(cost["gpt-4o-mini"]).toBeGreaterThan((25_501 * 150_000) / 1e6);
    expect(cost["gpt-4.1-mini"]).toBeLessThan(cost["gpt-4o-mini"]);
  });

  it("a max_tokens too small for the task and its image is named so, by the models that may take it, not by a disabled one that counts the image smaller", () => {
    const messages = request(1, dataUrl(png(1024, 1024)));
    const images = imagesOf(messages);
    const tight = analyse({ task: text, images, constraints: { maxTokens: 1200 } });
    const fleet = [model("gpt-4.1", { enabled: false, imageInput: true }), model("claude-sonnet-4-20250514", { contextWindow: 200_000, imageInput: true })];
    const r = route(tight, fleet, ctx({ needs: ["images"], imageTokens: (id) => imageTokensOn(id, images) }));
    // gpt-4.1 counts the image 765, Claude 1,399: only Claude may take it, so the task needs more than 1,200.
    expect(r).toMatchObject({ refused: true, code: "max_tokens_too_small" });
    expect((r as { message: string }).message).toMatch(/the task alone is about \d+ tokens/);
  });
});

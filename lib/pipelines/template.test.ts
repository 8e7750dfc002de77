import { describe, expect, it } from "vitest";
import type { StepDef } from "./schemas";
import { renderTemplate, staticText, stepRefs } from "./template";
import { findCycle, stagesOf, validateSteps, type ModelInfo } from "./validate";

const step = (key: string, template: string, group: number, extra: Partial<StepDef> = {}): StepDef => ({ key, kind: "prompt", model: "auto", template, group, ...extra });
const fleet = new Map<string, ModelInfo>([
  ["cheap", { name: "cheap", enabled: true, inputPriceMicros: 150_000, outputPriceMicros: 600_000 }],
  ["dear", { name: "dear", enabled: true, inputPriceMicros: 15_000_000, outputPriceMicros: 75_000_000, maxOutputTokens: 8192 }],
]);

describe("templates", () => {
  it("fills {{input}} and {{steps.KEY}} / {{steps.KEY.output}}, tolerating spaces", () => {
    expect(renderTemplate("A {{ input }} B {{steps.s1}} C {{steps.s1.output}}", { input: "in", steps: { s1: "out" } })).toBe("A in B out C out");
  });
  it("refuses to fill a step that has no output instead of sending an empty prompt", () => {
    expect(() => renderTemplate("{{steps.later}}", { input: "", steps: {} })).toThrow("has no output yet");
  });
  it("lists step references once and strips placeholders for the fixed text", () => {
    expect(stepRefs("{{steps.a}} {{steps.b.output}} {{steps.a}} {{input}}")).toEqual(["a", "b"]);
    expect(staticText("Hi {{input}}!")).toBe("Hi !");
  });
});

describe("definition checks", () => {
  it("accepts the seed's summarise → analyse → optimise chain", () => {
    const ok = validateSteps([step("s", "{{input}}", 0), step("a", "{{steps.s}}", 1), step("o", "{{steps.s}} {{steps.a}}", 2)], fleet);
    expect(ok).toEqual({});
  });
  it("names the missing step, the cycle, and reads of parallel or later steps", () => {
    expect(validateSteps([step("a", "{{steps.zz}}", 0)], fleet)["steps.0.template"][0]).toContain('missing step "zz"');
    expect(findCycle([step("a", "{{steps.c}}", 0), step("b", "{{steps.a}}", 1), step("c", "{{steps.b}}", 2)])).toEqual(["a", "c", "b", "a"]);
    expect(validateSteps([step("a", "{{input}}", 0), step("b", "{{steps.a}}", 0)], fleet)["steps.1.template"][0]).toContain("parallel");
    expect(validateSteps([step("a", "{{steps.a}}", 0)], fleet)["steps.0.template"][0]).toContain("its own output");
  });
  it("refuses duplicate keys and unknown models, but not auto", () => {
    const e = validateSteps([step("a", "{{input}}", 0, { model: "nope" }), step("a", "{{input}}", 1)], fleet);
    expect(e["steps.1.key"][0]).toContain("unique");
    expect(e["steps.0.model"][0]).toContain('Unknown model "nope"');
  });
  it("refuses a cap the fixed text already exceeds on the named model, and allows it on a cheap one", () => {
    const text = "x".repeat(4000); // 1,000 tokens
    // In dollars, as the cap is typed: 1,000 tokens at $15/M and one at $75/M is $0.015075.
    expect(validateSteps([step("a", text, 0, { model: "dear", maxCostMicros: 1000 })], fleet)["steps.0.maxCostMicros"][0]).toBe(
      'Step "a" is over its cost cap: the template\'s fixed text alone costs at least $0.02 on dear, more than the cap of $0.0010. Raise the cap or pick a cheaper model.',
    );
    expect(validateSteps([step("a", text, 0, { model: "dear", maxCostMicros: 15_070 })], fleet)["steps.0.maxCostMicros"][0]).toContain("costs at least $0.01508 on dear, more than the cap of $0.01507.");
    expect(validateSteps([step("a", text, 0, { model: "cheap", maxCostMicros: 1000 })], fleet)).toEqual({});
  });
  it("refuses an output limit above what the step's named model answers in one response; auto and a model of unknown limit pass", () => {
    expect(validateSteps([step("a", "{{input}}", 0, { model: "dear", maxOutputTokens: 10_000 })], fleet)["steps.0.maxOutputTokens"]).toEqual([
      'dear answers at most 8,192 tokens in one response, below this step\'s output limit of 10,000. Lower the limit to 8,192 or less, or choose another model or "auto".',
    ]);
    expect(validateSteps([step("a", "{{input}}", 0, { kind: "synthesis", model: "dear", strongModel: "cheap", maxOutputTokens: 10_000 })], fleet)["steps.0.maxOutputTokens"]).toHaveLength(1);
    expect(validateSteps([step("a", "{{input}}", 0, { model: "dear", maxOutputTokens: 8192 })], fleet)).toEqual({});
    expect(validateSteps([step("a", "{{input}}", 0, { model: "cheap", maxOutputTokens: 30_000 }), step("b", "{{input}}", 0, { maxOutputTokens: 30_000 })], fleet)).toEqual({});
  });
  it("orders stages by group number", () => {
    expect(stagesOf([step("b", "", 2), step("a", "", 0), step("c", "", 2)]).map((s) => s.map((x) => x.key))).toEqual([["a"], ["b", "c"]]);
  });
});

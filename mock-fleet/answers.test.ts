import { describe, expect, it } from "vitest";
import { answerFor, answersCorrectly, forcedToolCall, TIER_ACCURACY, type Tier } from "./answers";
import { gradeAnswer, parseTask } from "./grader";

const letters = (i: number) => i.toString(26).replace(/[0-9]/g, (d) => "qrstuvwxyz"[Number(d)]);
const prompts = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    i % 3 === 0
      ? `What is ${i + 12} * ${(i % 17) + 3}?`
      : i % 3 === 1
        ? `Reverse the word "${letters(i * 7919)}"`
        : `Sort these numbers: ${i}, ${(i * 7) % 13}, ${i % 5}, 42`,
  );

describe("parseTask and gradeAnswer", () => {
  it("recognises the three checkable families", () => {
    expect(parseTask("What is 17 * 23?")).toMatchObject({ kind: "arithmetic", expected: 391 });
    expect(parseTask("what is 10 / 4")).toMatchObject({ expected: 2.5 });
    expect(parseTask("Please reverse the word 'kayak'")).toMatchObject({ kind: "reverse", expected: "kayak" });
    expect(parseTask("Sort these numbers: 3, -1, 2.5")).toMatchObject({ kind: "sort", expected: [-1, 2.5, 3] });
    expect(parseTask("Sort these numbers in descending order: 1 3 2")).toMatchObject({ expected: [3, 2, 1] });
    expect(parseTask("Write a haiku about spring")).toBeNull();
  });

  it("grades right answers 1, wrong answers 0, other prompts null", () => {
    expect(gradeAnswer("What is 17 * 23?", "17 * 23 = 391")).toBe(1);
    expect(gradeAnswer("What is 17 * 23?", "The answer is 391.")).toBe(1);
    expect(gradeAnswer("What is 17 * 23?", "17 * 23 = 392")).toBe(0);
    expect(gradeAnswer("Reverse the word hello", 'It is "olleh".')).toBe(1);
    expect(gradeAnswer("Reverse the word hello", "olelh")).toBe(0);
    expect(gradeAnswer("Sort these numbers: 3, 1, 2", "Sorted: 1, 2, 3")).toBe(1);
    expect(gradeAnswer("Sort these numbers: 3, 1, 2", "Sorted: 1, 3, 2")).toBe(0);
    expect(gradeAnswer("Sort these numbers: 3, 1, 2", "Sorted: 1, 2")).toBe(0);
    expect(gradeAnswer("Write a haiku", "anything")).toBeNull();
  });
});

describe("answerFor", () => {
  it("is a deterministic function of (model, prompt)", () => {
    expect(answerFor("gpt-4.1", "high", "Explain DNS.")).toBe(answerFor("gpt-4.1", "high", "Explain DNS."));
    expect(answerFor("gpt-4.1", "high", "Explain DNS.")).not.toBe(answerFor("grok-3", "high", "Explain DNS."));
  });

  it("solves checkable tasks at roughly the tier's accuracy, and wrong answers grade 0", () => {
    const ps = prompts(900);
    expect(new Set(ps).size).toBe(ps.length);
    const rate: Record<string, number> = {};
    for (const tier of ["high", "medium", "low", "local"] as Tier[]) {
      const model = `model-${tier}`;
      let right = 0;
      for (const p of ps) {
        const grade = gradeAnswer(p, answerFor(model, tier, p));
        expect(grade).toBe(answersCorrectly(model, tier, p) ? 1 : 0);
        right += grade!;
      }
      rate[tier] = right / ps.length;
      expect(Math.abs(rate[tier] - TIER_ACCURACY[tier])).toBeLessThan(0.06);
    }
    expect(rate.high).toBeGreaterThan(rate.medium);
    expect(rate.medium).toBeGreaterThan(rate.low);
  });

  it("writes more detail for higher tiers on open prompts", () => {
    const p = "How should we structure the onboarding docs?";
    const len = (t: Tier) => answerFor("m", t, p).length;
    expect(len("high")).toBeGreaterThan(len("medium"));
    expect(len("medium")).toBeGreaterThan(len("low"));
    expect(answerFor("m", "high", p)).toContain("Key points:");
    expect(answerFor("m", "low", p)).toContain("(m)");
  });
});

describe("forcedToolCall", () => {
  const weather = { name: "get_weather", schema: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] }, note: { type: "string" } }, required: ["city", "days", "unit"] } };
  const time = { name: "get_time", schema: { type: "object", properties: {} } };

  it("calls the named tool, else the first, with its required properties filled from the prompt", () => {
    const prompt = "What will the weather be for 3 days in Paris?";
    expect(forcedToolCall([weather, time], null, prompt)).toEqual({ name: "get_weather", input: { city: "Paris", days: 3, unit: "celsius" } });
    expect(forcedToolCall([weather, time], "get_time", prompt)).toEqual({ name: "get_time", input: {} });
    expect(forcedToolCall([weather, time], null, prompt)).toEqual(forcedToolCall([weather, time], null, prompt));
  });

  it("gives a tool without a schema an empty input", () => {
    expect(forcedToolCall([{ name: "ping", schema: undefined }], "ping", "hello")).toEqual({ name: "ping", input: {} });
  });

  it("writes the answer into a tool whose schema is any object (JSON mode sent as a tool)", () => {
    expect(forcedToolCall([{ name: "json_answer", schema: { type: "object" } }], null, "What is 2 + 2?", "2 + 2 = 4")).toEqual({ name: "json_answer", input: { answer: "2 + 2 = 4" } });
    expect(forcedToolCall([time], null, "What time is it?", "noon")).toEqual({ name: "get_time", input: {} });
  });
});

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OutcomesFileError, parseReplayFile } from "./outcomes-file";
import { simulateOutcomes } from "./replay";

const line = (outcomes: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ prompt: "What is 2 + 2?", outcomes, ...extra });
const good = (i: number) => line({ "gpt-4": { score: i % 2, cost_usd: 0.01 }, small: { score: 1, cost_usd: 0.0001 } }, { id: `p${i}`, prompt: `What is ${i} + ${i}?` });
/** 25 good lines with line `at` (1-based) replaced. */
const fileWith = (at: number, bad: string) => Array.from({ length: 25 }, (_, i) => (i + 1 === at ? bad : good(i))).join("\n");

/** The message parseReplayFile throws for `text`. */
function problem(text: string): string {
  try {
    parseReplayFile(text);
  } catch (e) {
    expect(e).toBeInstanceOf(OutcomesFileError);
    return (e as Error).message;
  }
  throw new Error("the file was accepted");
}

describe("parseReplayFile", () => {
  it("reads good lines, keeping ids and only score and cost_usd of each outcome", () => {
    const rows = parseReplayFile([good(0), "", line({ a: { score: 0.5, cost_usd: 0, note: "x" } }, { dataset: "d" })].join("\n"));
    expect(rows).toEqual([
      { id: "p0", prompt: "What is 0 + 0?", outcomes: { "gpt-4": { score: 0, cost_usd: 0.01 }, small: { score: 1, cost_usd: 0.0001 } } },
      { id: "3", prompt: "What is 2 + 2?", outcomes: { a: { score: 0.5, cost_usd: 0 } } },
    ]);
  });

  it("refuses scores outside 0..1, naming the line, the model and the value", () => {
    expect(problem(fileWith(3, line({ "gpt-4": { score: 5, cost_usd: 0.01 } })))).toBe("line 3: outcomes.gpt-4.score must be between 0 and 1 (got 5)");
    expect(problem(fileWith(1, line({ m: { score: -3, cost_usd: 0.01 } })))).toMatch(/^line 1: outcomes\.m\.score must be between 0 and 1 \(got -3\)$/);
    expect(problem(fileWith(2, line({ m: { score: "1", cost_usd: 0.01 } })))).toMatch(/^line 2: outcomes\.m\.score must be a number between 0 and 1 \(got "1"\)/);
    expect(problem(fileWith(2, line({ m: { cost_usd: 0.01 } })))).toMatch(/^line 2: outcomes\.m\.score must be a number .*\(got nothing\)/);
    // JSON has no Infinity, but 1e999 parses to it.
    expect(problem(fileWith(4, '{"prompt":"x","outcomes":{"m":{"score":1e999,"cost_usd":0}}}'))).toMatch(/^line 4: outcomes\.m\.score must be between 0 and 1 \(got Infinity\)/);
  });

  it("refuses negative, infinite and absurd costs", () => {
    expect(problem(fileWith(5, line({ m: { score: 1, cost_usd: -1 } })))).toMatch(/^line 5: outcomes\.m\.cost_usd must be 0 or more and finite.*\(got -1\)$/);
    expect(problem(fileWith(5, line({ m: { score: 1, cost_usd: 1e12 } })))).toMatch(/^line 5: outcomes\.m\.cost_usd must be 0 or more and finite.*\(got 1000000000000\)$/);
    expect(problem(fileWith(5, '{"prompt":"x","outcomes":{"m":{"score":1,"cost_usd":1e999}}}'))).toMatch(/cost_usd must be 0 or more and finite.*\(got Infinity\)/);
    expect(problem(fileWith(5, line({ m: { score: 1, cost_usd: null } })))).toMatch(/^line 5: outcomes\.m\.cost_usd must be a number .*\(got null\)$/);
  });

  it("says what is wrong with a line's shape instead of throwing a JavaScript error", () => {
    expect(problem(fileWith(1, line({})))).toBe("line 1: outcomes is empty; each line needs at least one model's {score, cost_usd}");
    expect(problem(fileWith(2, JSON.stringify({ outcomes: { m: { score: 1, cost_usd: 0 } } })))).toMatch(/^line 2: has no "prompt"/);
    expect(problem(fileWith(2, JSON.stringify({ prompt: 7, outcomes: { m: { score: 1, cost_usd: 0 } } })))).toMatch(/^line 2: prompt must be a string \(got 7\)/);
    expect(problem(fileWith(3, JSON.stringify({ prompt: "x" })))).toMatch(/^line 3: has no "outcomes"/);
    expect(problem(fileWith(3, line([{ score: 1, cost_usd: 0 }])))).toMatch(/^line 3: outcomes must be an object .*\(got a list\)/);
    expect(problem(fileWith(3, line({ m: 1 })))).toMatch(/^line 3: outcomes\.m must be an object .*\(got 1\)/);
    expect(problem(fileWith(3, line({ m: null })))).toMatch(/^line 3: outcomes\.m must be an object .*\(got null\)/);
    for (const notObject of ["null", "5", '"text"', "[]"]) expect(problem(fileWith(6, notObject))).toMatch(/^line 6: must be a JSON object/);
    expect(problem(fileWith(7, "{not json"))).toMatch(/^line 7: not JSON/);
  });

  it("refuses model names the learner cannot key by", () => {
    expect(problem(fileWith(1, line({ " ": { score: 1, cost_usd: 0 } })))).toMatch(/^line 1: outcomes has a model with an empty name/);
    for (const name of ["__proto__", "constructor", "toString"]) {
      expect(problem(fileWith(1, `{"prompt":"x","outcomes":{"${name}":{"score":1,"cost_usd":0}}}`))).toBe(`line 1: model name "${name}" is reserved; rename the model`);
    }
  });

  it("lists the first five bad lines and counts the rest; prefixes the file name when given", () => {
    const text = Array.from({ length: 25 }, () => line({ m: { score: 2, cost_usd: 0 } })).join("\n");
    const msg = problem(text);
    expect(msg.split("\n")).toHaveLength(6);
    expect(msg).toMatch(/^line 1: .*\nline 2: [^]*line 5: [^]*\n… and 20 more bad lines\.$/);
    try {
      parseReplayFile(text, "train.jsonl");
    } catch (e) {
      expect((e as OutcomesFileError).problems).toHaveLength(25);
      expect((e as Error).message).toMatch(/^train\.jsonl line 1: /);
    }
  });

  it("accepts models that differ between lines, and refuses a file with no lines", () => {
    const rows = parseReplayFile([line({ a: { score: 1, cost_usd: 0 } }), line({ b: { score: 0, cost_usd: 1 } })].join("\n"));
    expect(rows.map((r) => Object.keys(r.outcomes))).toEqual([["a"], ["b"]]);
    expect(problem("\n \n")).toMatch(/has no lines/);
  });

  // The data lives beside the checkout (docs/routing.md); skipped, not passed, where it is absent.
  const data = path.resolve(__dirname, "../../../shared/data/routing/routerbench-train.jsonl");
  it.skipIf(!existsSync(data))("accepts every line of the RouterBench data file", () => {
    const rows = parseReplayFile(readFileSync(data, "utf8"), data);
    expect(rows).toHaveLength(2205);
    expect(new Set(rows.flatMap((r) => Object.keys(r.outcomes))).size).toBe(11);
  });
});

describe("simulateOutcomes", () => {
  it("simulates nothing from a file with an impossible value", () => {
    const text = Array.from({ length: 25 }, (_, i) => line({ "gpt-4": { score: i % 2 ? 5 : -3, cost_usd: i % 2 ? -1 : 1e12 } })).join("\n");
    expect(() => simulateOutcomes(text, { knobs: [0.5] })).toThrow(/^line 1: outcomes\.gpt-4\.score must be between 0 and 1 \(got -3\)/);
  });

  it("says how many prompts a too-short file has, in words that fit the count", () => {
    const one = line({ "gpt-4": { score: 1, cost_usd: 0.01 } });
    expect(() => simulateOutcomes(one, { knobs: [0.5] })).toThrow("The file has 1 prompt; at least 20 are needed to hold some out.");
    expect(() => simulateOutcomes([one, one].join("\n"), { knobs: [0.5] })).toThrow("The file has 2 prompts; at least 20");
  });

  it("explains empty outcomes instead of failing inside the replay", () => {
    expect(() => simulateOutcomes(Array.from({ length: 25 }, () => line({})).join("\n"), { knobs: [0.5] })).toThrow(/^line 1: outcomes is empty/);
  });
});

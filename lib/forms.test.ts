import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldErrorsOf, formNumber, listInWords, plainIssue, summarizeFieldErrors, typedNumber } from "./forms";

const errorsOf = (schema: z.ZodType, input: unknown, nested = false) => {
  const r = schema.safeParse(input, { error: plainIssue });
  if (r.success) throw new Error(`accepted ${JSON.stringify(input)}`);
  return fieldErrorsOf(r.error, { nested });
};

describe("plainIssue", () => {
  const bare = z.object({ n: z.coerce.number().int().min(1).max(10_000), s: z.string().min(2).max(5), e: z.enum(["thumbs", "stars"]), id: z.uuid(), mail: z.email() });

  it("words the checks a schema left without a message", () => {
    expect(errorsOf(bare, { n: "0", s: "x", e: "hearts", id: "nope", mail: "nope" })).toEqual({
      n: ["Enter a number of at least 1."],
      s: ["Use at least 2 characters."],
      e: ["Choose one of: thumbs, stars."],
      id: ["Choose one from the list."],
      mail: ["Enter a valid email address, like ada@example.com."],
    });
    expect(errorsOf(bare.pick({ n: true }), { n: "abc" }).n).toEqual(["Enter a number."]);
    expect(errorsOf(bare.pick({ n: true }), { n: "1e9" }).n).toEqual(["Enter a number no more than 10,000."]);
    expect(errorsOf(bare.pick({ n: true }), { n: "2.5" }).n).toEqual(["Enter a whole number."]);
    expect(errorsOf(bare.pick({ s: true }), { s: "toolong" }).s).toEqual(["Use at most 5 characters."]);
  });

  it("leaves a message written in the schema alone", () => {
    expect(errorsOf(z.object({ n: z.coerce.number().min(1, "At least one, please.") }), { n: "0" }).n).toEqual(["At least one, please."]);
  });

  it("never says zod's own words for numbers", () => {
    for (const n of ["abc", "", "-5", "1e400", "0.5"]) {
      const msg = errorsOf(z.object({ n: z.preprocess(typedNumber, z.number().int().min(1).max(100)) }), { n }).n[0];
      expect(msg, n).not.toMatch(/Invalid input|Too (small|big)|expected/);
    }
  });
});

describe("typedNumber with formNumber", () => {
  const cap = z.preprocess(typedNumber, formNumber({ required: "Enter an amount.", notNumber: "Enter a number of dollars." }).min(0, "Not below 0.").max(10_000, "At most 10,000."));

  it("reads an empty field as missing, not as 0", () => {
    expect(cap.safeParse("").error?.issues[0].message).toBe("Enter an amount.");
    expect(cap.safeParse("   ").error?.issues[0].message).toBe("Enter an amount.");
    expect(cap.safeParse(undefined).error?.issues[0].message).toBe("Enter an amount.");
    expect(cap.parse("0")).toBe(0);
  });

  it("tells a word from a number that is too big", () => {
    expect(cap.safeParse("abc").error?.issues[0].message).toBe("Enter a number of dollars.");
    expect(cap.safeParse("1e9").error?.issues[0].message).toBe("At most 10,000.");
    expect(cap.safeParse("1e400").error?.issues[0].message).toBe("At most 10,000.");
    expect(cap.safeParse("-1e400").error?.issues[0].message).toBe("Not below 0.");
  });

  it("takes what people type into a dollar field", () => {
    expect(cap.parse(" 12.50 ")).toBe(12.5);
    expect(cap.parse("$3")).toBe(3);
    expect(cap.parse(7)).toBe(7);
  });
});

describe("summarizeFieldErrors", () => {
  it("names the field by its label, not its code name", () => {
    expect(summarizeFieldErrors({ explorationCapDollars: ["Enter a number of dollars from 0 to 10,000."] }, { explorationCapDollars: "Exploration cap" })).toBe(
      "Exploration cap: Enter a number of dollars from 0 to 10,000.",
    );
    expect(summarizeFieldErrors({ "steps.0.maxCostUsd": ["Enter a number of dollars."] }, (f) => (f.startsWith("steps.0.") ? "Step 1 cost cap" : undefined))).toBe("Step 1 cost cap: Enter a number of dollars.");
  });

  it("counts the other fields to fix", () => {
    expect(summarizeFieldErrors({ a: ["Fill this in."], b: ["x"] }, { a: "Name" })).toBe("Name: Fill this in. Also fix 1 more highlighted field.");
    expect(summarizeFieldErrors({ a: ["Fill this in."], b: ["x"], c: ["y"] }, { a: "Name" })).toBe("Name: Fill this in. Also fix 2 more highlighted fields.");
  });

  it("never shows a code name, labelled or not", () => {
    expect(summarizeFieldErrors({ limitUsd: ["The limit must be more than $0."] })).toBe("The limit must be more than $0.");
    expect(summarizeFieldErrors({})).toBe("Fix the highlighted fields.");
  });
});

describe("fieldErrorsOf", () => {
  const s = z.object({ steps: z.array(z.object({ key: z.string().min(1, "Give a key.") })), tags: z.array(z.string().max(2, "Short tags.")) });
  it("keys errors by top-level field for flat forms and by path for nested ones", () => {
    const input = { steps: [{ key: "a" }, { key: "" }], tags: ["abc"] };
    expect(errorsOf(s, input)).toEqual({ steps: ["Give a key."], tags: ["Short tags."] });
    expect(errorsOf(s, input, true)).toEqual({ "steps.1.key": ["Give a key."], "tags.0": ["Short tags."] });
  });
});

it("listInWords", () => {
  expect([[], ["a"], ["a", "b"], ["a", "b", "c"]].map(listInWords)).toEqual(["", "a", "a and b", "a, b and c"]);
});

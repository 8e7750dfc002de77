import { describe, expect, it } from "vitest";
import { DOMAINS } from "@/lib/analysis/types";
import { fieldErrorsOf, plainIssue, summarizeFieldErrors } from "@/lib/forms";
import { apiKeyHint, modelLabels, routingSettingsLabels, routingSettingsSchema, storedBaseUrl, updateModelSchema } from "./schemas";

const modelForm = { modelId: crypto.randomUUID(), enabled: "on", contextWindow: "128000", inputPrice: "0.15", outputPrice: "0.6", cachedInputPrice: "", strengths: "chat, summary", optimalFor: "chat", costTier: "low" };
const routingForm = { qualityVsCost: "0.5", explorationCapDollars: "0.02", judgeModel: "" };

/** What the form shows: the field's own message and the summary line. */
function refusal(schema: typeof updateModelSchema | typeof routingSettingsSchema, input: unknown, labels: Record<string, string>) {
  const r = schema.safeParse(input, { error: plainIssue });
  if (r.success) throw new Error(`accepted ${JSON.stringify(input)}`);
  const fieldErrors = fieldErrorsOf(r.error);
  return { fieldErrors, summary: summarizeFieldErrors(fieldErrors, labels) };
}

describe("model form", () => {
  it("refuses strengths the analyser never produces, naming them and the valid ones", () => {
    const { fieldErrors, summary } = refusal(updateModelSchema, { ...modelForm, strengths: "cooking, nonsense" }, modelLabels);
    expect(fieldErrors.strengths[0]).toBe(`"cooking" and "nonsense" are not domains the router knows. Use any of: ${DOMAINS.join(", ")}.`);
    expect(summary).toMatch(/^Strengths: "cooking" and "nonsense" are not domains/);
    expect(refusal(updateModelSchema, { ...modelForm, optimalFor: "chat, poetry" }, modelLabels).fieldErrors.optimalFor[0]).toMatch(/^"poetry" is not a domain the router knows/);
  });

  it("keeps valid domains, tidied: any case, commas or spaces, no repeats", () => {
    expect(updateModelSchema.parse({ ...modelForm, strengths: " Code,debug  code ,, MATH" }).strengths).toEqual(["code", "debug", "math"]);
    expect(updateModelSchema.parse({ ...modelForm, strengths: "" }).strengths).toEqual([]);
    expect(updateModelSchema.parse({ ...modelForm, strengths: [...DOMAINS] }).strengths).toEqual([...DOMAINS]);
  });

  it("an emptied price is required, not $0; an empty cached price means not billed", () => {
    expect(refusal(updateModelSchema, { ...modelForm, inputPrice: "" }, modelLabels).summary).toBe("Input $/M: Enter a price in dollars per million tokens, e.g. 2.50 (0 if it is free).");
    expect(updateModelSchema.parse(modelForm)).toMatchObject({ inputPrice: 150_000, outputPrice: 600_000, cachedInputPrice: null });
    expect(updateModelSchema.parse({ ...modelForm, inputPrice: "0" }).inputPrice).toBe(0);
  });

  it("explains a bad context window in words", () => {
    expect(refusal(updateModelSchema, { ...modelForm, contextWindow: "lots" }, modelLabels).summary).toBe("Context window: Enter the context window in tokens, e.g. 128000.");
    expect(refusal(updateModelSchema, { ...modelForm, contextWindow: "1e308" }, modelLabels).fieldErrors.contextWindow[0]).toBe("Context windows are at most 10,000,000 tokens.");
  });

  it("max output tokens: empty is unknown (null), not sent is left as it is, else a positive whole number, refused in words", () => {
    expect(updateModelSchema.parse(modelForm).maxOutputTokens).toBeUndefined();
    expect(updateModelSchema.parse({ ...modelForm, maxOutputTokens: "" }).maxOutputTokens).toBeNull();
    expect(updateModelSchema.parse({ ...modelForm, maxOutputTokens: " " }).maxOutputTokens).toBeNull();
    expect(updateModelSchema.parse({ ...modelForm, maxOutputTokens: "16384" }).maxOutputTokens).toBe(16_384);
    const positive = "An answer may have at least 1 token: enter a positive number, or leave it empty if unknown.";
    expect(refusal(updateModelSchema, { ...modelForm, maxOutputTokens: "0" }, modelLabels).summary).toBe(`Max output tokens: ${positive}`);
    expect(refusal(updateModelSchema, { ...modelForm, maxOutputTokens: "-5" }, modelLabels).fieldErrors.maxOutputTokens[0]).toBe(positive);
    expect(refusal(updateModelSchema, { ...modelForm, maxOutputTokens: "8k" }, modelLabels).fieldErrors.maxOutputTokens[0]).toBe("Enter the most tokens one answer may have, e.g. 32768, or leave it empty if unknown.");
    expect(refusal(updateModelSchema, { ...modelForm, maxOutputTokens: "1.5" }, modelLabels).fieldErrors.maxOutputTokens[0]).toBe("Use a whole number of tokens.");
  });
});

describe("routing settings form", () => {
  const cap = (explorationCapDollars: string) => refusal(routingSettingsSchema, { ...routingForm, explorationCapDollars }, routingSettingsLabels);

  it("an emptied exploration cap is required, not a silent $0", () => {
    expect(cap("").summary).toBe("Exploration cap: Enter an amount in dollars, e.g. 0.02; 0 turns exploration off.");
    expect(routingSettingsSchema.parse({ ...routingForm, explorationCapDollars: "0" }).explorationCapDollars).toBe(0);
  });

  it("says what a valid cap is for words, huge and negative amounts", () => {
    for (const v of ["abc", "1e9", "-1", "1e400"]) {
      expect(cap(v).summary, v).toBe("Exploration cap: Enter a number of dollars from 0 to 10,000; 0 turns exploration off.");
    }
  });
});

describe("provider form", () => {
  it("completes Ollama's usual address to the /v1 endpoint the OpenAI SDK needs, and leaves other kinds alone", () => {
    for (const typed of ["http://127.0.0.1:11434", "http://127.0.0.1:11434/", "http://127.0.0.1:11434/api", "http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/v1/"]) {
      expect(storedBaseUrl("ollama", typed), typed).toBe("http://127.0.0.1:11434/v1");
    }
    expect(storedBaseUrl("ollama", "https://gpu.example.com/ollama")).toBe("https://gpu.example.com/ollama/v1");
    expect(storedBaseUrl("anthropic", "https://api.anthropic.com")).toBe("https://api.anthropic.com");
    expect(storedBaseUrl("openai_compatible", "http://127.0.0.1:8000")).toBe("http://127.0.0.1:8000");
  });

  it("hints at the last four characters of a long key only", () => {
    expect(apiKeyHint("sk-abcdefgh9876")).toBe("9876");
    expect(apiKeyHint("abcdefghijkl")).toBe("ijkl");
    expect(apiKeyHint("abcdefghijk")).toBeNull();
    expect(apiKeyHint("abc")).toBeNull();
  });
});

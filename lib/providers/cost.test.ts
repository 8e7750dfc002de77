import { describe, expect, it } from "vitest";
import { imagesIn } from "../../mock-fleet/images";
import { dataUrl, png } from "../../mock-fleet/test-images";
import * as fleetTokens from "../../mock-fleet/tokens";
import { findCatalogModel } from "./catalog";
import fc from "fast-check";
import { costMicros, estimateMessagesTokens, estimateTokens, maxCostMicros, outputTokensWithin, promptTokensAtMost } from "./cost";
import { utf8Bytes } from "./tokens";

const gpt41 = findCatalogModel("gpt-4.1")!; // $2 in, $8 out, $0.50 cached
const mini = { inputPerMTokMicros: 150_000, outputPerMTokMicros: 600_000, cachedInputPerMTokMicros: 75_000 };
const noCache = { inputPerMTokMicros: 2_000_000, outputPerMTokMicros: 6_000_000, cachedInputPerMTokMicros: null };

describe("costMicros", () => {
  it("prices input and output per million tokens in integer micro-dollars", () => {
    // 1000 × $2/M + 500 × $8/M = $0.002 + $0.004
    expect(costMicros({ inputTokens: 1000, outputTokens: 500 }, gpt41)).toBe(6000);
    expect(costMicros({ inputTokens: 1_000_000, outputTokens: 1_000_000 }, gpt41)).toBe(10_000_000);
    expect(costMicros({ inputTokens: 0, outputTokens: 0 }, gpt41)).toBe(0);
  });

  it("rounds half up once, on the total", () => {
    expect(costMicros({ inputTokens: 1, outputTokens: 0 }, mini)).toBe(0); // 0.15 µ$
    expect(costMicros({ inputTokens: 4, outputTokens: 0 }, mini)).toBe(1); // 0.6 µ$
    expect(costMicros({ inputTokens: 10, outputTokens: 0 }, mini)).toBe(2); // 1.5 µ$ → 2
    expect(costMicros({ inputTokens: 3, outputTokens: 0 }, { ...mini, inputPerMTokMicros: 500_000 })).toBe(2); // 1.5 → 2
    // Parts of 0.45 µ$ each would round to 0 separately; the sum 0.9 rounds to 1.
    expect(costMicros({ inputTokens: 3, outputTokens: 1 }, { ...mini, outputPerMTokMicros: 450_000 })).toBe(1);
  });

  it("bills cached input at the cached price, and at the input price when there is none", () => {
    // 600 × $2/M + 400 × $0.50/M + 0 = 1200 + 200
    expect(costMicros({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 0 }, gpt41)).toBe(1400);
    expect(costMicros({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 0 }, noCache)).toBe(2000);
  });

  it("stays exact beyond 2^53 intermediate products", () => {
    const opus = { inputPerMTokMicros: 15_000_000, outputPerMTokMicros: 75_000_000, cachedInputPerMTokMicros: null };
    expect(costMicros({ inputTokens: 1_000_000_001, outputTokens: 3 }, opus)).toBe(15_000_000_015 + 225); // 1.5e16 µ$·tok before scaling
  });

  it("rejects negative, fractional or inconsistent counts", () => {
    expect(() => costMicros({ inputTokens: -1, outputTokens: 0 }, gpt41)).toThrow(RangeError);
    expect(() => costMicros({ inputTokens: 1.5, outputTokens: 0 }, gpt41)).toThrow(RangeError);
    expect(() => costMicros({ inputTokens: 10, outputTokens: 0, cachedInputTokens: 11 }, gpt41)).toThrow(/exceeds/);
  });
});

describe("maxCostMicros", () => {
  it("rounds up, so a reservation always covers the settled cost", () => {
    expect(maxCostMicros(1, 0, mini)).toBe(1);
    expect(maxCostMicros(1000, 4096, gpt41)).toBe(2000 + 32_768);
    for (const [p, o] of [[7, 3], [123, 45], [9999, 1]] as const) {
      expect(maxCostMicros(p, o, mini)).toBeGreaterThanOrEqual(costMicros({ inputTokens: p, outputTokens: o }, mini));
    }
  });
});

describe("estimateTokens", () => {
  it("is ceil(chars / 4) for text without wide characters", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("abc")).toBe(1);
    expect(estimateTokens("abcd")).toBe(1);
    expect(estimateTokens("abcde")).toBe(2);
    expect(estimateMessagesTokens([{ content: "abcd" }, { content: "" }])).toBe(3 + 4 + 1 + 4);
  });

  it("counts a wide character (CJK, kana, hangul) as a token, not a quarter of one", () => {
    // What vendors' tokenizers come close to; at chars / 4 a Chinese prompt's hold was a quarter of its cost.
    expect(estimateTokens("请把这段话翻译成英文")).toBe(10);
    expect(estimateTokens("日本語のテキスト")).toBe(8);
    expect(estimateTokens("안녕하세요")).toBe(5);
    expect(estimateTokens("Translate: 你好")).toBe(Math.ceil(11 / 4 + 2));
  });

  it("agrees exactly with the mock fleet's billing rule", () => {
    const texts = ["", "a", "What is 17 * 23?", "x".repeat(1001), "héllo wörld ✓", "请把这段话翻译成英文", "Mixed 日本語 text 🙂"];
    for (const t of texts) expect(estimateTokens(t)).toBe(fleetTokens.estimateTokens(t));
    const msgs = texts.map((content) => ({ content }));
    expect(estimateMessagesTokens(msgs)).toBe(fleetTokens.estimateMessagesTokens(msgs));
    const image = { type: "image_url" as const, image_url: { url: dataUrl(png(1024, 1024)) } };
    const withImages = [{ content: "Compare these", parts: [{ type: "text" as const, text: "Compare these" }, image, image] }];
    for (const model of ["gpt-4.1", "gpt-4o-mini", "claude-sonnet-4-20250514"]) {
      expect(estimateMessagesTokens(withImages, model)).toBe(fleetTokens.estimateMessagesTokens([{ content: "Compare these", images: imagesIn({ content: withImages[0].parts }) }], model));
    }
  });
});

describe("promptTokensAtMost (what a budget hold is sized by)", () => {
  it("counts UTF-8 bytes as Node does, for any well-formed text (every plane, surrogate pairs)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        if (/\p{Cs}/u.test(s)) return; // a lone half is not text a vendor reads
        expect(utf8Bytes(s)).toBe(Buffer.byteLength(s));
      }),
      { numRuns: 2000 },
    );
  });

  it("is never below the estimate, and counts what the estimate leaves out: tool definitions and tool calls", () => {
    const msg = fc.record({ content: fc.string({ unit: "binary" }), name: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }) });
    fc.assert(fc.property(fc.array(msg, { maxLength: 5 }), (messages) => {
        expect(promptTokensAtMost(messages)).toBeGreaterThanOrEqual(estimateMessagesTokens(messages));
      }),
    );
    const tools = [{ type: "function", function: { name: "lookup_order", parameters: { type: "object", properties: { id: { type: "string" } } } } }];
    const plain = [{ content: "Where is order 42?" }];
    expect(promptTokensAtMost(plain, tools)).toBe(promptTokensAtMost(plain) + Buffer.byteLength(JSON.stringify(tools)));
    const calls = [{ id: "c1", type: "function", function: { name: "lookup_order", arguments: '{"id":"42"}' } }];
    expect(promptTokensAtMost([...plain, { content: "", tool_calls: calls }])).toBe(promptTokensAtMost([...plain, { content: "" }]) + JSON.stringify(calls).length);
  });

  it("agrees with the mock fleet's one-token-per-byte billing, so a hold covers what such a vendor bills", () => {
    const messages = [{ content: "Résumé — 概要 🚀 ".repeat(40) }, { content: "ok", name: "ada" }];
    expect(promptTokensAtMost(messages)).toBe(fleetTokens.bytePromptTokens(messages, undefined));
  });
});

describe("outputTokensWithin", () => {
  const p = { inputPerMTokMicros: 2_000_000, outputPerMTokMicros: 8_000_000, cachedInputPerMTokMicros: 500_000 };
  it("is the most output whose bound stays within the budget, and one more token is over it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 20_000 }), (budget, prompt) => {
        const n = outputTokensWithin(budget, prompt, p);
        if (maxCostMicros(prompt, 0, p) > budget) return n === 0;
        return maxCostMicros(prompt, n, p) <= budget && maxCostMicros(prompt, n + 1, p) > budget;
      }),
    );
  });
  it("is 0 when the prompt alone is over, unbounded when output is free", () => {
    expect(outputTokensWithin(10, 100_000, p)).toBe(0);
    expect(outputTokensWithin(10, 1, { ...p, outputPerMTokMicros: 0 })).toBe(Infinity);
  });
});

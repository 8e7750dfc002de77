import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DETECTORS } from "./privacy";

/**
 * The prefilters (`pre` substrings and shared `gate` patterns) only skip work: every text a
 * detector's own pattern matches must pass its prefilters, or a secret would go unflagged.
 */
describe("privacy prefilters", () => {
  // Pieces: strings each detector's own pattern generates (\b and /i dropped, which fast-check cannot
  // generate), and loose digits, capitals, tokens and separators around them.
  const piece = fc.oneof(
    ...DETECTORS.map((d) => fc.stringMatching(new RegExp(d.re.source.replace(/\\b/g, ""), d.re.flags.replace(/[gi]/g, "")))),
    fc.stringMatching(/^\d{1,19}$/),
    fc.constantFrom(" ", "-", "  ", "_", ".", ":", "=", "：", "@", "://", "\n", "(", ")", "+", "2A", "X"),
    fc.stringMatching(/^[A-Z]{1,8}$/),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
  );
  const text = fc.array(piece, { maxLength: 30 }).map((xs) => xs.join(""));

  it("never skip a text that a detector's own pattern matches", () => {
    const matched = new Map<string, number>();
    fc.assert(
      fc.property(text, (s) => {
        for (const d of DETECTORS) {
          const re = new RegExp(d.re.source, d.re.flags.replace("g", ""));
          if (!re.test(s)) continue;
          matched.set(d.reason, (matched.get(d.reason) ?? 0) + 1);
          if (d.pre !== undefined) {
            const pres = typeof d.pre === "string" ? [d.pre] : d.pre;
            expect(pres.some((p) => s.includes(p)), `${d.reason}: ${JSON.stringify(s)}`).toBe(true);
          }
          if (d.gate) expect(d.gate.test(s), `${d.reason}: ${JSON.stringify(s)}`).toBe(true);
        }
      }),
      { numRuns: 20_000, seed: 20261126 },
    );
    // The generator reached every detector that has a prefilter, so the property was exercised.
    for (const d of DETECTORS) if (d.pre !== undefined || d.gate) expect(matched.get(d.reason) ?? 0, d.reason).toBeGreaterThan(0);
  });
});

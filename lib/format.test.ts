import { describe, expect, it } from "vitest";
import { formatAxisUsd, formatMs, formatUsd, formatUsdApart, raterLabel } from "./format";

describe("formatUsd", () => {
  it("shows dollars with cents", () => expect(formatUsd(1_234_567)).toBe("$1.23"));
  it("keeps tiny non-zero amounts visible", () => {
    expect(formatUsd(150)).toBe("$0.00015");
    expect(formatUsd(37)).toBe("$0.000037");
    expect(formatUsd(5)).toBe("$0.0000050");
    expect(formatUsd(9_999)).toBe("$0.0100");
    expect(formatUsd(0.1)).toBe("$0.00000010"); // a max_cost of $1e-7, not "$1.0e-7" or "$0"
    expect(formatUsd(-1_200)).toBe("-$0.0012");
  });
  it("shows zero as $0.00", () => expect(formatUsd(0)).toBe("$0.00"));
  it("groups thousands", () => expect(formatUsd(12_345_000_000)).toBe("$12,345.00"));
});

describe("formatUsdApart", () => {
  it("writes two amounts as formatUsd does when they read differently, or equal", () => {
    expect(formatUsdApart(2_715, 1)).toEqual(["$0.0027", "$0.0000010"]);
    expect(formatUsdApart(1_000, 1_000)).toEqual(["$0.0010", "$0.0010"]);
  });
  it("adds decimals until different amounts no longer read alike", () => {
    expect(formatUsdApart(2_715, 2_700)).toEqual(["$0.00272", "$0.00270"]);
    expect(formatUsdApart(12_344_000, 12_341_000)).toEqual(["$12.344", "$12.341"]);
    expect(formatUsdApart(1_000_001, 1_000_000)).toEqual(["$1.000001", "$1.000000"]);
  });
});

describe("formatMs", () => {
  it("switches to seconds at 1,000 ms", () => {
    expect(formatMs(999)).toBe("999 ms");
    expect(formatMs(1500)).toBe("1.5 s");
  });
});

describe("formatAxisUsd", () => {
  it("gives each tick the decimals it needs", () => {
    // Ticks recharts picks for spend of a few cents: none may read like its neighbour.
    expect([0, 0.015, 0.03, 0.045, 0.06].map(formatAxisUsd)).toEqual(["$0", "$0.015", "$0.03", "$0.045", "$0.06"]);
    expect([0.1, 0.25, 1, 12.5].map(formatAxisUsd)).toEqual(["$0.10", "$0.25", "$1", "$12.50"]);
    expect(formatAxisUsd(1500)).toBe("$1,500");
  });
});

describe("raterLabel", () => {
  it("names the person, else the key, else the API", () => {
    expect(raterLabel("ann@x.io", "ci key")).toBe("ann@x.io");
    expect(raterLabel(null, "ci key")).toBe("API key ci key");
    expect(raterLabel(null, null)).toBe("API");
  });
});

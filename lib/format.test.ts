import { describe, expect, it } from "vitest";
import { formatMs, formatUsd } from "./format";

describe("formatUsd", () => {
  it("shows dollars with cents", () => expect(formatUsd(1_234_567)).toBe("$1.23"));
  it("keeps tiny non-zero amounts visible", () => expect(formatUsd(150)).toBe("$0.0001"));
  it("shows zero as $0.00", () => expect(formatUsd(0)).toBe("$0.00"));
  it("groups thousands", () => expect(formatUsd(12_345_000_000)).toBe("$12,345.00"));
});

describe("formatMs", () => {
  it("switches to seconds at 1,000 ms", () => {
    expect(formatMs(999)).toBe("999 ms");
    expect(formatMs(1500)).toBe("1.5 s");
  });
});

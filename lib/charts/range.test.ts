import { describe, expect, it } from "vitest";
import { parseCostsQuery } from "./range";

describe("costs query", () => {
  it("defaults to 30 days by model, accepts 7/90 and a dimension", () => {
    expect(parseCostsQuery({}, "2025-06-30")).toEqual({ from: "2025-06-01", to: "2025-06-30", days: 30, by: "model" });
    expect(parseCostsQuery({ days: "7", by: "user" }, "2025-06-30")).toMatchObject({ from: "2025-06-24", by: "user" });
    expect(parseCostsQuery({ days: "12", by: "nope" }, "2025-06-30")).toMatchObject({ days: 30, by: "model" });
  });
  it("takes an explicit range, swapped if reversed and capped at a year", () => {
    expect(parseCostsQuery({ from: "2025-06-10", to: "2025-06-01" }, "2025-06-30")).toMatchObject({ from: "2025-06-01", to: "2025-06-10", days: null });
    expect(parseCostsQuery({ from: "2020-01-01", to: "2025-06-01" }, "2025-06-30").from).toBe("2024-06-01");
    expect(parseCostsQuery({ from: "2025-13-45", to: "x" }, "2025-06-30").days).toBe(30);
  });
});

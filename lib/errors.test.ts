import { describe, expect, it, vi } from "vitest";

/** One copy of a module declaring branded errors, as server.ts's imports and Next's bundle each hold one. */
async function copyOfModule() {
  vi.resetModules();
  const { brandError } = await import("@/lib/errors");
  class Refused extends Error {
    constructor(public readonly status: number) {
      super("refused");
    }
  }
  brandError(Refused, "test.Refused");
  class OverBudget extends Refused {}
  brandError(OverBudget, "test.OverBudget");
  class Unbranded extends Refused {}
  return { Refused, OverBudget, Unbranded };
}

describe("brandError", () => {
  it("makes instanceof recognise an error thrown by another copy of the module, class by class", async () => {
    const one = await copyOfModule();
    const other = await copyOfModule();
    expect(other.Refused).not.toBe(one.Refused);

    const refused = new one.Refused(422);
    const over = new one.OverBudget(402);
    expect(refused instanceof other.Refused).toBe(true);
    expect(over instanceof other.Refused).toBe(true);
    expect(over instanceof other.OverBudget).toBe(true);
    // A parent is not its subclass, in either copy.
    expect(refused instanceof other.OverBudget).toBe(false);
    expect(refused instanceof one.OverBudget).toBe(false);
    // The error keeps what it carries; TypeScript narrows on the other copy's class.
    const e: unknown = over;
    if (!(e instanceof other.OverBudget)) throw new Error("not recognised");
    expect(e.status).toBe(402);
  });

  it("recognises nothing else: plain errors, other branded classes, non-objects", async () => {
    const one = await copyOfModule();
    expect(new Error("refused") instanceof one.Refused).toBe(false);
    expect(Object.assign(new Error("refused"), { name: "Refused", status: 422 }) instanceof one.Refused).toBe(false);
    for (const x of [null, 42, "refused", Object.create(null)] as unknown as object[]) expect(x instanceof one.Refused).toBe(false);
  });

  it("leaves a subclass without its own brand to the prototype chain, still recognised as its branded parent", async () => {
    const one = await copyOfModule();
    const other = await copyOfModule();
    const e = new one.Unbranded(400);
    expect(e instanceof one.Unbranded).toBe(true);
    expect(e instanceof other.Unbranded).toBe(false);
    expect(e instanceof other.Refused).toBe(true);
    expect(new one.Refused(400) instanceof one.Unbranded).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { ForbiddenError, hasScope, requireScope, ROLE_SCOPES, scopesOf } from "./scopes";
import { signUpSchema, slugSchema } from "./schemas";
import { hashPassword, verifyPassword } from "./password";

describe("roles and scopes", () => {
  it("gives viewers read access only", () => {
    expect(scopesOf("viewer")).toEqual(["team:read"]);
  });
  it("lets only owners grant ownership or delete a team", () => {
    expect(hasScope("owner", "members:owner")).toBe(true);
    expect(hasScope("admin", "members:owner")).toBe(false);
    expect(hasScope("admin", "team:delete")).toBe(false);
  });
  it("orders roles: every scope of a lower role is held by each higher one", () => {
    const order = ["viewer", "member", "admin", "owner"] as const;
    for (const scope of Object.keys(ROLE_SCOPES) as (keyof typeof ROLE_SCOPES)[]) {
      for (let i = 0; i < order.length - 1; i++) {
        if (hasScope(order[i], scope)) expect(hasScope(order[i + 1], scope)).toBe(true);
      }
    }
  });
  it("refuses with a message naming the role and the scope", () => {
    expect(() => requireScope({ role: "member" }, "budgets:write")).toThrow(ForbiddenError);
    expect(() => requireScope({ role: "member" }, "budgets:write")).toThrow(/member.*budgets:write/);
    expect(() => requireScope({ role: "admin" }, "budgets:write")).not.toThrow();
  });
  it("refuses a missing role", () => {
    expect(hasScope(null, "team:read")).toBe(false);
  });
});

describe("validation", () => {
  it("explains bad sign-up fields", () => {
    const r = signUpSchema.safeParse({ name: "", email: "nope", password: "short" });
    expect(r.success).toBe(false);
    const fields = r.error!.flatten().fieldErrors;
    expect(fields.email?.[0]).toMatch(/valid email/);
    expect(fields.password?.[0]).toMatch(/10 characters/);
    expect(fields.name?.[0]).toMatch(/name/);
  });
  it("normalises emails and checks slugs", () => {
    expect(signUpSchema.parse({ name: "A", email: " Ada@Example.COM ", password: "0123456789" }).email).toBe("ada@example.com");
    expect(slugSchema.safeParse("My Team").success).toBe(false);
    expect(slugSchema.parse("my-team")).toBe("my-team");
  });
});

describe("password hashing", () => {
  it("verifies the right password and rejects others", async () => {
    const h = await hashPassword("correct horse battery");
    expect(h.startsWith("scrypt$")).toBe(true);
    expect(await verifyPassword("correct horse battery", h)).toBe(true);
    expect(await verifyPassword("correct horse batterY", h)).toBe(false);
    expect(await verifyPassword("x", null)).toBe(false);
  });
});

import type { Role } from "@/db/schema";

export const ROLES = ["owner", "admin", "member", "viewer"] as const;

/** Every permission in one table: what each role may do inside its team. */
export const ROLE_SCOPES = {
  "team:read": ["owner", "admin", "member", "viewer"],
  "requests:write": ["owner", "admin", "member"],
  "ratings:write": ["owner", "admin", "member"],
  "pipelines:write": ["owner", "admin", "member"],
  "pipelines:run": ["owner", "admin", "member"],
  "budgets:write": ["owner", "admin"],
  "members:write": ["owner", "admin"],
  /** Granting or taking away the owner role. */
  "members:owner": ["owner"],
  "keys:write": ["owner", "admin"],
  "settings:write": ["owner", "admin"],
  "models:admin": ["owner", "admin"],
  "audit:read": ["owner", "admin"],
  "team:delete": ["owner"],
} as const satisfies Record<string, readonly Role[]>;

export type Scope = keyof typeof ROLE_SCOPES;

export function hasScope(role: Role | null | undefined, scope: Scope): boolean {
  if (!role) return false;
  return (ROLE_SCOPES[scope] as readonly Role[]).includes(role);
}

export function scopesOf(role: Role): Scope[] {
  return (Object.keys(ROLE_SCOPES) as Scope[]).filter((s) => hasScope(role, s));
}

export class ForbiddenError extends Error {
  constructor(message = "You do not have permission to do that.") {
    super(message);
    this.name = "ForbiddenError";
  }
}

export function requireScope(ctx: { role: Role }, scope: Scope) {
  if (!hasScope(ctx.role, scope)) {
    throw new ForbiddenError(`Your role (${ctx.role}) does not allow this (needs ${scope}).`);
  }
}

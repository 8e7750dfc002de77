/** An error whose message is meant for the person who caused it (bad input, a refused change). */
export class UserError extends Error {
  constructor(
    message: string,
    public readonly fieldErrors?: Record<string, string[]>,
    public readonly status = 400,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export class NotFoundError extends UserError {
  constructor(message: string) {
    super(message, undefined, 404);
    this.name = "NotFoundError";
  }
}

const BRAND = Symbol.for("mission-control.brand");

/**
 * Makes `instanceof cls` (and of its branded subclasses) true for an error made by any copy of
 * `cls`'s module in this process. lib/ and db/ exist twice in the one process — server.ts imports
 * them and Next bundles its own copy (ARCHITECTURE.md, "The data plane") — while what must be single
 * lives on globalThis, so an object there, made by one copy, throws that copy's classes into the
 * other. Brand every error class that such an object throws: today only RateLimitedError (the
 * RateLimiter). Errors thrown by plain module functions — DelegateError and its subclasses,
 * StepStopError, ProviderError, UserError … — come from the caller's own copy and need no brand.
 *
 * `name` is the brand, in the process-wide symbol registry: unique and the same in every copy.
 * Each branded class is recognised by its own brand, so a subclass instance is an instance of its
 * branded parent of either copy and a parent's instance is not one of the subclass; a subclass
 * left unbranded is recognised the ordinary way, by prototype. TypeScript's narrowing is unchanged.
 */
export function brandError<C extends abstract new (...args: never[]) => Error>(cls: C, name: string): C {
  const brand = Symbol.for(`mission-control.${name}`);
  Object.defineProperty(cls.prototype, brand, { value: true });
  Object.defineProperty(cls, BRAND, { value: brand });
  Object.defineProperty(cls, Symbol.hasInstance, { value: isBranded });
  return cls;
}

function isBranded(this: object, x: unknown): boolean {
  if (!Object.hasOwn(this, BRAND)) return Function.prototype[Symbol.hasInstance].call(this, x);
  const brand = (this as Record<symbol, symbol>)[BRAND];
  return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[brand] === true;
}

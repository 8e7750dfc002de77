import { z } from "zod";
import { getDb, type Db } from "@/db";
import { UserError } from "@/lib/errors";
import { fieldErrorsOf, plainIssue, summarizeFieldErrors, type FieldLabels } from "@/lib/forms";
import { DelegateError } from "@/lib/execution/errors";
import { RateLimitedError } from "@/lib/ratelimit";
import { ForbiddenError, requireScope, type Scope } from "./scopes";
import { currentUserId, teamContext, type TeamContext } from "./session";
import { isSiteAdmin } from "./users";

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: string; fieldErrors?: Record<string, string[]> };
export type ActionCtx = TeamContext & { db: Db };

const teamIdSchema = z.object({ teamId: z.uuid("Choose a team.") });

function formToObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) {
    if (key.startsWith("$ACTION")) continue;
    const values = form.getAll(key).map((v) => (typeof v === "string" ? v : v.name));
    out[key.endsWith("[]") ? key.slice(0, -2) : key] = key.endsWith("[]") ? values : values[values.length - 1];
  }
  return out;
}

/** Actions are called as `action(input)` from code or `(prevState, formData)` by useActionState. */
function rawInput(a: unknown, b: unknown): unknown {
  if (b instanceof FormData) return formToObject(b);
  if (a instanceof FormData) return formToObject(a);
  return a ?? {};
}

function failure(e: unknown, labels?: FieldLabels): { ok: false; error: string; fieldErrors?: Record<string, string[]> } {
  if (e instanceof z.ZodError) {
    const fieldErrors = fieldErrorsOf(e);
    return { ok: false, error: summarizeFieldErrors(fieldErrors, labels), fieldErrors };
  }
  if (e instanceof UserError) return { ok: false, error: e.message, fieldErrors: e.fieldErrors };
  if (e instanceof ForbiddenError) return { ok: false, error: e.message };
  // The delegate path's typed refusals (unknown model, over budget, every provider failed) say what to change.
  if (e instanceof DelegateError) return { ok: false, error: e.message };
  // The team's rate limit: which limit, and how long to wait.
  if (e instanceof RateLimitedError) return { ok: false, error: e.message };
  console.error("[action] unexpected error", e);
  return { ok: false, error: "Something went wrong on our side; nothing was changed. Please try again." };
}

/** What every action's options may add: `labels` names the form's fields in the error summary. */
type FormOpts = { labels?: FieldLabels };

/**
 * Builds every team-scoped server action. In order: reads the session, checks the caller's
 * membership of `input.teamId` in the database, checks the scope, validates the input with zod,
 * then runs the body. Never relies on proxy.ts. Returns `ActionResult` for useActionState; a
 * refused input comes back as per-field messages and a summary naming the field by `labels`.
 */
export function teamAction<S extends z.ZodObject, R>(
  opts: FormOpts & { schema: S; scope: Scope; /** Also needs the installation admin: the action changes rows every team shares. */ siteAdmin?: true },
  body: (input: z.infer<S> & { teamId: string }, ctx: ActionCtx) => Promise<R>,
) {
  return async (a?: unknown, b?: unknown): Promise<ActionResult<R>> => {
    try {
      const userId = await currentUserId();
      if (!userId) return { ok: false, error: "Your session has ended. Sign in again." };
      const raw = rawInput(a, b);
      const { teamId } = teamIdSchema.parse(raw);
      const db = await getDb();
      const ctx = await teamContext(db, userId, { id: teamId });
      if (!ctx) return { ok: false, error: "You are not a member of this team." };
      requireScope(ctx, opts.scope);
      if (opts.siteAdmin && !(await isSiteAdmin(db, userId))) {
        throw new ForbiddenError("Providers and models are shared by every team: only an installation admin can change them.");
      }
      const input = opts.schema.extend({ teamId: z.uuid() }).parse(raw, { error: plainIssue }) as z.infer<S> & { teamId: string };
      return { ok: true, data: await body(input, { ...ctx, db }) };
    } catch (e) {
      return failure(e, opts.labels);
    }
  };
}

/** For actions that belong to the signed-in user rather than a team (create a team, accept an invitation). */
export function userAction<S extends z.ZodObject, R>(opts: FormOpts & { schema: S }, body: (input: z.infer<S>, ctx: { userId: string; db: Db }) => Promise<R>) {
  return async (a?: unknown, b?: unknown): Promise<ActionResult<R>> => {
    try {
      const userId = await currentUserId();
      if (!userId) return { ok: false, error: "Your session has ended. Sign in again." };
      const input = opts.schema.parse(rawInput(a, b), { error: plainIssue });
      return { ok: true, data: await body(input, { userId, db: await getDb() }) };
    } catch (e) {
      return failure(e, opts.labels);
    }
  };
}

/** For the few public actions (sign-up). */
export function publicAction<S extends z.ZodObject, R>(opts: FormOpts & { schema: S }, body: (input: z.infer<S>, ctx: { db: Db }) => Promise<R>) {
  return async (a?: unknown, b?: unknown): Promise<ActionResult<R>> => {
    try {
      const input = opts.schema.parse(rawInput(a, b), { error: plainIssue });
      return { ok: true, data: await body(input, { db: await getDb() }) };
    } catch (e) {
      return failure(e, opts.labels);
    }
  };
}

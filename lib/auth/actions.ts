"use server";

import { AuthError } from "next-auth";
import { signIn, signOut } from "@/auth";
import { publicAction, type ActionResult } from "./action";
import { signInSchema, signUpSchema } from "./schemas";
import { createUser } from "./users";

export async function signInAction(_prev: unknown, form: FormData): Promise<ActionResult<null>> {
  const parsed = signInSchema.safeParse({ email: form.get("email"), password: form.get("password") });
  if (!parsed.success) {
    return { ok: false, error: "Check the highlighted fields.", fieldErrors: parsed.error.flatten().fieldErrors as Record<string, string[]> };
  }
  try {
    // On success signIn throws Next's redirect, which must propagate.
    await signIn("credentials", { ...parsed.data, redirectTo: localPath(form.get("next")) ?? "/" });
  } catch (e) {
    if (e instanceof AuthError) return { ok: false, error: "Wrong email or password." };
    throw e;
  }
  return { ok: true, data: null };
}

const createAccount = publicAction({ schema: signUpSchema, labels: { name: "Name", email: "Email", password: "Password" } }, async (input, { db }) => {
  const user = await createUser(db, input);
  return { id: user.id, email: user.email };
});

export async function signUpAction(prev: unknown, form: FormData): Promise<ActionResult<null>> {
  const res = await createAccount(prev, form);
  if (!res.ok) return res;
  try {
    await signIn("credentials", { email: res.data.email, password: String(form.get("password")), redirectTo: localPath(form.get("next")) ?? "/" });
  } catch (e) {
    if (e instanceof AuthError) return { ok: false, error: "Your account was created, but signing in failed. Sign in on the login page." };
    throw e;
  }
  return { ok: true, data: null };
}

/** A path on this site ("/t/labs"), never another origin ("//evil.example", "https://…"); else null. */
function localPath(v: FormDataEntryValue | null | undefined): string | null {
  const s = typeof v === "string" ? v : "";
  return s.startsWith("/") && !s.startsWith("//") && !s.startsWith("/\\") ? s : null;
}

/** Signs out; with a `next` field (a path here), the sign-in page then leads back to it. */
export async function signOutAction(form?: FormData) {
  const next = localPath(form?.get("next"));
  await signOut({ redirectTo: next ? `/login?next=${encodeURIComponent(next)}` : "/login" });
}

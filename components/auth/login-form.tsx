"use client";

import { useFormAction } from "@/components/ui/use-form-action";
import Link from "next/link";
import { signInAction, signUpAction } from "@/lib/auth/actions";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Input } from "@/components/ui/form";

export function LoginForm({ next, github }: { next?: string; github: boolean }) {
  const [state, action, pending] = useFormAction(signInAction);
  const fe = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <div className="space-y-4 rounded-lg border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
      <form onSubmit={action} className="space-y-4" noValidate>
        <input type="hidden" name="next" value={next ?? "/"} />
        <Field label="Email" error={fe?.email}>
          <Input name="email" type="email" autoComplete="email" required />
        </Field>
        <Field label="Password" error={fe?.password}>
          <Input name="password" type="password" autoComplete="current-password" required />
        </Field>
        <FormMessage state={state} />
        <Button type="submit" className="w-full" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
      {github && (
        <form action="/api/auth/signin/github" method="post">
          <Button type="submit" variant="secondary" className="w-full">
            Sign in with GitHub
          </Button>
        </form>
      )}
      <p className="text-center text-sm text-zinc-500">
        No account?{" "}
        <Link href={next && next !== "/" ? `/signup?next=${encodeURIComponent(next)}` : "/signup"} className="text-indigo-600 hover:underline">
          Create one
        </Link>
      </p>
    </div>
  );
}

export function SignupForm({ next }: { next?: string }) {
  const [state, action, pending] = useFormAction(signUpAction);
  const fe = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form onSubmit={action} className="space-y-4 rounded-lg border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900" noValidate>
      <input type="hidden" name="next" value={next ?? "/"} />
      <Field label="Name" error={fe?.name}>
        <Input name="name" autoComplete="name" required />
      </Field>
      <Field label="Email" error={fe?.email}>
        <Input name="email" type="email" autoComplete="email" required />
      </Field>
      <Field label="Password" error={fe?.password} hint="At least 10 characters.">
        <Input name="password" type="password" autoComplete="new-password" required />
      </Field>
      <FormMessage state={state} />
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Creating…" : "Create account"}
      </Button>
      <p className="text-center text-sm text-zinc-500">
        Already registered?{" "}
        <Link href={next && next !== "/" ? `/login?next=${encodeURIComponent(next)}` : "/login"} className="text-indigo-600 hover:underline">
          Sign in
        </Link>
      </p>
    </form>
  );
}

"use client";

import { startTransition, useActionState, useEffect, useRef, type FormEvent } from "react";
import { useTeam } from "@/components/shell/team-context";

/**
 * useActionState for forms that must keep what the person typed when the server refuses it:
 * React resets uncontrolled fields after a `<form action>` submission, so we submit by hand.
 */
export function useFormAction<S>(action: (prev: S | null, form: FormData) => Promise<S>) {
  const [state, dispatch, pending] = useActionState<S | null, FormData>(action, null);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    startTransition(() => dispatch(form));
  };
  return [state, onSubmit, pending] as const;
}

/**
 * A ref for a form that adds something: the form empties once its action succeeds, ready for the
 * next one (and a second click cannot add the same thing again); a refused submission keeps what
 * was typed.
 */
export function useResetOnSuccess(state: { ok: boolean } | null) {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state?.ok) form.current?.reset();
  }, [state]);
  return form;
}

/**
 * useFormAction for a team's forms: the team (its id goes in a hidden `teamId` field), and the
 * refused input's per-field messages.
 */
export function useTeamFormAction<S extends { ok: boolean; fieldErrors?: Record<string, string[]> }>(action: (prev: S | null, form: FormData) => Promise<S>) {
  const team = useTeam();
  const [state, onSubmit, pending] = useFormAction(action);
  const fieldErrors = state && !state.ok ? state.fieldErrors : undefined;
  return { team, state, onSubmit, pending, fieldErrors };
}

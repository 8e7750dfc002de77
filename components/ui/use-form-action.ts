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
 * was typed. The fields named in `keep` keep their value through the reset (the provider a series of
 * models is added to); a controlled field among them thus stays as its state says.
 */
export function useResetOnSuccess(state: { ok: boolean } | null, keep: readonly string[] = []) {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    const f = form.current;
    if (!state?.ok || !f) return;
    const fields = keep.map((name) => f.elements.namedItem(name)).filter((el) => el instanceof HTMLInputElement || el instanceof HTMLSelectElement);
    const values = fields.map((el) => el.value);
    f.reset();
    fields.forEach((el, i) => (el.value = values[i]));
    // Once per result, so not on `keep`: a new array each render would empty the form again.
  }, [state]); // eslint-disable-line react-hooks/exhaustive-deps
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

"use client";

import { startTransition, useActionState, type FormEvent } from "react";

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

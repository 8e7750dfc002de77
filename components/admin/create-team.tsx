"use client";

import { useFormAction } from "@/components/ui/use-form-action";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { createTeamAction } from "@/lib/teams/actions";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Input } from "@/components/ui/form";

export function CreateTeamForm() {
  const [state, action, pending] = useFormAction(createTeamAction);
  const router = useRouter();
  useEffect(() => {
    if (state?.ok) router.push(`/t/${state.data.slug}`);
  }, [state, router]);
  const fe = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form onSubmit={action} className="space-y-3" data-testid="create-team-form">
      <Field label="Team name" error={fe?.name}>
        <Input name="name" placeholder="Research" required />
      </Field>
      <Field label="Address (slug)" error={fe?.slug} hint="Lowercase letters, digits and dashes; used in URLs.">
        <Input name="slug" placeholder="research" required />
      </Field>
      <FormMessage state={state} />
      <Button type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create team"}
      </Button>
    </form>
  );
}

"use client";

import { useTeamFormAction } from "@/components/ui/use-form-action";
import { createApiKeyAction } from "@/lib/keys/actions";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Input } from "@/components/ui/form";
import { NewKeyNotice } from "./new-key";

export function CreateKeyForm({ models }: { models: string[] }) {
  const { team, state, onSubmit: action, pending, fieldErrors: fe } = useTeamFormAction(createApiKeyAction);
  return (
    <form onSubmit={action} className="space-y-3" data-testid="create-key-form">
      <input type="hidden" name="teamId" value={team.id} />
      <Field label="Name" error={fe?.name} hint="Who or what will use it, e.g. “CI bot” or “Cursor – Ada”.">
        <Input name="name" required maxLength={100} placeholder="CI bot" />
      </Field>
      <Field label="Allowed models (optional)" error={fe?.modelAllowList} hint={`Comma-separated; empty = every model the team may use. Known: ${models.slice(0, 8).join(", ")}${models.length > 8 ? ", …" : ""}`}>
        <Input name="modelAllowList" placeholder="gpt-4.1-mini, claude-3-5-haiku-20241022" list="known-models" />
      </Field>
      <datalist id="known-models">
        {models.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="Requests / minute" error={fe?.requestsPerMinute} hint="Empty = no key limit">
          <Input name="requestsPerMinute" inputMode="numeric" placeholder="600" />
        </Field>
        <Field label="Tokens / minute" error={fe?.tokensPerMinute} hint="Empty = no key limit">
          <Input name="tokensPerMinute" inputMode="numeric" placeholder="200000" />
        </Field>
        <Field label="Monthly budget ($)" error={fe?.monthlyBudgetUsd} hint="Hard stop; empty = none">
          <Input name="monthlyBudgetUsd" inputMode="decimal" placeholder="25" />
        </Field>
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create key"}
      </Button>
      <FormMessage state={state} />
      {state?.ok && <NewKeyNotice name={state.data.name} secret={state.data.key} />}
    </form>
  );
}

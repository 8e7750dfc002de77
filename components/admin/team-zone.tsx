"use client";

import { useTeamFormAction } from "@/components/ui/use-form-action";
import { setTeamTimezoneAction } from "@/lib/teams/actions";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Input } from "@/components/ui/form";

/** The team's time zone: a searchable list of IANA zones with their offset now. */
export function TeamZoneForm({ zones }: { zones: { name: string; offset: string }[] }) {
  const { team, state, onSubmit: action, pending, fieldErrors: fe } = useTeamFormAction(setTeamTimezoneAction);
  return (
    <form onSubmit={action} className="space-y-3" data-testid="team-zone-form">
      <input type="hidden" name="teamId" value={team.id} />
      <Field
        label="Time zone"
        error={fe?.timezone}
        hint="Type to search, e.g. Tokyo, Berlin or Los_Angeles. Days on every page, “today”, the last 30 days, the charts’ days, times shown and budget resets follow it."
      >
        <Input name="timezone" list="team-zones" defaultValue={team.timezone} required autoComplete="off" spellCheck={false} />
      </Field>
      <datalist id="team-zones">
        {zones.map((z) => (
          <option key={z.name} value={z.name}>{`UTC${z.offset}`}</option>
        ))}
      </datalist>
      <p className="text-xs text-zinc-500">
        Budgets: a period under way keeps what it has spent and ends at the new zone’s midnight nearest its usual end (the budget page shows when); the periods after it follow the new zone. Past days
        are regrouped by the new zone’s days.
      </p>
      <FormMessage state={state} />
      {state?.ok && (
        <p className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300" role="status">
          {state.data.changed ? `The team’s time zone is now ${state.data.timezone}.` : `The team’s time zone was already ${state.data.timezone}.`}
          {state.data.budgetsMoved ? ` ${state.data.budgetsMoved === 1 ? "One budget’s current period now ends" : `${state.data.budgetsMoved} budgets’ current periods now end`} at midnight in ${state.data.timezone}.` : ""}
        </p>
      )}
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : "Save time zone"}
      </Button>
    </form>
  );
}

"use client";

import { useFormAction } from "@/components/ui/use-form-action";
import { setTeamLimitsAction } from "@/lib/keys/actions";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Input } from "@/components/ui/form";
import { useTeam } from "@/components/shell/team-context";

/** Team-wide API rate limits: one shared limit over every key of the team. */
export function TeamLimitsForm({ current, defaults }: { current: { rpm: number | null; tpm: number | null }; defaults: { rpm: number | null; tpm: number | null } }) {
  const team = useTeam();
  const [state, action, pending] = useFormAction(setTeamLimitsAction);
  const fe = state && !state.ok ? state.fieldErrors : undefined;
  const emptyMeans = (d: number | null) => (d ? `Empty = the installation default (${d.toLocaleString("en-US")})` : "Empty = no team limit");
  return (
    <form onSubmit={action} className="space-y-3" data-testid="team-limits-form">
      <input type="hidden" name="teamId" value={team.id} />
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Requests / minute" error={fe?.requestsPerMinute} hint={emptyMeans(defaults.rpm)}>
          <Input name="requestsPerMinute" inputMode="numeric" placeholder="6000" defaultValue={current.rpm ?? ""} />
        </Field>
        <Field label="Tokens / minute" error={fe?.tokensPerMinute} hint={emptyMeans(defaults.tpm)}>
          <Input name="tokensPerMinute" inputMode="numeric" placeholder="2000000" defaultValue={current.tpm ?? ""} />
        </Field>
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : "Save team limits"}
      </Button>
      <FormMessage state={state} />
      {state?.ok && (
        <p className="text-sm text-emerald-700 dark:text-emerald-400" role="status">
          Saved. {describe(state.data.requestsPerMinute, "requests")}; {describe(state.data.tokensPerMinute, "tokens")}.
        </p>
      )}
    </form>
  );
}

const describe = (n: number | null, what: string) => (n === null ? `no team limit on ${what}` : `${n.toLocaleString("en-US")} ${what} per minute over all keys`);

"use client";

import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { createBudgetAction, deleteBudgetAction, updateBudgetAction } from "@/lib/budgets/actions";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Input, Select } from "@/components/ui/form";
import { useFormAction } from "@/components/ui/use-form-action";
import { useHasScope, useTeam } from "@/components/shell/team-context";

export type BudgetFormValues = {
  id?: string;
  name: string;
  scope: "team" | "member" | "key";
  userId: string | null;
  apiKeyId: string | null;
  limitMicros: number;
  period: "daily" | "weekly" | "monthly" | "custom";
  customDays: number | null;
  hardStop: boolean;
  thresholds: number[];
  webhookUrl: string | null;
  hasWebhookSecret?: boolean;
};

type Targets = { members: { id: string; label: string }[]; keys: { id: string; label: string }[] };

/** Create or edit a budget. Hidden from roles without budgets:write; the action checks again. */
export function BudgetForm({ initial, targets, onDone }: { initial?: BudgetFormValues; targets: Targets; onDone?: () => void }) {
  const team = useTeam();
  const can = useHasScope("budgets:write");
  const action = (initial?.id ? updateBudgetAction : createBudgetAction) as (prev: unknown, form: FormData) => Promise<ActionResult<unknown>>;
  const [state, submit, pending] = useFormAction(action);
  const [scope, setScope] = useState(initial?.scope ?? "team");
  const [period, setPeriod] = useState(initial?.period ?? "monthly");
  if (!can) return null;
  const fe = state && !state.ok ? state.fieldErrors : undefined;
  if (state?.ok && onDone) queueMicrotask(onDone);
  return (
    <form onSubmit={submit} className="space-y-3" data-testid="budget-form">
      <input type="hidden" name="teamId" value={team.id} />
      {initial?.id && <input type="hidden" name="budgetId" value={initial.id} />}
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Name" error={fe?.name}>
          <Input name="name" defaultValue={initial?.name ?? ""} placeholder="Monthly team budget" required />
        </Field>
        <Field label="Limit (USD)" error={fe?.limitUsd}>
          <Input name="limitUsd" type="number" min="0.000001" step="any" defaultValue={initial ? initial.limitMicros / 1_000_000 : ""} placeholder="50" required />
        </Field>
        <Field label="Applies to" error={fe?.scope}>
          <Select name="scope" value={scope} onChange={(e) => setScope(e.target.value as typeof scope)}>
            <option value="team">the whole team</option>
            <option value="member">one member</option>
            <option value="key">one API key</option>
          </Select>
        </Field>
        {scope === "member" && (
          <Field label="Member" error={fe?.userId}>
            <Select name="userId" defaultValue={initial?.userId ?? ""}>
              <option value="">Choose…</option>
              {targets.members.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                </option>
              ))}
            </Select>
          </Field>
        )}
        {scope === "key" && (
          <Field label="API key" error={fe?.apiKeyId}>
            <Select name="apiKeyId" defaultValue={initial?.apiKeyId ?? ""}>
              <option value="">Choose…</option>
              {targets.keys.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.label}
                </option>
              ))}
            </Select>
          </Field>
        )}
        <Field label="Period" error={fe?.period} hint={`Resets at midnight in the team's time zone, ${team.timezone}.`}>
          <Select name="period" value={period} onChange={(e) => setPeriod(e.target.value as typeof period)}>
            <option value="daily">daily</option>
            <option value="weekly">weekly (from Monday)</option>
            <option value="monthly">monthly</option>
            <option value="custom">custom (N days)</option>
          </Select>
        </Field>
        {period === "custom" && (
          <Field label="Period length (days)" error={fe?.customDays}>
            <Input name="customDays" type="number" min="1" max="366" defaultValue={initial?.customDays ?? 14} />
          </Field>
        )}
        <Field label="When the limit is reached" error={fe?.hardStop}>
          <Select name="hardStop" defaultValue={initial && !initial.hardStop ? "warn" : "hard"}>
            <option value="hard">refuse calls (hard stop)</option>
            <option value="warn">warn only</option>
          </Select>
        </Field>
        <Field label="Alert thresholds (%)" error={fe?.thresholds} hint="Each fires once per period.">
          <Input name="thresholds" defaultValue={(initial?.thresholds ?? [50, 80, 100]).join(", ")} />
        </Field>
        <Field label="Webhook URL (optional)" error={fe?.webhookUrl}>
          <Input name="webhookUrl" type="url" defaultValue={initial?.webhookUrl ?? ""} placeholder="https://hooks.example.com/budget" />
        </Field>
        <Field label="Webhook signing secret" error={fe?.webhookSecret} hint={initial?.hasWebhookSecret ? "Leave empty to keep the stored secret." : "HMAC-SHA256 signature in x-mc-signature."}>
          <Input name="webhookSecret" type="password" autoComplete="off" />
        </Field>
      </div>
      <FormMessage state={state} />
      {state?.ok && (
        <p className="text-sm text-emerald-700 dark:text-emerald-400" role="status">
          Budget saved.
        </p>
      )}
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : initial?.id ? "Save budget" : "Create budget"}
      </Button>
    </form>
  );
}

export function EditBudget({ initial, targets }: { initial: BudgetFormValues; targets: Targets }) {
  const can = useHasScope("budgets:write");
  const team = useTeam();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  if (!can) return null;
  return (
    <div className="mt-3 space-y-2">
      <div className="flex gap-2">
        <Button variant="secondary" type="button" onClick={() => setOpen(!open)}>
          {open ? "Close" : "Edit"}
        </Button>
        <Button
          variant="ghost"
          type="button"
          disabled={pending}
          onClick={() =>
            confirm(`Delete the budget "${initial.name}"? Spending will no longer be limited by it.`) &&
            start(async () => {
              const res = await deleteBudgetAction({ teamId: team.id, budgetId: initial.id });
              setError(res.ok ? null : res.error);
            })
          }
        >
          Delete
        </Button>
      </div>
      {error && (
        <p className="text-sm text-red-700" role="alert">
          {error}
        </p>
      )}
      {open && <BudgetForm initial={initial} targets={targets} onDone={() => setOpen(false)} />}
    </div>
  );
}

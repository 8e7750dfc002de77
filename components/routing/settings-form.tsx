"use client";

import { useState } from "react";
import { updateRoutingSettingsAction } from "@/lib/execution/settings";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Input, Select } from "@/components/ui/form";
import { useTeam } from "@/components/shell/team-context";
import { useFormAction } from "@/components/ui/use-form-action";

export function RoutingSettingsForm({ settings, models }: { settings: { qualityVsCost: number; allowList: string[]; explorationCapMicros: number; judgeModel: string | null }; models: string[] }) {
  const team = useTeam();
  const [knob, setKnob] = useState(settings.qualityVsCost);
  const [state, action, pending] = useFormAction(updateRoutingSettingsAction);
  const fe = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form onSubmit={action} className="space-y-4" data-testid="routing-settings">
      <input type="hidden" name="teamId" value={team.id} />
      <Field label={`Quality versus cost: ${knob.toFixed(2)}`} error={fe?.qualityVsCost} hint="0 = the cheapest model that will do; 1 = the best expected quality whatever it costs.">
        <input type="range" name="qualityVsCost" min={0} max={1} step={0.05} value={knob} onChange={(e) => setKnob(Number(e.target.value))} className="w-full" />
      </Field>
      <Field label="Exploration cap ($ per call)" error={fe?.explorationCapDollars} hint="The most the router may spend above its best guess to try a less-known model. 0 turns exploration off.">
        <Input name="explorationCapDollars" inputMode="decimal" defaultValue={String(settings.explorationCapMicros / 1_000_000)} />
      </Field>
      <Field
        label="Judge model"
        error={fe?.judgeModel}
        hint="Grades each answer of the unified API (POST /api/v1/delegate) before it is returned: quality_metrics.score and was_optimal_choice come from its grade, and the learner counts it as a signal. Each grade is a call of its own, charged to the team. None: both stay null until someone rates the answer."
      >
        <Select name="judgeModel" defaultValue={settings.judgeModel ?? ""}>
          <option value="">none</option>
          {models.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </Select>
      </Field>
      <fieldset className="space-y-1">
        <legend className="text-sm font-medium">Allowed models</legend>
        <p className="text-xs text-zinc-500">None ticked: every enabled model may be used.</p>
        <div className="grid gap-1 sm:grid-cols-3">
          {models.map((m) => (
            <label key={m} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="allowList[]" value={m} defaultChecked={settings.allowList.includes(m)} /> <span className="font-mono text-xs">{m}</span>
            </label>
          ))}
        </div>
        {fe?.allowList && <p className="text-xs text-red-600">{fe.allowList[0]}</p>}
      </fieldset>
      <FormMessage state={state} />
      {state?.ok && <p className="text-sm text-emerald-600" role="status">Saved; the next call uses these settings.</p>}
      <Button type="submit" disabled={pending}>
        Save routing settings
      </Button>
    </form>
  );
}

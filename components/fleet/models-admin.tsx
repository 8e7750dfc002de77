"use client";

import { useState } from "react";
import { DOMAINS } from "@/lib/analysis/types";
import { reasoningEffortHelp, takesReasoningEffort } from "@/lib/providers/reasoning";
import { updateModelAction, createModelAction } from "@/lib/execution/actions";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Input, Select } from "@/components/ui/form";
import { useTeam } from "@/components/shell/team-context";
import { useFormAction, useResetOnSuccess } from "@/components/ui/use-form-action";

type ModelRow = {
  id: string;
  name: string;
  displayName: string;
  provider: string;
  providerKind: string;
  enabled: boolean;
  contextWindow: number;
  maxOutputTokens: number | null;
  inputPriceMicros: number;
  outputPriceMicros: number;
  cachedInputPriceMicros: number | null;
  strengths: string[];
  optimalFor: string[];
  costTier: string;
  toolCalling: boolean;
  imageInput: boolean;
  reasoningEffort: boolean;
};

const perM = (micros: number | null) => (micros === null ? "" : String(micros / 1_000_000));
const TIERS = ["free", "low", "medium", "high"];
const KEEP_PROVIDER = ["providerId"];

/** `kind`: the provider's kind, which decides what reasoning effort means for the model (or that it cannot be ticked). */
function ModelFields({ m, fe, kind }: { m?: ModelRow; fe?: Record<string, string[]>; kind: string }) {
  const reasoning = takesReasoningEffort(kind);
  return (
    <>
      <Field label="Input $/M" error={fe?.inputPrice}>
        <Input name="inputPrice" inputMode="decimal" defaultValue={m ? perM(m.inputPriceMicros) : ""} />
      </Field>
      <Field label="Output $/M" error={fe?.outputPrice}>
        <Input name="outputPrice" inputMode="decimal" defaultValue={m ? perM(m.outputPriceMicros) : ""} />
      </Field>
      <Field label="Cached input $/M" error={fe?.cachedInputPrice}>
        <Input name="cachedInputPrice" inputMode="decimal" defaultValue={m ? perM(m.cachedInputPriceMicros) : ""} placeholder="not billed" />
      </Field>
      <Field label="Context window" error={fe?.contextWindow}>
        <Input name="contextWindow" inputMode="numeric" defaultValue={m?.contextWindow ?? ""} />
      </Field>
      <Field label="Max output tokens" error={fe?.maxOutputTokens} hint="Most tokens one answer may have; empty if unknown">
        <Input name="maxOutputTokens" inputMode="numeric" defaultValue={m?.maxOutputTokens ?? ""} placeholder="unknown" />
      </Field>
      <Field label="Cost tier" error={fe?.costTier}>
        <Select name="costTier" defaultValue={m?.costTier ?? "medium"}>
          {TIERS.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </Select>
      </Field>
      <Field label="Strengths" error={fe?.strengths} hint={`Comma-separated, any of: ${DOMAINS.join(", ")}`}>
        <Input name="strengths" defaultValue={m?.strengths.join(", ") ?? ""} />
      </Field>
      <Field label="Optimal for" error={fe?.optimalFor} hint="The same domains">
        <Input name="optimalFor" defaultValue={m?.optimalFor.join(", ") ?? ""} />
      </Field>
      <label className="flex items-center gap-2 self-end pb-2 text-sm">
        <input type="checkbox" name="enabled" defaultChecked={m?.enabled ?? true} /> Enabled
      </label>
      <fieldset className="sm:col-span-4">
        <legend className="text-xs text-zinc-500">
          Capabilities — tick only what the provider documents for this model. Unticked, the router sends it no request that carries tools, images or reasoning_effort, and a
          request naming it gets a 400; a model you add starts with all unticked.
        </legend>
        <div className="mt-1 flex gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input type="checkbox" name="toolCalling" defaultChecked={m?.toolCalling ?? false} /> Tool calling
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" name="imageInput" defaultChecked={m?.imageInput ?? false} /> Image input
          </label>
          <label className="flex items-center gap-2">
            {/* Unticked and disabled where it cannot be sent: a disabled box is not submitted, so saving clears it. */}
            <input type="checkbox" name="reasoningEffort" key={kind} disabled={!reasoning} defaultChecked={reasoning && (m?.reasoningEffort ?? false)} /> Reasoning effort
          </label>
        </div>
        <p className={`mt-1 text-xs ${reasoning ? "text-zinc-500" : "text-amber-700 dark:text-amber-400"}`} data-testid="reasoning-effort-help">
          {reasoningEffortHelp(kind)}
        </p>
        {fe?.reasoningEffort && <p className="mt-1 text-xs text-red-600">{fe.reasoningEffort.join(" ")}</p>}
      </fieldset>
    </>
  );
}

function ModelRowForm({ m }: { m: ModelRow }) {
  const team = useTeam();
  const [state, action, pending] = useFormAction(updateModelAction);
  const fe = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form onSubmit={action} className="space-y-2 rounded-lg border border-zinc-200 p-3 dark:border-zinc-800" data-testid={`model-${m.name}`}>
      <input type="hidden" name="teamId" value={team.id} />
      <input type="hidden" name="modelId" value={m.id} />
      <div className="flex items-baseline justify-between gap-2">
        <span>
          <span className="font-medium">{m.displayName}</span> <span className="font-mono text-xs text-zinc-500">{m.name}</span>
        </span>
        <span className="text-xs text-zinc-500">{m.provider}</span>
      </div>
      <div className="grid gap-2 sm:grid-cols-4">
        <ModelFields m={m} fe={fe} kind={m.providerKind} />
      </div>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          Save
        </Button>
        <FormMessage state={state} />
        {state?.ok && <span className="text-sm text-emerald-600" role="status">Saved.</span>}
      </div>
    </form>
  );
}

export function ModelsAdmin({ models, providers }: { models: ModelRow[]; providers: { id: string; name: string; kind: string }[] }) {
  const team = useTeam();
  const [state, action, pending] = useFormAction(createModelAction);
  const [providerId, setProviderId] = useState(providers[0]?.id ?? "");
  // Emptied after an add but for the provider, so several models are added to one without picking it again.
  const form = useResetOnSuccess(state, KEEP_PROVIDER);
  const fe = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <div className="space-y-3">
      {models.map((m) => (
        <ModelRowForm key={m.id} m={m} />
      ))}
      <form ref={form} onSubmit={action} className="space-y-2 rounded-lg border border-dashed border-zinc-300 p-3 dark:border-zinc-700">
        <h3 className="font-medium">Add a model</h3>
        <input type="hidden" name="teamId" value={team.id} />
        <div className="grid gap-2 sm:grid-cols-4">
          <Field label="Provider" error={fe?.providerId}>
            <Select name="providerId" value={providerId} onChange={(e) => setProviderId(e.target.value)}>
              {providers.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Model id" error={fe?.name}>
            <Input name="name" placeholder="gpt-4.1-nano" />
          </Field>
          <Field label="Display name" error={fe?.displayName}>
            <Input name="displayName" placeholder="GPT-4.1 nano" />
          </Field>
          <ModelFields fe={fe} kind={providers.find((p) => p.id === providerId)?.kind ?? ""} />
        </div>
        <FormMessage state={state} />
        {state?.ok && (
          <p className="text-sm text-emerald-700 dark:text-emerald-400" role="status">
            {state.data.name} was added to {state.data.provider}.{" "}
            {state.data.enabled ? "Calls can use it from now on." : "It is disabled: tick Enabled on its row above and save to let calls use it."}
          </p>
        )}
        <Button type="submit" disabled={pending}>
          Add model
        </Button>
      </form>
    </div>
  );
}

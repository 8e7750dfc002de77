"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { useHasScope, useTeam } from "@/components/shell/team-context";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Input, Select } from "@/components/ui/form";
import { createPipelineAction, updatePipelineAction } from "@/lib/pipelines/actions";
import type { StepDef } from "@/lib/pipelines/schemas";
import { moveStep, removeStep } from "./builder-steps";

type Draft = { uid: number; key: string; kind: "prompt" | "synthesis"; model: string; strongModel: string; template: string; parallel: boolean; cap: string };
type Initial = { id?: string; name: string; description: string; steps: StepDef[] };

let uid = 0;
function toDrafts(steps: StepDef[]): Draft[] {
  return steps.map((s, i) => ({
    uid: ++uid,
    key: s.key,
    kind: s.kind,
    model: s.model,
    strongModel: s.strongModel ?? "auto",
    template: s.template,
    parallel: i > 0 && s.group === steps[i - 1].group,
    cap: s.maxCostMicros !== undefined ? String(s.maxCostMicros / 1e6) : "",
  }));
}

function toSteps(drafts: Draft[]) {
  let group = 0;
  return drafts.map((d, i) => {
    if (i > 0 && !d.parallel) group++;
    return {
      key: d.key.trim(),
      kind: d.kind,
      model: d.model,
      ...(d.kind === "synthesis" ? { strongModel: d.strongModel } : {}),
      template: d.template,
      group,
      // As typed: the server reads the dollars and says what is wrong with them.
      ...(d.cap.trim() !== "" ? { maxCostUsd: d.cap } : {}),
    };
  });
}

/** Creates or edits a pipeline: ordered steps, parallel stages, a model (or auto), a template and a cost cap per step. */
export function PipelineBuilder({ initial, models }: { initial: Initial; models: { name: string; label: string }[] }) {
  const team = useTeam();
  const canWrite = useHasScope("pipelines:write");
  const router = useRouter();
  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description);
  const [drafts, setDrafts] = useState<Draft[]>(() => toDrafts(initial.steps));
  const [state, setState] = useState<{ ok: boolean; error?: string; fieldErrors?: Record<string, string[]>; saved?: boolean } | null>(null);
  const [pending, start] = useTransition();

  const patch = (i: number, p: Partial<Draft>) => setDrafts((ds) => ds.map((d, j) => (j === i ? { ...d, ...p } : d)));
  const move = (i: number, by: number) => setDrafts((ds) => moveStep(ds, i, by));
  const add = () =>
    setDrafts((ds) => [
      ...ds,
      { uid: ++uid, key: `step${ds.length + 1}`, kind: "prompt", model: "auto", strongModel: "auto", template: ds.length ? `{{steps.${ds[ds.length - 1].key}}}` : "{{input}}", parallel: false, cap: "" },
    ]);
  const err = (i: number, f: string) => state?.fieldErrors?.[`steps.${i}.${f}`];

  const save = () =>
    start(async () => {
      const payload = { teamId: team.id, name, description, steps: toSteps(drafts) };
      const res = initial.id ? await updatePipelineAction({ ...payload, pipelineId: initial.id }) : await createPipelineAction(payload);
      if (!res.ok) return setState(res);
      setState({ ok: true, saved: true });
      if (!initial.id) router.push(`/t/${team.slug}/pipelines/${res.data.id}`);
      else router.refresh();
    });

  // A step may name a model that is no longer offered (disabled or removed since it was saved, or
  // named by a template): list it as such, or the select would show "auto" while saving the name.
  const modelOptions = (current: string) => (
    <>
      <option value="auto">auto (let the router choose)</option>
      {current !== "auto" && !models.some((m) => m.name === current) && <option value={current}>{current} (not available: disabled or removed)</option>}
      {models.map((m) => (
        <option key={m.name} value={m.name}>
          {m.label}
        </option>
      ))}
    </>
  );

  return (
    <form
      className="space-y-4"
      data-testid="pipeline-builder"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <div className="grid gap-3 md:grid-cols-2">
        <Field label="Name" error={state?.fieldErrors?.name}>
          <Input value={name} onChange={(e) => setName(e.target.value)} disabled={!canWrite} required />
        </Field>
        <Field label="Description" error={state?.fieldErrors?.description}>
          <Input value={description} onChange={(e) => setDescription(e.target.value)} disabled={!canWrite} />
        </Field>
      </div>
      <p className="text-xs text-zinc-500">
        Templates use <code>{"{{input}}"}</code> for the run&apos;s input and <code>{"{{steps.KEY}}"}</code> for an earlier step&apos;s output. Steps marked
        &ldquo;parallel&rdquo; run at the same time as the step before them.
      </p>
      <ol className="space-y-3">
        {drafts.map((d, i) => (
          <li key={d.uid} className="rounded-lg border border-zinc-200 p-3 dark:border-zinc-800" data-testid={`builder-step-${i}`}>
            <div className="mb-2 flex items-center justify-between gap-2">
              <span className="text-sm font-medium">
                Step {i + 1}
                {d.parallel && <span className="ml-2 text-xs text-indigo-600">parallel with step {i}</span>}
              </span>
              {canWrite && (
                <div className="flex gap-1">
                  <Button type="button" variant="ghost" onClick={() => move(i, -1)} disabled={i === 0} aria-label={`Move step ${i + 1} up`}>
                    ↑
                  </Button>
                  <Button type="button" variant="ghost" onClick={() => move(i, 1)} disabled={i === drafts.length - 1} aria-label={`Move step ${i + 1} down`}>
                    ↓
                  </Button>
                  <Button type="button" variant="ghost" onClick={() => setDrafts((ds) => removeStep(ds, i))} disabled={drafts.length === 1}>
                    Remove
                  </Button>
                </div>
              )}
            </div>
            <div className="grid gap-3 md:grid-cols-4">
              <Field label="Key" error={err(i, "key")}>
                <Input value={d.key} onChange={(e) => patch(i, { key: e.target.value })} disabled={!canWrite} />
              </Field>
              <Field label="Kind">
                <Select value={d.kind} onChange={(e) => patch(i, { kind: e.target.value as Draft["kind"] })} disabled={!canWrite}>
                  <option value="prompt">Prompt</option>
                  <option value="synthesis">Instruction synthesis</option>
                </Select>
              </Field>
              {d.kind === "synthesis" && (
                <Field label="Strong model (writes instructions)" error={err(i, "strongModel")}>
                  <Select value={d.strongModel} onChange={(e) => patch(i, { strongModel: e.target.value })} disabled={!canWrite}>
                    {modelOptions(d.strongModel)}
                  </Select>
                </Field>
              )}
              <Field label={d.kind === "synthesis" ? "Cheap model (carries them out)" : "Model"} error={err(i, "model")}>
                <Select value={d.model} onChange={(e) => patch(i, { model: e.target.value })} disabled={!canWrite}>
                  {modelOptions(d.model)}
                </Select>
              </Field>
              <Field label="Cost cap ($)" error={err(i, "maxCostUsd") ?? err(i, "maxCostMicros")} hint="Optional, per run of this step">
                <Input value={d.cap} inputMode="decimal" placeholder="none" onChange={(e) => patch(i, { cap: e.target.value })} disabled={!canWrite} />
              </Field>
            </div>
            <div className="mt-3">
              <Field label="Prompt template" error={err(i, "template")}>
                <textarea
                  className="h-24 w-full rounded-md border border-zinc-300 bg-white px-3 py-1.5 font-mono text-sm dark:border-zinc-700 dark:bg-zinc-950"
                  value={d.template}
                  onChange={(e) => patch(i, { template: e.target.value })}
                  disabled={!canWrite}
                />
              </Field>
              {canWrite && (
                <div className="mt-1 flex flex-wrap items-center gap-1 text-xs">
                  <span className="text-zinc-500">Insert:</span>
                  {["{{input}}", ...drafts.slice(0, i).map((p) => `{{steps.${p.key}}}`)].map((ph) => (
                    <button key={ph} type="button" className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono dark:bg-zinc-800" onClick={() => patch(i, { template: `${d.template}${d.template ? "\n" : ""}${ph}` })}>
                      {ph}
                    </button>
                  ))}
                  {i > 0 && (
                    <label className="ml-3 inline-flex items-center gap-1">
                      <input type="checkbox" checked={d.parallel} onChange={(e) => patch(i, { parallel: e.target.checked })} />
                      Run in parallel with the previous step
                    </label>
                  )}
                </div>
              )}
            </div>
          </li>
        ))}
      </ol>
      <FormMessage state={state} />
      {state?.saved && (
        <p className="text-sm text-emerald-700 dark:text-emerald-400" role="status">
          Saved.
        </p>
      )}
      {canWrite && (
        <div className="flex gap-2">
          <Button type="button" variant="secondary" onClick={add}>
            Add step
          </Button>
          <Button type="submit" disabled={pending}>
            {pending ? "Saving…" : initial.id ? "Save pipeline" : "Create pipeline"}
          </Button>
        </div>
      )}
    </form>
  );
}

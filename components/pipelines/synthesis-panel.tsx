"use client";

import { useState, useTransition } from "react";
import { useHasScope, useTeam } from "@/components/shell/team-context";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Select } from "@/components/ui/form";
import { runSynthesisAction } from "@/lib/pipelines/actions";
import type { SynthesisResult } from "@/lib/pipelines/synthesis";
import { formatUsd } from "@/lib/format";
import { SavingBox, savingWords } from "./saving";

/**
 * Instruction synthesis for one task, for the playground: a strong model writes step-by-step
 * instructions, a cheap model carries them out; shows both results, both costs and the saving
 * against the strong model alone (estimated, or measured when "compare" is ticked).
 * `models` are the enabled model names the team may pick.
 */
export function SynthesisPanel({ models, defaultStrong = "auto", defaultCheap = "auto" }: { models: { name: string; label?: string }[]; defaultStrong?: string; defaultCheap?: string }) {
  const team = useTeam();
  const canRun = useHasScope("requests:write");
  const [task, setTask] = useState("");
  const [strongModel, setStrong] = useState(defaultStrong);
  const [cheapModel, setCheap] = useState(defaultCheap);
  const [compare, setCompare] = useState(false);
  const [state, setState] = useState<{ ok: boolean; error?: string } | null>(null);
  const [result, setResult] = useState<SynthesisResult | null>(null);
  const [pending, start] = useTransition();
  const options = (
    <>
      <option value="auto">auto</option>
      {models.map((m) => (
        <option key={m.name} value={m.name}>
          {m.label ?? m.name}
        </option>
      ))}
    </>
  );
  if (!canRun) return <p className="text-sm text-zinc-500">Your role cannot run tasks.</p>;
  return (
    <div className="space-y-3" data-testid="synthesis-panel">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          start(async () => {
            const res = await runSynthesisAction({ teamId: team.id, task, strongModel, cheapModel, compare });
            setState(res);
            if (res.ok) setResult(res.data);
          });
        }}
      >
        <Field label="Assignment for the cheap model">
          <textarea className="h-24 w-full rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-950" value={task} onChange={(e) => setTask(e.target.value)} />
        </Field>
        <div className="grid gap-3 md:grid-cols-3">
          <Field label="Strong model (writes instructions)">
            <Select value={strongModel} onChange={(e) => setStrong(e.target.value)}>
              {options}
            </Select>
          </Field>
          <Field label="Cheap model (follows them)">
            <Select value={cheapModel} onChange={(e) => setCheap(e.target.value)}>
              {options}
            </Select>
          </Field>
          <label className="flex items-end gap-2 pb-2 text-sm">
            <input type="checkbox" checked={compare} onChange={(e) => setCompare(e.target.checked)} />
            Also run the strong model alone (measured saving)
          </label>
        </div>
        <FormMessage state={state} />
        <Button type="submit" disabled={pending || !task.trim()}>
          {pending ? "Working…" : "Synthesise instructions and execute"}
        </Button>
      </form>
      {result && (
        <div className="space-y-3" data-testid="synthesis-result">
          <section>
            <h3 className="text-sm font-semibold">
              Instructions — <span data-testid="synthesis-strong-model">{result.instructions.model}</span>, {formatUsd(result.instructions.costMicros)}
            </h3>
            <pre className="mt-1 whitespace-pre-wrap rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-950">{result.instructions.text}</pre>
          </section>
          <section>
            <h3 className="text-sm font-semibold">
              Result — <span data-testid="synthesis-cheap-model">{result.execution.model}</span>, {formatUsd(result.execution.costMicros)}
            </h3>
            <pre className="mt-1 whitespace-pre-wrap rounded bg-zinc-50 p-2 text-sm dark:bg-zinc-950">{result.execution.text}</pre>
          </section>
          <SavingBox saving={result} className="text-sm">
            Total {formatUsd(result.totalCostMicros)} vs {result.strongAlone.model} alone {formatUsd(result.strongAlone.costMicros)} ({result.strongAlone.method}):{" "}
            <strong>{savingWords(result)}</strong>
            <span className="mt-1 block text-xs opacity-80">{result.strongAlone.explanation}</span>
          </SavingBox>
        </div>
      )}
    </div>
  );
}

"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { useHasScope, useTeam } from "@/components/shell/team-context";
import { Button } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/form";
import { startRunAction } from "@/lib/pipelines/actions";

/** Starts a run of a saved pipeline and opens its live page. */
export function RunForm({ pipelineId, placeholder }: { pipelineId: string; placeholder?: string }) {
  const team = useTeam();
  const canRun = useHasScope("pipelines:run");
  const router = useRouter();
  const [input, setInput] = useState("");
  const [state, setState] = useState<{ ok: boolean; error?: string; fieldErrors?: Record<string, string[]> } | null>(null);
  const [pending, start] = useTransition();
  if (!canRun) return <p className="text-sm text-zinc-500">Your role can view runs but not start them.</p>;
  return (
    <form
      className="space-y-3"
      data-testid="run-form"
      onSubmit={(e) => {
        e.preventDefault();
        start(async () => {
          const res = await startRunAction({ teamId: team.id, pipelineId, input });
          if (!res.ok) return setState(res);
          router.push(`/t/${team.slug}/pipelines/runs/${res.data.runId}`);
        });
      }}
    >
      <Field label="Input" error={state?.fieldErrors?.input}>
        <textarea
          className="h-28 w-full rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-950"
          value={input}
          placeholder={placeholder ?? "What the first step works on ({{input}} in its template)"}
          onChange={(e) => setInput(e.target.value)}
        />
      </Field>
      <FormMessage state={state} />
      <Button type="submit" disabled={pending || !input.trim()}>
        {pending ? "Starting…" : "Run pipeline"}
      </Button>
    </form>
  );
}

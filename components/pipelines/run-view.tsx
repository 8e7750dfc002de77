"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { useHasScope, useTeam } from "@/components/shell/team-context";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { RatingControls } from "@/components/ratings/rating-controls";
import { cancelRunAction, retryStepAction, startRunAction } from "@/lib/pipelines/actions";
import type { RunView as Run, StepView } from "@/lib/pipelines/service";
import { formatUsd } from "@/lib/format";
import { SavingBox, savingWords } from "./saving";
import { StatusBadge } from "./status";

export const runQueryKey = (runId: string) => ["pipeline-run", runId] as const;
const live = (r: Run | undefined) => !!r && (r.status === "queued" || r.status === "running");

/**
 * A run, live: polls the run's JSON every half second while it is queued or running (steps write
 * their streamed output to the database as it arrives, so any worker's progress shows here).
 */
export function RunView({ initial, canRerun = false }: { initial: Run; canRerun?: boolean }) {
  const team = useTeam();
  const router = useRouter();
  const qc = useQueryClient();
  const canRun = useHasScope("pipelines:run");
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const { data: run = initial } = useQuery({
    queryKey: runQueryKey(initial.id),
    initialData: initial,
    queryFn: async () => {
      const res = await fetch(`/api/teams/${team.slug}/pipeline-runs/${initial.id}`, { cache: "no-store" });
      if (!res.ok) throw new Error((await res.json().catch(() => null))?.error?.message ?? `HTTP ${res.status}`);
      return (await res.json()) as Run;
    },
    refetchInterval: (q) => (live(q.state.data) ? 500 : false),
    staleTime: 0,
  });
  const act = (fn: () => Promise<{ ok: boolean; error?: string }>) =>
    start(async () => {
      const res = await fn();
      setError(res.ok ? null : (res.error ?? "That did not work."));
      await qc.invalidateQueries({ queryKey: runQueryKey(initial.id) });
    });

  const pct = run.progress.total ? Math.round((run.progress.done / run.progress.total) * 100) : 0;
  // The run's cost is every call made for it; each step counts all its finished attempts. What is
  // left over was spent by attempts that never finished (a worker stopped mid-step).
  const unattributed = live(run) ? 0 : run.costMicros - run.steps.reduce((sum, s) => sum + s.totalCostMicros, 0);
  return (
    <div className="space-y-4" data-testid="run-view">
      <Card>
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div className="flex items-center gap-2">
            <span className="text-sm text-zinc-500">Status</span>
            <span data-testid="run-status">
              <StatusBadge status={run.status} />
            </span>
            {run.cancelRequested && live(run) && <span className="text-xs text-amber-600">cancelling…</span>}
          </div>
          <div className="flex items-center gap-4 text-sm">
            <span>
              Cost <strong data-testid="run-cost">{formatUsd(run.costMicros)}</strong>
            </span>
            {canRun && canRerun && !live(run) && (
              <Button
                variant="secondary"
                disabled={pending}
                title="Starts a new run of the pipeline as it is now, on this run's input"
                onClick={() =>
                  start(async () => {
                    const res = await startRunAction({ teamId: team.id, pipelineId: run.pipelineId, input: run.input });
                    if (!res.ok) return setError(res.error);
                    router.push(`/t/${team.slug}/pipelines/runs/${res.data.runId}`);
                  })
                }
              >
                Run again
              </Button>
            )}
            {canRun && live(run) && !run.cancelRequested && (
              <Button variant="danger" disabled={pending} onClick={() => act(() => cancelRunAction({ teamId: team.id, runId: run.id }))}>
                Cancel run
              </Button>
            )}
          </div>
        </div>
        <div className="mt-3">
          <div className="mb-1 flex justify-between text-xs text-zinc-500">
            <span>
              {run.progress.done} of {run.progress.total} steps done
            </span>
            <span>{pct}%</span>
          </div>
          <div
            role="progressbar"
            aria-label="Run progress"
            aria-valuemin={0}
            aria-valuemax={run.progress.total}
            aria-valuenow={run.progress.done}
            className="h-2 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800"
          >
            <div className={`h-full transition-all ${run.status === "failed" ? "bg-red-500" : "bg-indigo-600"}`} style={{ width: `${pct}%` }} />
          </div>
        </div>
        {run.queuedReason && (
          <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400" data-testid="run-queued-reason">
            {run.queuedReason}
          </p>
        )}
        {unattributed > 0 && (
          <p className="mt-2 text-xs text-zinc-500" data-testid="run-cost-unattributed">
            {formatUsd(unattributed)} of it is for calls of step attempts that stopped without finishing (a worker stopped mid-step), so no step below shows it.
          </p>
        )}
        {run.error && (
          <p className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300" role="alert" data-testid="run-error">
            {run.error}
          </p>
        )}
        {error && (
          <p className="mt-3 text-sm text-red-600" role="alert">
            {error}
          </p>
        )}
        <details className="mt-3 text-sm">
          <summary className="cursor-pointer text-zinc-500">Input</summary>
          <pre className="mt-1 whitespace-pre-wrap text-xs">{run.input}</pre>
        </details>
      </Card>

      <ol className="space-y-3">
        {run.steps.map((s) => (
          <StepCard
            key={s.key}
            step={s}
            canRetry={canRun && (run.status === "failed" || run.status === "cancelled") && s.status !== "succeeded" && s.status !== "pending"}
            onRetry={() => act(() => retryStepAction({ teamId: team.id, runId: run.id, stepKey: s.key }))}
            busy={pending}
          />
        ))}
      </ol>
    </div>
  );
}

function StepCard({ step: s, canRetry, onRetry, busy }: { step: StepView; canRetry: boolean; onRetry: () => void; busy: boolean }) {
  return (
    <li className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900" data-testid={`step-${s.key}`} data-status={s.status}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex items-center gap-2">
          <span className="font-medium">{s.key}</span>
          <StatusBadge status={s.status} />
          <span className="text-xs text-zinc-500">
            {s.kind === "synthesis" ? `synthesis: ${s.strongModel} → ${s.requestedModel}` : s.requestedModel}
            {s.model && s.model !== s.requestedModel ? ` (ran on ${s.model})` : ""}
            {s.maxCostMicros !== null ? ` · cap ${formatUsd(s.maxCostMicros)}` : ""}
          </span>
        </div>
        <div className="flex items-center gap-3 text-xs text-zinc-600 dark:text-zinc-400">
          {s.status !== "pending" && s.attempts > 0 && (
            <span data-testid="step-metrics">
              {s.inputTokens}→{s.outputTokens} tok · {formatUsd(s.costMicros)} · {s.latencyMs} ms{s.attempts > 1 ? ` · attempt ${s.attempts}` : ""}
            </span>
          )}
          {canRetry && (
            <Button variant="secondary" disabled={busy} onClick={onRetry}>
              Retry step
            </Button>
          )}
        </div>
      </div>
      {s.attemptLog.some((a) => a.attempt !== s.attempts) && (
        <p className="mt-2 text-xs text-zinc-600 dark:text-zinc-400" data-testid="step-attempts">
          {s.status === "running" ? "Earlier attempts" : `All ${s.attemptLog.length} attempts`}: <strong>{formatUsd(s.totalCostMicros)}</strong> (
          {s.attemptLog.map((a) => `attempt ${a.attempt} ${a.status}, ${formatUsd(a.costMicros)}`).join("; ")})
        </p>
      )}
      {s.waiting && (
        <p className="mt-2 text-sm text-amber-700 dark:text-amber-400" data-testid="step-waiting" role="status">
          {s.waiting.message}
        </p>
      )}
      {s.error && (
        <p className="mt-2 text-sm text-red-700 dark:text-red-400" data-testid="step-error">
          {s.error}
        </p>
      )}
      {s.instructions && (
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer text-zinc-500">Instructions written by {s.synthesis?.instructions.model ?? s.strongModel}</summary>
          <pre className="mt-1 whitespace-pre-wrap text-xs">{s.instructions}</pre>
        </details>
      )}
      {s.synthesis && <SavingLine synthesis={s.synthesis} />}
      {(s.output || s.status === "running") && (
        <pre className="mt-2 max-h-96 overflow-auto whitespace-pre-wrap rounded bg-zinc-50 p-2 text-sm dark:bg-zinc-950" data-testid="step-output" aria-live="polite">
          {s.output}
          {s.status === "running" && <span className="animate-pulse">▍</span>}
        </pre>
      )}
      {/* The same controls as every other result (a synthesis step rates the cheap model's request). */}
      {s.status === "succeeded" && s.requestId && (
        <div className="mt-2">
          <RatingControls requestId={s.requestId} current={s.myRating} />
        </div>
      )}
    </li>
  );
}

export function SavingLine({ synthesis: x }: { synthesis: NonNullable<StepView["synthesis"]> }) {
  return (
    <SavingBox saving={x} className="mt-2 text-xs">
      Instructions {formatUsd(x.instructions.costMicros)} ({x.instructions.model}) + execution {formatUsd(x.execution.costMicros)} ({x.execution.model}) = {formatUsd(x.totalCostMicros)}.{" "}
      {x.strongAlone.model} alone: {formatUsd(x.strongAlone.costMicros)} ({x.strongAlone.method}). <strong>{savingWords(x, true)}</strong>
      <div className="mt-1 opacity-80">{x.strongAlone.explanation}</div>
    </SavingBox>
  );
}

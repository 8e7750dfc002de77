"use client";

import { useRouter } from "next/navigation";
import { useMemo, useRef, useState } from "react";
import { knobStops, prepareCostQuality, stopIndex, type SimPoint, type SimSingle } from "@/lib/charts/simulation";
import { CostQualityChart } from "@/components/charts/cost-quality";
import { formatUsd } from "@/lib/format";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { KnobSlider } from "./knob-slider";
import { useHasScope, useTeam } from "@/components/shell/team-context";

type Result = { file: string; prompts: number; train: number; test: number; singles: SimSingle[]; best_single: SimSingle; points: SimPoint[]; aiq: number; aiq_best_single_hull: number };

// A ratio to a best single model that cost nothing or scored nothing has no value (JSON null).
const pct = (x: number | null) => (x != null && Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : "—");

/** The error body's message, or a status line when the answer is not the API's JSON. */
async function errorOf(res: Response): Promise<string> {
  const body = await res.json().catch(() => null);
  return body?.error?.message ?? `The simulator answered ${res.status}; try again.`;
}

export function Simulator() {
  const team = useTeam();
  const canRun = useHasScope("requests:write");
  const canWarm = useHasScope("settings:write");
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [knob, setKnob] = useState(0.5);
  // The file on screen now: an answer for a file the user has since replaced is dropped.
  const current = useRef<File | null>(null);
  const chart = useMemo(() => (result ? prepareCostQuality(result.points, result.singles) : null), [result]);
  const stops = useMemo(() => (result ? knobStops(result.points) : []), [result]);
  const selIndex = stopIndex(stops, knob);
  const sel = stops[selIndex];

  /** A new file: the last file's figures, error and notice are not about it. */
  function choose(next: File | null) {
    current.current = next;
    setFile(next);
    setResult(null);
    setError(null);
    setNotice(null);
  }

  async function post(warm: boolean) {
    if (!file) {
      setError("Choose an outcomes file first (JSONL: one {prompt, outcomes: {model: {score, cost_usd}}} per line).");
      return;
    }
    setBusy(warm ? "Warm-starting…" : "Replaying… (this takes a few seconds)");
    setError(null);
    setNotice(null);
    // A replay's figures belong to one file: they go when it is replayed again, and stay gone if that fails.
    if (!warm) setResult(null);
    try {
      const res = await fetch(`/api/teams/${team.slug}/simulate${warm ? "?warmStart=1" : ""}`, { method: "POST", body: await file.text(), headers: { "content-type": "application/x-ndjson" } });
      if (current.current !== file) return;
      if (!res.ok) setError(await errorOf(res));
      else if (warm) {
        const body = await res.json();
        const unknown = body.models.length - (body.known_models?.length ?? body.models.length);
        setNotice(
          `The team's router now starts from ${body.prompts} prompts and ${body.models.length} models' outcomes` +
            (unknown > 0 ? ` (${unknown} of them not models of this installation, so unused)` : "") +
            `, with the team's own ${body.ratings_kept ?? 0} ${body.ratings_kept === 1 ? "rating" : "ratings"} applied on top.`,
        );
        router.refresh();
      } else setResult({ ...(await res.json()), file: file.name });
    } catch {
      if (current.current === file) setError("The upload failed; check your connection and try again.");
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="space-y-4">
      <Card title="Replay an outcomes file">
        <p className="mb-3 text-sm text-zinc-500">
          Upload prompts with every model&apos;s graded outcome and cost. The simulator trains the router on a seeded 70 % of the prompts, then replays it on the
          other 30 %, choosing from the prompt text and prices only and learning only from the chosen model&apos;s score.
        </p>
        <div className="flex flex-wrap items-center gap-3">
          <input type="file" accept=".jsonl,.ndjson,.txt,application/json" aria-label="Outcomes file" onChange={(e) => choose(e.target.files?.[0] ?? null)} disabled={!canRun} className="max-w-full text-sm" />
          <Button onClick={() => post(false)} disabled={!!busy || !canRun} aria-describedby={canRun ? undefined : "simulator-role"}>
            Simulate
          </Button>
          {canWarm && (
            <Button variant="secondary" onClick={() => post(true)} disabled={!!busy}>
              Warm-start this team&apos;s router from the file
            </Button>
          )}
          {busy && <span className="text-sm text-zinc-500" role="status">{busy}</span>}
        </div>
        {!canRun && (
          <p id="simulator-role" className="mt-3 text-sm text-zinc-500">
            Your role ({team.role}) cannot run the simulator; ask a member or admin of the team.
          </p>
        )}
        {error && (
          <p className="mt-3 whitespace-pre-line rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300" role="alert">
            {error}
          </p>
        )}
        {notice && (
          <p className="mt-3 text-sm text-emerald-700" role="status">
            {notice}
          </p>
        )}
      </Card>
      {result && chart && sel && (
        <Card title={`Held-out replay of ${result.file}: ${result.test} prompts (trained on ${result.train})`}>
          <div className="grid gap-4 lg:grid-cols-[2fr_1fr]">
            <CostQualityChart data={chart} selected={{ knob: sel.knob, cost: sel.cost_usd, quality: Math.round(sel.quality * 10000) / 100 }} />
            <div className="space-y-3 text-sm" data-testid="simulation-figures">
              <KnobSlider stops={stops} index={selIndex} onKnob={setKnob} />
              <dl className="grid grid-cols-2 gap-2">
                <dt className="text-zinc-500">Quality</dt>
                <dd data-testid="sim-quality">{pct(sel.quality)}</dd>
                <dt className="text-zinc-500">Cost</dt>
                <dd>{formatUsd(sel.cost_usd * 1_000_000)}</dd>
                <dt className="text-zinc-500">vs best single ({result.best_single.model})</dt>
                <dd>
                  {pct(sel.quality_ratio)} of its quality at {pct(sel.cost_ratio)} of its cost
                </dd>
                <dt className="text-zinc-500">AIQ (area under the hull)</dt>
                <dd data-testid="sim-aiq">
                  {result.aiq.toFixed(4)} vs {result.aiq_best_single_hull.toFixed(4)} for single models
                </dd>
              </dl>
            </div>
          </div>
        </Card>
      )}
    </div>
  );
}

"use client";

import { useMemo, useState } from "react";
import { prepareLoggedCurve, stopIndex } from "@/lib/charts/simulation";
import type { LoggedSimulation } from "@/lib/ratings/logged-simulation";
import { CostQualityChart } from "@/components/charts/cost-quality";
import { formatInt, formatPct, formatUsd } from "@/lib/format";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { KnobSlider } from "./knob-slider";

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The routing simulator on the team's own rated results (computed on the server: lib/ratings/logged-simulation.ts). */
export function LoggedSimulator({ result }: { result: LoggedSimulation }) {
  const [knob, setKnob] = useState(0.5);
  const { chart, stops } = useMemo(() => prepareLoggedCurve(result.points, result.singles, result.minMatched), [result]);
  const selIndex = stopIndex(stops, knob);
  const sel = stops[selIndex];
  const enough = sel && sel.matched >= result.minMatched && sel.quality !== null && sel.costMicros !== null;
  const title = `Your logged ratings, last ${result.days} days`;
  if (result.events === 0) {
    return (
      <Card title={title}>
        <EmptyState title="No rated results yet">Rate results in the playground or through the API&apos;s /feedback; the router is then replayed on them here, and each model&apos;s observed quality and cost per task shows too.</EmptyState>
      </Card>
    );
  }
  return (
    <Card title={title}>
      <div className="mb-3 space-y-2 text-sm text-zinc-500">
        <p>
          Only the model that answered each result was rated, so the router is replayed on them by the replay method: oldest first and from an empty start, it
          chooses a model for each result; where it chooses the one that answered, the result counts (its rating and cost) and the router learns the rating,
          anywhere else the result is skipped. Each setting is an estimate from the results that match its choices — unbiased only if the logged choices were
          random; yours were made by the router or by people naming a model, so settings that choose unlike them rest on few results.
        </p>
        <p>
          {formatInt(result.events)} rated {result.events === 1 ? "result" : "results"}
          {result.events >= result.maxEvents ? ` (the latest ${formatInt(result.maxEvents)})` : ""}; costs are per task. Settings matching fewer than {result.minMatched} results are
          not drawn (greyed in the table below). The router chose among {result.candidates.length ? result.candidates.join(", ") : "no model it may use now"} (the models that answered a rated result, as the team&apos;s routing allows).
        </p>
      </div>
      <div className="grid gap-4 lg:grid-cols-[2fr_1fr]">
        <CostQualityChart
          data={chart}
          cost="cost per task"
          testId="logged-cost-quality-chart"
          selected={enough ? { knob: sel.knob, cost: sel.costMicros! / 1_000_000, quality: Math.round(sel.quality! * 10000) / 100 } : undefined}
        />
        <div className="space-y-3 text-sm" data-testid="logged-figures">
          <KnobSlider stops={stops} index={selIndex} onKnob={setKnob} label="Quality versus cost on your logged ratings" testId="logged-knob" />
          <dl className="grid grid-cols-2 gap-2">
            <dt className="text-zinc-500">Results that match</dt>
            <dd data-testid="logged-matched">
              {formatInt(sel.matched)} of {formatInt(result.events)}
            </dd>
            <dt className="text-zinc-500">Quality (mean rating)</dt>
            <dd data-testid="logged-quality">{enough ? pct(sel.quality!) : `too few results to estimate (fewer than ${result.minMatched})`}</dd>
            <dt className="text-zinc-500">Cost per task</dt>
            <dd data-testid="logged-cost">{enough ? formatUsd(sel.costMicros!) : "—"}</dd>
          </dl>
        </div>
      </div>
      <h3 className="mb-1 mt-4 text-xs font-medium text-zinc-500">Each setting: the results that match it (greyed: too few to draw)</h3>
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="logged-settings">
          <thead className="text-left text-xs text-zinc-500">
            <tr>
              <th className="py-1 pr-3">Quality versus cost</th>
              <th className="py-1 pr-3 text-right">Results that match</th>
              <th className="py-1 pr-3 text-right">Mean rating</th>
              <th className="py-1 text-right">Cost per task</th>
            </tr>
          </thead>
          <tbody>
            {stops.map((p) => (
              <tr key={p.knob} className={`border-t border-zinc-100 dark:border-zinc-800 ${p.matched < result.minMatched ? "text-zinc-400" : ""}`}>
                <td className="py-1 pr-3">{p.knob.toFixed(2)}</td>
                <td className="py-1 pr-3 text-right">{formatInt(p.matched)}</td>
                <td className="py-1 pr-3 text-right">{p.quality !== null ? pct(p.quality) : "—"}</td>
                <td className="py-1 text-right">{p.costMicros !== null ? formatUsd(p.costMicros) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3 className="mb-1 mt-4 text-xs font-medium text-zinc-500">Single models: each over the results it answered</h3>
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="logged-points">
          <thead className="text-left text-xs text-zinc-500">
            <tr>
              <th className="py-1 pr-3">Model</th>
              <th className="py-1 pr-3 text-right">Rated results</th>
              <th className="py-1 pr-3 text-right">Average rating</th>
              <th className="py-1 text-right">Cost per task</th>
            </tr>
          </thead>
          <tbody>
            {result.singles.map((s) => (
              <tr key={s.model} className="border-t border-zinc-100 dark:border-zinc-800">
                <td className="py-1 pr-3 font-mono text-xs">{s.model}</td>
                <td className="py-1 pr-3 text-right">{formatInt(s.events)}</td>
                <td className="py-1 pr-3 text-right">{formatPct(s.quality)}</td>
                <td className="py-1 text-right">{formatUsd(Math.round(s.costMicros))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

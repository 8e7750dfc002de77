import { eq } from "drizzle-orm";
import { models, providers } from "@/db/schema";
import { DOMAINS } from "@/lib/analysis/types";
import { requirePageTeam } from "@/lib/auth/page";
import { qualityEstimate } from "@/lib/learning";
import { loadSnapshot } from "@/lib/learning/store";
import { modelStats } from "@/lib/usage/model-stats";
import { prepareModelCharts } from "@/lib/charts/models";
import { formatInt, formatMs, formatPct as pct, formatUsd } from "@/lib/format";
import { Card } from "@/components/ui/card";
import { Badge, EmptyState } from "@/components/ui/empty-state";
import { ErrorRateBars, LatencyBars, QualityCostChart } from "@/components/charts/model-charts";

export const metadata = { title: "Models" };

export default async function ModelsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { db, team } = await requirePageTeam(slug);
  const [rows, stats, snapshot] = await Promise.all([
    db
      .select({ m: models, provider: providers.name, providerEnabled: providers.enabled, local: providers.local })
      .from(models)
      .innerJoin(providers, eq(providers.id, models.providerId))
      .orderBy(providers.name, models.name),
    modelStats(db, team.id, 30, team.timezone),
    loadSnapshot(db, team.id),
  ]);
  const statOf = new Map(stats.map((s) => [s.model, s]));
  const charts = prepareModelCharts(rows.map(({ m }) => m.name), stats);
  if (rows.length === 0) {
    return (
      <div className="space-y-6">
        <h1 className="text-xl font-semibold">Models</h1>
        <EmptyState title="No models configured">An admin adds providers and models under Admin; the demo seeds five providers.</EmptyState>
      </div>
    );
  }
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Models</h1>
      <Card title="Performance for this team, last 30 days">
        <div className="overflow-x-auto">
          <table className="w-full text-sm" data-testid="model-stats">
            <thead className="text-left text-xs text-zinc-500">
              <tr>
                <th className="py-1">Model</th>
                <th className="py-1 text-right">Requests</th>
                <th className="py-1 text-right">Error rate</th>
                <th className="py-1 text-right">Latency p50 / p95</th>
                <th className="py-1 text-right">Cost per task</th>
                <th className="py-1 text-right">Ratings</th>
                <th className="py-1 text-right">Avg rating</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ m }) => {
                const s = statOf.get(m.name);
                return (
                  <tr key={m.id} className="border-t border-zinc-100 dark:border-zinc-800" data-testid={`stats-${m.name}`}>
                    <td className="py-1.5 font-mono text-xs">{m.name}</td>
                    <td className="py-1.5 text-right">{formatInt(s?.requests ?? 0)}</td>
                    <td className="py-1.5 text-right" data-testid="error-rate" title={s?.failedOver ? `${s.failedOver} of these failures were answered by a fallback model` : undefined}>
                      {s?.requests ? pct(s.errors / s.requests) : "—"}
                      {s?.failedOver ? <span className="block text-xs text-zinc-500">{formatInt(s.failedOver)} fell back</span> : null}
                    </td>
                    <td className="py-1.5 text-right" data-testid="latency">{s?.p50LatencyMs != null ? `${formatMs(s.p50LatencyMs)} / ${formatMs(s.p95LatencyMs!)}` : "—"}</td>
                    <td className="py-1.5 text-right" data-testid="cost-per-task">{s?.avgCostMicros != null ? formatUsd(Math.round(s.avgCostMicros)) : "—"}</td>
                    <td className="py-1.5 text-right" data-testid="ratings-count">
                      {formatInt(s?.ratings ?? 0)}
                    </td>
                    <td className="py-1.5 text-right" data-testid="avg-rating">{s?.avgRating != null ? pct(s.avgRating) : "—"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </Card>
      <Card title="Charts of the same figures, last 30 days">
        {charts.hasRequests ? (
          <div className="grid gap-8 lg:grid-cols-2">
            <div className="lg:col-span-2">
              <QualityCostChart data={charts.quality} />
            </div>
            <LatencyBars data={charts.latency} />
            <ErrorRateBars data={charts.errors} />
          </div>
        ) : (
          <EmptyState title="No requests in the last 30 days">The charts appear once this team&apos;s tasks have run; a model&apos;s point on the quality chart once its results are rated.</EmptyState>
        )}
      </Card>
      <Card title="Learned quality by kind of task">
        <p className="mb-2 text-xs text-zinc-500">
          Expected share of good results, learned from this team&apos;s ratings and automatic signals (errors, fallbacks). &ldquo;—&rdquo; means no evidence yet: the router
          then relies on the model&apos;s declared strengths and explores within its cost cap.
        </p>
        <div className="overflow-x-auto">
          <table className="w-full text-xs" data-testid="learned-quality">
            <thead className="text-left text-zinc-500">
              <tr>
                <th className="py-1">Model</th>
                {DOMAINS.map((d) => (
                  <th key={d} className="px-1 py-1 text-right">
                    {d}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map(({ m }) => (
                <tr key={m.id} className="border-t border-zinc-100 dark:border-zinc-800" data-testid={`learned-${m.name}`}>
                  <td className="py-1 font-mono">{m.name}</td>
                  {DOMAINS.map((d) => {
                    const q = qualityEstimate(snapshot, { domain: d, model: m.name });
                    return (
                      <td key={d} className="px-1 py-1 text-right" title={q.evidence ? `${q.evidence.toFixed(1)} weighted outcomes` : "no evidence"} data-testid={`q-${m.name}-${d}`}>
                        {q.evidence > 0 ? pct(q.mean) : <span className="text-zinc-400">—</span>}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      <Card title="Capability matrix and prices (per million tokens)">
        <p className="mb-2 text-xs text-zinc-500">
          A request that sends tools goes only to models with tool calling, one with images only to models with image input; a request that names a model without it is
          refused. The catalog&apos;s models carry what their vendors document; a model an admin adds has neither until the admin ticks it in Admin → Models.
        </p>
        <div className="overflow-x-auto">
          <table className="w-full text-sm" data-testid="models-table">
            <thead className="text-left text-xs text-zinc-500">
              <tr>
                <th className="py-1">Model</th>
                <th className="py-1">Provider</th>
                <th className="py-1 text-right">Context</th>
                <th className="py-1 text-right" title="Most output tokens one answer may have; requests asking for more go only to models that can give it">
                  Max output
                </th>
                <th className="py-1 text-right">Input</th>
                <th className="py-1 text-right">Output</th>
                <th className="py-1 pl-4">Tier</th>
                <th className="py-1">Strengths</th>
                <th className="py-1" title="Accepts function tools; requests with tools go only to models that do">
                  Tools
                </th>
                <th className="py-1" title="Reads images in messages; requests with images go only to models that do">
                  Images
                </th>
                <th className="py-1" title="Takes reasoning_effort; requests that set it go only to models that do">
                  Reasoning
                </th>
                <th className="py-1">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ m, provider, providerEnabled, local }) => (
                <tr key={m.id} className="border-t border-zinc-100 dark:border-zinc-800" data-testid={`caps-${m.name}`}>
                  <td className="py-1.5">
                    <div>{m.displayName}</div>
                    <div className="font-mono text-xs text-zinc-500">{m.name}</div>
                  </td>
                  <td className="py-1.5">
                    {provider} {local && <Badge tone="green">local</Badge>}
                  </td>
                  <td className="py-1.5 text-right">{formatInt(m.contextWindow)}</td>
                  <td className="py-1.5 text-right" data-testid="max-output">
                    {m.maxOutputTokens === null ? <span className="text-zinc-400">unknown</span> : formatInt(m.maxOutputTokens)}
                  </td>
                  <td className="py-1.5 text-right">{formatUsd(m.inputPriceMicros)}</td>
                  <td className="py-1.5 text-right">{formatUsd(m.outputPriceMicros)}</td>
                  <td className="py-1.5 pl-4">{m.costTier}</td>
                  <td className="py-1.5 text-xs text-zinc-500">{m.strengths.join(", ")}</td>
                  <td className="py-1.5" data-testid="tool-calling">
                    {m.toolCalling ? <Badge tone="green">yes</Badge> : <span className="text-zinc-400">no</span>}
                  </td>
                  <td className="py-1.5" data-testid="image-input">
                    {m.imageInput ? <Badge tone="green">yes</Badge> : <span className="text-zinc-400">no</span>}
                  </td>
                  <td className="py-1.5" data-testid="reasoning-effort">
                    {m.reasoningEffort ? <Badge tone="green">yes</Badge> : <span className="text-zinc-400">no</span>}
                  </td>
                  <td className="py-1.5">{m.enabled && providerEnabled ? <Badge tone="green">enabled</Badge> : <Badge>disabled</Badge>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}

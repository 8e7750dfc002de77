/**
 * Text alternatives for the charts: a short name and a one-paragraph summary computed from the
 * same prepared data the chart draws, for screen readers (the SVG itself says nothing).
 */
import { formatInt, formatMs, formatPct, formatUsd } from "@/lib/format";
import type { ModelCharts } from "./models";
import type { StackedPoint } from "./series";

export type ChartText = { title: string; summary: string };

const usd = (dollars: number) => formatUsd(Math.round(dollars * 1_000_000));
const pct = (x: number) => `${Number(x.toFixed(1))} %`;

/** The burn chart (lib/charts/burn.ts): cumulative spend to today, then the forecast to the period's end. */
export function describeBurn(data: { day: string; spent?: number; forecast?: number }[], limit: number): ChartText {
  const title = "Budget burn: cumulative spend this period against the limit";
  const spent = data.filter((d) => d.spent !== undefined);
  if (!spent.length) return { title, summary: `No spend recorded yet this period; the limit is ${usd(limit)}.` };
  const today = spent[spent.length - 1];
  const last = data[data.length - 1];
  const parts = [`Spent ${usd(today.spent!)} from ${data[0].day} to ${today.day}, against a limit of ${usd(limit)}.`];
  if (last.day > today.day && last.forecast !== undefined) {
    parts.push(`At the current rate the forecast is ${usd(last.forecast)} by ${last.day}${last.forecast > limit ? ", over the limit" : ""}.`);
    // The first forecast day over the limit, when the forecast crosses it after today.
    const over = today.spent! <= limit ? data.find((d) => d.day > today.day && (d.forecast ?? 0) > limit) : undefined;
    if (over) parts.push(`The forecast passes the limit on ${over.day}.`);
  }
  if (today.spent! > limit) parts.push("Spend is already over the limit.");
  return { title, summary: parts.join(" ") };
}

/** The stacked cost bars (lib/charts/series.ts stackByDay): total, highest day, largest series. */
export function describeStacked(data: StackedPoint[], keys: string[], labels: Record<string, string> = {}): ChartText {
  const name = (k: string) => labels[k] ?? k;
  const dayTotal = (p: StackedPoint) => keys.reduce((s, k) => s + (Number(p[k]) || 0), 0);
  const first = data[0]?.day;
  const lastDay = data[data.length - 1]?.day;
  const title = first ? `Spend per day from ${first} to ${lastDay}, stacked by ${keys.length} series` : "Spend per day";
  const total = data.reduce((s, p) => s + dayTotal(p), 0);
  if (!data.length || !(total > 0)) return { title, summary: `No spend in ${data.length} days.` };
  const top = data.reduce((best, p) => (dayTotal(p) > dayTotal(best) ? p : best));
  const byKey = keys.map((k) => ({ k, v: data.reduce((s, p) => s + (Number(p[k]) || 0), 0) })).sort((a, b) => b.v - a.v);
  const largest = byKey
    .slice(0, 3)
    .filter((x) => x.v > 0)
    .map((x) => `${name(x.k)} ${usd(x.v)} (${pct((x.v / total) * 100)})`);
  return {
    title,
    summary: `Total ${usd(total)} over ${data.length} days; highest day ${top.day} at ${usd(dayTotal(top))}. Largest: ${largest.join(", ")}.`,
  };
}

type CostQualityData = { router: { cost: number; quality: number; knob: number }[]; models: { cost: number; quality: number; model: string }[] };

/**
 * The simulator's chart (lib/charts/simulation.ts prepareCostQuality); quality in percent, cost in
 * dollars: the replay's total (an uploaded file) or per task (the team's logged ratings).
 */
export function describeCostQuality(data: CostQualityData, selected?: { knob: number; cost: number; quality: number }, cost: "total cost" | "cost per task" = "total cost"): ChartText {
  const title = `Routing simulation: quality against ${cost}, router versus single models`;
  const parts: string[] = [];
  const r = data.router;
  if (r.length) {
    // The curve is ordered by cost: its ends are the cheapest and the dearest setting.
    const lo = r[0];
    const hi = r[r.length - 1];
    parts.push(`Router over ${r.length} knob settings: from ${pct(lo.quality)} quality at ${usd(lo.cost)} to ${pct(hi.quality)} at ${usd(hi.cost)}.`);
  }
  if (data.models.length) {
    const models = [...data.models].sort((a, b) => a.cost - b.cost).map((m) => `${m.model} ${pct(m.quality)} at ${usd(m.cost)}`);
    parts.push(`Single models: ${models.join("; ")}.`);
  }
  if (selected) parts.push(`Selected setting ${selected.knob.toFixed(2)}: ${pct(selected.quality)} at ${usd(selected.cost)}.`);
  return { title, summary: parts.join(" ") || "No simulation points." };
}

const COST_SCALE_NOTE = { linear: "", log: " (log scale)", symlog: " (log scale from $0)" } as const;

/** The Models page's quality–cost plot (lib/charts/models.ts): each model cheapest first, then what is left out and why. */
export function describeQualityCost(q: ModelCharts["quality"]): ChartText {
  const title = `Average rating against cost per task${COST_SCALE_NOTE[q.scale]}`;
  const plotted = [...q.points]
    .sort((a, b) => a.costMicros - b.costMicros || (a.model < b.model ? -1 : 1))
    .map((p) => `${p.model} ${formatPct(p.rating)} from ${formatInt(p.ratings)} rating${p.ratings === 1 ? "" : "s"} at ${formatUsd(Math.round(p.costMicros))} per task`);
  const parts = [plotted.length ? `${plotted.length} model${plotted.length === 1 ? "" : "s"} plotted: ${plotted.join("; ")}.` : "No model has both a rating and a cost per task."];
  const left = leftOutText(q);
  if (left) parts.push(left);
  return { title, summary: parts.join(" ") };
}

/** "Left out: 2 models without ratings, 1 rated but without a successful call (no cost per task)." — or "" when none is. */
export function leftOutText(q: Pick<ModelCharts["quality"], "unrated" | "noCost">): string {
  const reasons = [
    q.unrated.length ? `${q.unrated.length} model${q.unrated.length === 1 ? "" : "s"} without ratings` : "",
    q.noCost.length ? `${q.noCost.length} rated but without a successful call (no cost per task)` : "",
  ].filter(Boolean);
  return reasons.length ? `Left out: ${reasons.join(", ")}.` : "";
}

/** The latency bars: p50 and p95 of successful calls per model, in the table's order. */
export function describeLatency(l: ModelCharts["latency"]): ChartText {
  const title = "Latency of successful calls per model, p50 and p95";
  const parts = l.bars.map((b) => `${b.model} p50 ${formatMs(b.p50)}, p95 ${formatMs(b.p95)}`);
  const summary = parts.length ? `${parts.join("; ")}.` : "No successful call.";
  return { title, summary: l.noSuccess.length ? `${summary} Without a successful call: ${l.noSuccess.join(", ")}.` : summary };
}

/** The error-rate bars: failed calls (fallbacks' rescued attempts included) of all calls per model. */
export function describeErrorRates(e: ModelCharts["errors"]): ChartText {
  const title = "Error rate per model";
  const parts = e.bars.map((b) => `${b.model} ${formatPct(b.rate)} (${formatInt(b.errors)} of ${formatInt(b.requests)} calls)`);
  return { title, summary: parts.length ? `${parts.join("; ")}.` : "No calls." };
}

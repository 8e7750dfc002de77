"use client";

import { useId, type ReactElement, type ReactNode } from "react";
import { Bar, BarChart, CartesianGrid, LabelList, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from "recharts";
import { describeErrorRates, describeLatency, describeQualityCost, leftOutText, type ChartText } from "@/lib/charts/describe";
import { rateTicks, type ModelCharts, type QualityCostPoint } from "@/lib/charts/models";
import { formatInt, formatMs, formatPct, formatUsd } from "@/lib/format";

const TABLE_NOTE = "The same figures are in the performance table above.";
const RATING_TICKS = [0, 0.25, 0.5, 0.75, 1];
// Ticks, labels and grid in currentColor follow the figure's text colour, light or dark.
const TICK = { fontSize: 11, fill: "currentColor" };

type A11y = { role: string; "aria-label": string; "aria-describedby": string };

/** A chart with its visible title and caption, and a summary for screen readers (the SVG says nothing). */
function Figure({ text, caption, testId, height, chart }: { text: ChartText; caption: string; testId: string; height: number; chart: (a11y: A11y) => ReactElement }) {
  const descId = useId();
  return (
    <figure className="min-w-0" data-testid={testId}>
      <figcaption className="mb-2">
        <span className="block text-sm font-medium">{text.title}</span>
        <span className="block text-xs text-zinc-500">{caption}</span>
      </figcaption>
      <p id={descId} className="sr-only">
        {text.summary}
      </p>
      <div style={{ height }} className="text-zinc-600 dark:text-zinc-400">
        <ResponsiveContainer width="100%" height="100%">
          {chart({ role: "img", "aria-label": text.title, "aria-describedby": descId })}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** A chart with nothing to draw: its title and why. */
function NoChart({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <figure data-testid={testId}>
      <figcaption className="text-sm font-medium">{title}</figcaption>
      <p className="mt-2 text-sm text-zinc-500">{children}</p>
    </figure>
  );
}

const pointText = (p: QualityCostPoint) => `${p.model}: ${formatPct(p.rating)} average of ${formatInt(p.ratings)} rating${p.ratings === 1 ? "" : "s"}, ${formatUsd(Math.round(p.costMicros))} per task`;

/**
 * One point per model, named by a label above it (kept inside the plot at the cheapest and the
 * dearest end), and on hover by the tooltip and the SVG title.
 */
function ModelPoint({ cx, cy, payload, lo, hi }: { cx?: number; cy?: number; payload?: QualityCostPoint; lo: number; hi: number }) {
  if (cx == null || cy == null || !payload) return null;
  const anchor = payload.costMicros === hi && hi !== lo ? "end" : payload.costMicros === lo ? "start" : "middle";
  return (
    <g data-testid="quality-point" data-model={payload.model}>
      <circle cx={cx} cy={cy} r={6} fill="#4f46e5" stroke="#fff" strokeWidth={1.5} />
      <text x={cx} y={cy - 10} textAnchor={anchor} fontSize={10} fill="currentColor">
        {payload.model}
      </text>
      <title>{pointText(payload)}</title>
    </g>
  );
}

function PointTooltip({ active, payload }: { active?: boolean; payload?: readonly { payload?: QualityCostPoint }[] }) {
  const p = active ? payload?.[0]?.payload : undefined;
  if (!p) return null;
  return <div className="rounded border border-zinc-200 bg-white px-2 py-1 text-xs shadow dark:border-zinc-700 dark:bg-zinc-900">{pointText(p)}</div>;
}

/** Average rating (0..1, as the table's "Avg rating") against cost per task (micro-dollars, the table's "Cost per task"). */
export function QualityCostChart({ data, height = 300 }: { data: ModelCharts["quality"]; height?: number }) {
  const text = describeQualityCost(data);
  const left = leftOutText(data);
  if (!data.points.length) {
    return (
      <NoChart title={text.title} testId="quality-cost-chart">
        No model has both a rating and a successful call in this window yet: rate results (Playground, Requests) to see them here. {left}
      </NoChart>
    );
  }
  const caption = [`${data.points.length} model${data.points.length === 1 ? "" : "s"} with both figures, named on the chart.`, left, TABLE_NOTE].filter(Boolean).join(" ");
  const costs = data.points.map((p) => p.costMicros);
  const t = data.ticks;
  const domain: [number, number | "auto"] = data.scale === "linear" || !t ? [0, "auto"] : [data.scale === "log" ? t[0] : 0, t[t.length - 1]];
  return (
    <Figure text={text} caption={caption} testId="quality-cost-chart" height={height} chart={(a11y) => (
      <ScatterChart margin={{ top: 24, right: 24, bottom: 20, left: 0 }} {...a11y}>
        <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.2} />
        <XAxis
          type="number"
          dataKey="costMicros"
          name="Cost per task"
          scale={data.scale}
          domain={domain}
          ticks={t}
          allowDataOverflow={false}
          tick={TICK}
          tickFormatter={(v: number) => formatUsd(v)}
          label={{ value: "cost per task", position: "insideBottom", offset: -12, fontSize: 11, fill: "currentColor" }}
        />
        <YAxis type="number" dataKey="rating" name="Average rating" domain={[0, 1]} ticks={RATING_TICKS} tick={TICK} tickFormatter={formatPct} width={56} />
        <Tooltip content={<PointTooltip />} cursor={{ strokeDasharray: "3 3" }} />
        <Scatter data={data.points} shape={<ModelPoint lo={Math.min(...costs)} hi={Math.max(...costs)} />} isAnimationActive={false} />
      </ScatterChart>
    )} />
  );
}

/** A bar that stays in the page even at zero length (a 0 % error rate), named for tests and hover. */
function NamedBar({ x, y, width, height, fill, payload, series, testId }: { x?: number; y?: number; width?: number; height?: number; fill?: string; payload?: { model: string }; series: string; testId: string }) {
  if (x == null || y == null || width == null || height == null || !payload) return <g />;
  return <rect x={x} y={y} width={Math.max(0, width)} height={height} fill={fill} data-testid={testId} data-model={payload.model} data-series={series} />;
}

const labelWidth = (models: string[]) => Math.min(180, 16 + 6.5 * Math.max(0, ...models.map((m) => m.length)));

/** p50 and p95 latency of successful calls per model (the table's "Latency p50 / p95"), in milliseconds. */
export function LatencyBars({ data }: { data: ModelCharts["latency"] }) {
  const text = describeLatency(data);
  const caption = `${data.noSuccess.length ? `Without a successful call, so without latency: ${data.noSuccess.join(", ")}. ` : ""}${TABLE_NOTE}`;
  if (!data.bars.length) {
    return (
      <NoChart title={text.title} testId="latency-chart">
        {text.summary}
      </NoChart>
    );
  }
  return (
    <Figure text={text} caption={caption} testId="latency-chart" height={56 + data.bars.length * 40} chart={(a11y) => (
      <BarChart data={data.bars} layout="vertical" margin={{ top: 0, right: 56, bottom: 0, left: 0 }} barGap={1} {...a11y}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="currentColor" strokeOpacity={0.2} />
        <XAxis type="number" tick={TICK} tickFormatter={formatMs} />
        <YAxis type="category" dataKey="model" tick={TICK} width={labelWidth(data.bars.map((b) => b.model))} interval={0} />
        <Tooltip formatter={(v) => formatMs(Number(v))} />
        <Legend verticalAlign="top" height={24} wrapperStyle={{ fontSize: 12 }} />
        <Bar dataKey="p50" name="p50" fill="#4f46e5" isAnimationActive={false} shape={<NamedBar series="p50" testId="latency-bar" />}>
          <LabelList dataKey="p50" position="right" fontSize={10} fill="currentColor" formatter={(v: unknown) => formatMs(Number(v))} />
        </Bar>
        <Bar dataKey="p95" name="p95" fill="#0891b2" isAnimationActive={false} shape={<NamedBar series="p95" testId="latency-bar" />}>
          <LabelList dataKey="p95" position="right" fontSize={10} fill="currentColor" formatter={(v: unknown) => formatMs(Number(v))} />
        </Bar>
      </BarChart>
    )} />
  );
}

/** Failed calls of all calls per model (the table's "Error rate"); every model called in the window has a bar, 0 % included. */
export function ErrorRateBars({ data }: { data: ModelCharts["errors"] }) {
  const text = describeErrorRates(data);
  const ticks = rateTicks(Math.max(0, ...data.bars.map((b) => b.rate)));
  return (
    <Figure text={text} caption={`Failed calls of all calls, failed attempts a fallback rescued included. ${TABLE_NOTE}`} testId="error-rate-chart" height={32 + data.bars.length * 28} chart={(a11y) => (
      <BarChart data={data.bars} layout="vertical" margin={{ top: 0, right: 56, bottom: 0, left: 0 }} {...a11y}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="currentColor" strokeOpacity={0.2} />
        <XAxis type="number" domain={[0, ticks[ticks.length - 1]]} ticks={ticks} tick={TICK} tickFormatter={formatPct} />
        <YAxis type="category" dataKey="model" tick={TICK} width={labelWidth(data.bars.map((b) => b.model))} interval={0} />
        <Tooltip formatter={(v) => formatPct(Number(v))} />
        <Bar dataKey="rate" name="Error rate" fill="#dc2626" isAnimationActive={false} shape={<NamedBar series="rate" testId="error-bar" />}>
          <LabelList dataKey="rate" position="right" fontSize={10} fill="currentColor" formatter={(v: unknown) => formatPct(Number(v))} />
        </Bar>
      </BarChart>
    )} />
  );
}

"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useId } from "react";
import { describeStacked } from "@/lib/charts/describe";
import type { StackedPoint } from "@/lib/charts/series";
import { formatAxisUsd, formatUsd } from "@/lib/format";

const COLORS = ["#4f46e5", "#0891b2", "#16a34a", "#ca8a04", "#dc2626", "#9333ea", "#64748b"];

/** Renders prepared series (lib/charts/series.ts): one stacked bar per day, dollars on the axis. */
export function StackedBars({ data, keys, labels, height = 280 }: { data: StackedPoint[]; keys: string[]; labels?: Record<string, string>; height?: number }) {
  const text = describeStacked(data, keys, labels);
  const descId = useId();
  return (
    <div style={{ height }} data-testid="stacked-chart">
      <p id={descId} className="sr-only">
        {text.summary}
      </p>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} role="img" aria-label={text.title} aria-describedby={descId}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e4e4e7" />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} tickFormatter={(d: string) => d.slice(5)} minTickGap={16} />
          <YAxis tick={{ fontSize: 11 }} tickFormatter={formatAxisUsd} width={56} />
          <Tooltip formatter={(v) => formatUsd(Number(v) * 1_000_000)} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {keys.map((k, i) => (
            <Bar key={k} dataKey={k} name={labels?.[k] ?? k} stackId="spend" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

"use client";

import { useId } from "react";
import { Area, AreaChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { niceTicks } from "@/lib/charts/burn";
import { describeBurn } from "@/lib/charts/describe";
import { formatAxisUsd, formatUsd } from "@/lib/format";

/** Cumulative spend this period against the limit (prepared by lib/charts/burn.ts). */
export function BurnChart({ data, limit, height = 180 }: { data: { day: string; spent?: number; forecast?: number }[]; limit: number; height?: number }) {
  // The limit line is drawn once spend or forecast comes within half of it; far below, it would
  // flatten the curve to the axis (the card states the limit in words).
  const top = Math.max(0, ...data.map((d) => Math.max(d.spent ?? 0, d.forecast ?? 0)));
  const showLimit = top >= limit * 0.5;
  const ticks = niceTicks(showLimit ? Math.max(top, limit) : top);
  const text = describeBurn(data, limit);
  const descId = useId();
  return (
    <div style={{ height }} data-testid="burn-chart">
      <p id={descId} className="sr-only">
        {text.summary}
      </p>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} role="img" aria-label={text.title} aria-describedby={descId}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e4e4e7" />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} tickFormatter={(d: string) => d.slice(5)} minTickGap={16} />
          <YAxis tick={{ fontSize: 11 }} ticks={ticks} domain={[0, ticks[ticks.length - 1]]} tickFormatter={formatAxisUsd} width={48} />
          <Tooltip formatter={(v) => formatUsd(Number(v) * 1_000_000)} />
          {showLimit && <ReferenceLine y={limit} ifOverflow="extendDomain" stroke="#dc2626" strokeDasharray="4 4" label={{ value: "limit", fontSize: 11, fill: "#dc2626" }} />}
          <Area dataKey="spent" name="Spent" stroke="#4f46e5" fill="#c7d2fe" isAnimationActive={false} />
          <Area dataKey="forecast" name="Forecast" stroke="#a1a1aa" strokeDasharray="4 4" fill="none" isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}

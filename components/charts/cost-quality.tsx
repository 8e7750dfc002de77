"use client";

import { useId } from "react";
import { CartesianGrid, DefaultZIndexes, Legend, Line, ComposedChart, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import { describeCostQuality } from "@/lib/charts/describe";
import { formatUsd } from "@/lib/format";
import { qualityAxis, type prepareCostQuality } from "@/lib/charts/simulation";

/** A diamond larger than the curve's dots, outlined in white so it reads on top of them. */
function SelectedMarker({ cx, cy }: { cx?: number; cy?: number }) {
  if (cx == null || cy == null) return null;
  const r = 9;
  return <path d={`M${cx},${cy - r}L${cx + r},${cy}L${cx},${cy + r}L${cx - r},${cy}Z`} fill="#dc2626" stroke="#fff" strokeWidth={2} />;
}

/** Dollars with `digits` decimals; below a cent as formatUsd writes them ($0.000037), where a few decimals would read $0.000. */
const dollars = (v: number, digits: number) => (v < 0.01 ? formatUsd(v * 1_000_000) : `$${v.toFixed(digits)}`);
/** The cost axis's ticks. */
const costTick = (v: number) => (v === 0 ? "$0" : dollars(v, v < 1 ? 3 : 2));

/** Renders prepared data (lib/charts/simulation.ts): the router's cost–quality curve against single models. */
export function CostQualityChart({
  data,
  selected,
  height = 320,
  cost = "total cost",
  testId = "cost-quality-chart",
}: {
  data: ReturnType<typeof prepareCostQuality>;
  selected?: { knob: number; cost: number; quality: number };
  height?: number;
  /** What the cost axis counts: a replay's total, or the mean per task. */
  cost?: "total cost" | "cost per task";
  testId?: string;
}) {
  const y = qualityAxis([...data.router.map((p) => p.quality), ...data.models.map((m) => m.quality)]);
  const text = describeCostQuality(data, selected, cost);
  const descId = useId();
  return (
    <div style={{ height }} data-testid={testId}>
      <p id={descId} className="sr-only">
        {text.summary}
      </p>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart margin={{ top: 8, right: 16, bottom: 16, left: 0 }} role="img" aria-label={text.title} aria-describedby={descId}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e4e4e7" />
          <XAxis type="number" dataKey="cost" name="Cost" domain={[0, "auto"]} tick={{ fontSize: 11 }} tickFormatter={costTick} label={{ value: `${cost} ($)`, position: "insideBottom", offset: -8, fontSize: 11 }} />
          <YAxis type="number" dataKey="quality" name="Quality" domain={y.domain} ticks={y.ticks} tick={{ fontSize: 11 }} tickFormatter={(v: number) => `${v}%`} width={48} />
          <Tooltip formatter={(v, name) => (name === "Cost" ? dollars(Number(v), 4) : `${v} %`)} />
          <Legend verticalAlign="top" height={24} />
          <Scatter name="Single models" data={data.models} fill="#a1a1aa" />
          <Line name="Router (knob sweep)" data={data.router} dataKey="quality" stroke="#4f46e5" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
          {/* Above the curve's dots, which share the scatter layer and would otherwise cover it. */}
          {selected && <Scatter name="Selected setting" data={[selected]} fill="#dc2626" legendType="diamond" shape={<SelectedMarker />} zIndex={DefaultZIndexes.scatter + 100} isAnimationActive={false} />}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

"use client";

import { CartesianGrid, Legend, Line, ComposedChart, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import type { prepareCostQuality } from "@/lib/charts/simulation";

/** Renders prepared data (lib/charts/simulation.ts): the router's cost–quality curve against single models. */
export function CostQualityChart({ data, selected, height = 320 }: { data: ReturnType<typeof prepareCostQuality>; selected?: { cost: number; quality: number }; height?: number }) {
  return (
    <div style={{ height }} data-testid="cost-quality-chart">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e4e4e7" />
          <XAxis type="number" dataKey="cost" name="Cost" domain={[0, "auto"]} tick={{ fontSize: 11 }} tickFormatter={(v: number) => `$${v < 1 ? v.toFixed(3) : v.toFixed(2)}`} label={{ value: "total cost ($)", position: "insideBottom", offset: -8, fontSize: 11 }} />
          <YAxis type="number" dataKey="quality" name="Quality" domain={["auto", 100]} tick={{ fontSize: 11 }} tickFormatter={(v: number) => `${v}%`} width={48} />
          <Tooltip formatter={(v, name) => (name === "Cost" ? `$${Number(v).toFixed(4)}` : `${v} %`)} />
          <Legend verticalAlign="top" height={24} />
          <Scatter name="Single models" data={data.models} fill="#a1a1aa" />
          <Line name="Router (knob sweep)" data={data.router} dataKey="quality" stroke="#4f46e5" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
          {selected && <Scatter name="Selected setting" data={[selected]} fill="#dc2626" shape="diamond" />}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

import Link from "next/link";
import { myTeams, requirePageTeam } from "@/lib/auth/page";
import { DIMENSIONS, parseCostsQuery, RANGES } from "@/lib/charts/range";
import { stackByDay, totalsByKey } from "@/lib/charts/series";
import { seriesLabels, spendByDay } from "@/lib/usage/queries";
import { dayIn } from "@/lib/zone";
import { formatInt, formatUsd } from "@/lib/format";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { StackedBars } from "@/components/charts/stacked-bars";

export const metadata = { title: "Costs" };

type Search = Promise<Record<string, string | string[] | undefined>>;

export default async function CostsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Search }) {
  const { team: slug } = await params;
  const { db, team } = await requirePageTeam(slug);
  const q = parseCostsQuery(await searchParams, dayIn(new Date(), team.timezone));
  const teamIds = q.by === "team" ? (await myTeams()).map((t) => t.id) : [team.id];
  const rows = await spendByDay(db, teamIds, q.from, q.to, q.by);
  const labels = Object.fromEntries(await seriesLabels(db, q.by, [...new Set(rows.map((r) => r.key))]));
  const chart = stackByDay(rows, { from: q.from, to: q.to, topN: 6 });
  const table = totalsByKey(rows);
  const requests = rows.reduce((s, r) => s + r.requests, 0);
  const base = `/t/${team.slug}/costs`;
  const link = (over: Record<string, string | number>) => {
    const p = new URLSearchParams({ ...(q.days ? { days: String(q.days) } : { from: q.from, to: q.to }), by: q.by, ...Object.fromEntries(Object.entries(over).map(([k, v]) => [k, String(v)])) });
    if ("days" in over) p.delete("from"), p.delete("to");
    return `${base}?${p}`;
  };
  const pill = (active: boolean) => `rounded-md px-2 py-1 text-sm ${active ? "bg-indigo-600 text-white" : "border border-zinc-300 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"}`;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-xl font-semibold">Costs</h1>
        <a className="text-sm text-indigo-600 hover:underline" href={`/api/teams/${team.slug}/costs.csv?from=${q.from}&to=${q.to}&by=${q.by}`} data-testid="costs-csv">
          Export CSV
        </a>
      </div>
      <div className="flex flex-wrap items-end gap-4" data-testid="costs-controls">
        <div className="flex gap-1" role="group" aria-label="Range">
          {RANGES.map((d) => (
            <Link key={d} href={link({ days: d })} className={pill(q.days === d)} aria-current={q.days === d ? "true" : undefined}>
              {d} days
            </Link>
          ))}
        </div>
        <form action={base} className="flex flex-wrap items-end gap-2 text-sm">
          <input type="hidden" name="by" value={q.by} />
          <label className="flex flex-col text-xs text-zinc-500">
            From
            <input type="date" name="from" defaultValue={q.from} className="rounded-md border border-zinc-300 px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950" />
          </label>
          <label className="flex flex-col text-xs text-zinc-500">
            To
            <input type="date" name="to" defaultValue={q.to} className="rounded-md border border-zinc-300 px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950" />
          </label>
          <button className={pill(false)}>Apply</button>
        </form>
        <div className="flex gap-1" role="group" aria-label="Group by">
          {DIMENSIONS.map((d) => (
            <Link key={d.value} href={link({ by: d.value })} className={pill(q.by === d.value)} aria-current={q.by === d.value ? "true" : undefined}>
              {d.label}
            </Link>
          ))}
        </div>
      </div>
      {rows.length === 0 ? (
        <EmptyState title="No spend in this range">Costs appear here as soon as the team runs tasks.</EmptyState>
      ) : (
        <>
          <Card title={`Spend per day by ${DIMENSIONS.find((d) => d.value === q.by)!.label.toLowerCase()}, ${q.from} – ${q.to} (${q.by === "team" ? "each team's days in its own time zone" : `days in ${team.timezone}`})`}>
            <StackedBars data={chart.data} keys={chart.keys} labels={labels} />
          </Card>
          <Card title={`${formatUsd(chart.totalMicros)} over ${formatInt(requests)} requests`}>
            <div className="overflow-x-auto">
              <table className="w-full text-sm" data-testid="costs-table">
                <thead className="text-left text-xs text-zinc-500">
                  <tr>
                    <th className="py-1 pr-3">{DIMENSIONS.find((d) => d.value === q.by)!.label}</th>
                    <th className="py-1 pr-3 text-right">Requests</th>
                    <th className="py-1 pr-3 text-right">Spend</th>
                    <th className="py-1 text-right">Share</th>
                  </tr>
                </thead>
                <tbody>
                  {table.map((r) => (
                    <tr key={r.key} className="border-t border-zinc-100 dark:border-zinc-800">
                      <td className="py-1 pr-3 font-mono text-xs">{labels[r.key] ?? r.key}</td>
                      <td className="py-1 pr-3 text-right">{formatInt(r.requests)}</td>
                      <td className="py-1 pr-3 text-right">{formatUsd(r.costMicros)}</td>
                      <td className="py-1 text-right">{((r.costMicros / Math.max(1, chart.totalMicros)) * 100).toFixed(1)} %</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        </>
      )}
    </div>
  );
}

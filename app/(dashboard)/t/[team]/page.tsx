import Link from "next/link";
import { requirePageTeam } from "@/lib/auth/page";
import { dayString, recentRequests, topModels, usageTotals } from "@/lib/usage/queries";
import { formatInt, formatMs, formatUsd } from "@/lib/format";
import { Card, Stat } from "@/components/ui/card";
import { Badge, EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Overview" };

export default async function OverviewPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { team, db } = await requirePageTeam(slug);
  const today = dayString(new Date());
  const since30 = dayString(new Date(Date.now() - 29 * 86_400_000));
  const [todayTotals, monthTotals, models, recent] = await Promise.all([
    usageTotals(db, team.id, today),
    usageTotals(db, team.id, since30),
    topModels(db, team.id, since30),
    recentRequests(db, team.id),
  ]);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Overview</h1>
      {monthTotals.requests === 0 ? (
        <EmptyState
          title="No requests yet"
          action={
            <Link href={`/t/${team.slug}/playground`} className="text-indigo-600 hover:underline">
              Open the playground
            </Link>
          }
        >
          Send a first task from the playground, or call the API with a team key. Spend, models and activity show up here.
        </EmptyState>
      ) : (
        <>
          <div className="grid gap-4 md:grid-cols-4">
            <Stat label="Spend today" value={formatUsd(todayTotals.costMicros)} testId="spend-today" />
            <Stat label="Spend, last 30 days" value={formatUsd(monthTotals.costMicros)} testId="spend-30d" />
            <Stat label="Requests, last 30 days" value={formatInt(monthTotals.requests)} testId="requests-30d" />
            <Stat
              label="Error rate"
              value={`${((monthTotals.errors / Math.max(1, monthTotals.requests)) * 100).toFixed(1)} %`}
              hint={`${formatInt(monthTotals.errors)} failed calls`}
            />
          </div>
          <div className="grid gap-4 lg:grid-cols-2">
            <Card title="Top models (30 days, by spend)">
              <table className="w-full text-sm">
                <thead className="text-left text-xs text-zinc-500">
                  <tr>
                    <th className="py-1">Model</th>
                    <th className="py-1 text-right">Requests</th>
                    <th className="py-1 text-right">Spend</th>
                  </tr>
                </thead>
                <tbody>
                  {models.map((m) => (
                    <tr key={m.model} className="border-t border-zinc-100 dark:border-zinc-800">
                      <td className="py-1 font-mono text-xs">{m.model}</td>
                      <td className="py-1 text-right">{formatInt(m.requests)}</td>
                      <td className="py-1 text-right">{formatUsd(m.costMicros)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
            <Card title="Recent activity">
              <ul className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800" data-testid="recent-activity">
                {recent.map((r) => (
                  <li key={r.id} className="flex items-center justify-between gap-2 py-1.5">
                    <span className="truncate">
                      <span className="font-mono text-xs">{r.model ?? "—"}</span> <span className="text-zinc-500">{r.domain ?? ""}</span>
                      {r.source === "seed" && (
                        <span className="ml-1">
                          <Badge tone="amber">demo</Badge>
                        </span>
                      )}
                    </span>
                    <span className="flex shrink-0 items-center gap-2 text-xs text-zinc-500">
                      {r.status !== "ok" && <Badge tone="red">{r.status}</Badge>}
                      {formatUsd(r.costMicros)} · {formatMs(r.latencyMs)} · {r.createdAt.toISOString().slice(0, 16).replace("T", " ")}
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          </div>
        </>
      )}
    </div>
  );
}

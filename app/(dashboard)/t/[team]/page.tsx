import Link from "next/link";
import { requirePageTeam } from "@/lib/auth/page";
import { listBudgets } from "@/lib/budgets/service";
import { burnSeries } from "@/lib/charts/burn";
import { averageRating, lastDays, recentRequests, spendByDay, topModels, usageTotals } from "@/lib/usage/queries";
import { formatInt, formatMs, formatUsd } from "@/lib/format";
import { dayIn, formatDayTime, formatInZone } from "@/lib/zone";
import { Card, Stat } from "@/components/ui/card";
import { Badge, EmptyState } from "@/components/ui/empty-state";
import { BudgetProgress } from "@/components/budgets/progress";
import { BurnChart } from "@/components/charts/burn-line";

export const metadata = { title: "Overview" };

export default async function OverviewPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { team, db } = await requirePageTeam(slug);
  const now = new Date();
  const tz = team.timezone;
  const today = dayIn(now, tz);
  const since30 = lastDays(30, tz, now).day;
  const [todayTotals, monthTotals, models, recent, budgetList, rating] = await Promise.all([
    usageTotals(db, team.id, today),
    usageTotals(db, team.id, since30),
    topModels(db, team.id, since30),
    recentRequests(db, team.id),
    listBudgets(db, team.id, now),
    averageRating(db, team.id, 30, tz, now),
  ]);
  const budget = budgetList.find((b) => b.scope === "team") ?? null;
  const periodFrom = budget ? dayIn(budget.periodStart, tz) : since30;
  const daily = budget ? await spendByDay(db, [team.id], periodFrom, today, "team") : [];
  // The period's last day: the forecast is "by" it (periodEnd is the next period's first instant).
  const lastDay = budget ? new Date(budget.periodEnd.getTime() - 1) : now;
  const burn = budget ? burnSeries(daily, { from: periodFrom, today, to: dayIn(lastDay, tz), burnPerDayMicros: budget.forecast.burnPerDayMicros, now, timeZone: tz }) : [];
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Overview</h1>
      {monthTotals.requests === 0 && !budget ? (
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
            <Stat label={`Spend today (${tz})`} value={formatUsd(todayTotals.costMicros)} testId="spend-today" hint={`${formatInt(todayTotals.requests)} requests`} />
            <Stat
              label={budget ? "Spend this period" : "Spend, last 30 days"}
              value={formatUsd(budget ? budget.spentMicros : monthTotals.costMicros)}
              testId="spend-period"
              hint={budget ? `of ${formatUsd(budget.limitMicros)} (${budget.name})` : undefined}
            />
            <Stat label="Requests, last 30 days" value={formatInt(monthTotals.requests)} testId="requests-30d" hint={`${((monthTotals.errors / Math.max(1, monthTotals.requests)) * 100).toFixed(1)} % failed or refused`} />
            <Stat label="Average rating, 30 days" value={rating.average === null ? "—" : `${rating.average.toFixed(2)} / 5`} testId="avg-rating" hint={`${formatInt(rating.count)} ratings`} />
          </div>
          {budget && (
            <Card title={`Budget: ${budget.name}`} action={<Link href={`/t/${team.slug}/budgets`} className="text-sm text-indigo-600 hover:underline">Budgets</Link>}>
              <div className="grid gap-4 lg:grid-cols-[1fr_2fr]" data-testid="overview-budget">
                <div className="space-y-2 text-sm">
                  <BudgetProgress spent={budget.spentMicros} reserved={budget.reservedMicros} limit={budget.limitMicros} label="Team budget used" />
                  <p>
                    Burn rate {formatUsd(budget.forecast.burnPerDayMicros)} / day; forecast {formatUsd(budget.forecast.projectedMicros)} by{" "}
                    {lastDay.toLocaleDateString("en-GB", { timeZone: tz, day: "numeric", month: "short" })}.
                  </p>
                  <p data-testid="overview-exhaustion" className={budget.forecast.exhaustsAt ? "text-amber-700 dark:text-amber-400" : "text-zinc-500"}>
                    {budget.forecast.exhaustsAt
                      ? budget.forecast.exhaustsAt.getTime() <= now.getTime()
                        ? budget.hardStop
                          ? "Exhausted: calls that do not fit are refused."
                          : "Over the limit: this budget only warns, so calls still run."
                        : `At this rate the budget runs out around ${budget.forecast.exhaustsAt.toLocaleString("en-GB", { timeZone: tz, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" })} (${tz}).`
                      : "At this rate the budget lasts the period."}
                  </p>
                  <p className="text-zinc-500" data-testid="overview-reset">
                    Resets {formatDayTime(budget.periodEnd, tz)} ({tz}).
                  </p>
                </div>
                <BurnChart data={burn} limit={budget.limitMicros / 1_000_000} />
              </div>
            </Card>
          )}
          <div className="grid gap-4 lg:grid-cols-2">
            <Card title="Top models (30 days, by spend)">
              <div className="overflow-x-auto">
                <table className="w-full text-sm">
                  <thead className="text-left text-xs text-zinc-500">
                    <tr>
                      <th className="py-1 pr-3">Model</th>
                      <th className="py-1 pr-3 text-right">Requests</th>
                      <th className="py-1 text-right">Spend</th>
                    </tr>
                  </thead>
                  <tbody>
                    {models.map((m) => (
                      <tr key={m.model} className="border-t border-zinc-100 dark:border-zinc-800">
                        <td className="py-1 pr-3 font-mono text-xs">{m.model}</td>
                        <td className="py-1 pr-3 text-right">{formatInt(m.requests)}</td>
                        <td className="py-1 text-right">{formatUsd(m.costMicros)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Card>
            <Card title={`Recent activity (${tz})`} action={<Link href={`/t/${team.slug}/requests`} className="text-sm text-indigo-600 hover:underline">All requests</Link>}>
              <ul className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800" data-testid="recent-activity">
                {recent.map((r) => (
                  <li key={r.id}>
                    <Link href={`/t/${team.slug}/requests/${r.id}`} className="-mx-1 flex items-center justify-between gap-2 rounded px-1 py-1.5 hover:bg-zinc-50 dark:hover:bg-zinc-800/50">
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
                        {formatUsd(r.costMicros)} · {formatMs(r.latencyMs)} · {formatInZone(r.createdAt, tz)}
                      </span>
                    </Link>
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

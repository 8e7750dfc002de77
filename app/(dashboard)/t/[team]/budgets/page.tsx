import { formatDayTime } from "@/lib/zone";
import { requirePageTeam } from "@/lib/auth/page";
import { hasScope } from "@/lib/auth/scopes";
import { alertHistory, budgetTargets, listBudgets } from "@/lib/budgets/service";
import { formatUsd } from "@/lib/format";
import { Card } from "@/components/ui/card";
import { Badge, EmptyState } from "@/components/ui/empty-state";
import { BudgetForm, EditBudget } from "@/components/budgets/budget-form";
import { BudgetProgress } from "@/components/budgets/progress";

export const metadata = { title: "Budgets" };


export default async function BudgetsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { db, team, role } = await requirePageTeam(slug);
  const canWrite = hasScope(role, "budgets:write");
  const [rows, alerts, targets] = await Promise.all([listBudgets(db, team.id), alertHistory(db, team.id), canWrite ? budgetTargets(db, team.id) : { members: [], keys: [] }]);
  const tz = team.timezone;
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Budgets</h1>
      {rows.length === 0 ? (
        <EmptyState title="No budget set">Without a budget nothing limits this team&apos;s spend. An owner or admin can set one here.</EmptyState>
      ) : (
        <div className="grid gap-4 md:grid-cols-2" data-testid="budget-list">
          {rows.map((b) => (
            <Card
              key={b.id}
              title={b.name}
              action={
                <span className="flex gap-1">
                  <Badge tone="indigo">{b.scope === "team" ? "team" : (b.targetLabel ?? b.scope)}</Badge>
                  <Badge tone={b.hardStop ? "red" : "amber"}>{b.hardStop ? "hard stop" : "warn only"}</Badge>
                </span>
              }
            >
              <div data-testid={`budget-${b.name}`} className="space-y-2">
                <BudgetProgress spent={b.spentMicros} reserved={b.reservedMicros} limit={b.limitMicros} label={`${b.name} used`} />
                <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400">
                  <dt>Period</dt>
                  <dd>
                    {b.period === "custom" ? `${b.customDays} days` : b.period}, resets {formatDayTime(b.periodEnd, tz)} ({tz})
                    {b.periodEndsAt && <span className="block">This period ends at the zone’s midnight nearest its usual end: the team’s time zone changed during it.</span>}
                  </dd>
                  <dt>Burn rate</dt>
                  <dd>{formatUsd(b.forecast.burnPerDayMicros)} / day</dd>
                  <dt>Forecast for the period</dt>
                  <dd>{formatUsd(b.forecast.projectedMicros)}</dd>
                  <dt>Exhausted</dt>
                  <dd data-testid="budget-exhaustion">{b.forecast.exhaustsAt ? (b.forecast.exhaustsAt.getTime() <= Date.now() ? "now" : `around ${formatDayTime(b.forecast.exhaustsAt, tz)}`) : "not this period at this rate"}</dd>
                  <dt>Alerts at</dt>
                  <dd>{b.thresholds.map((t) => `${t} %`).join(", ")}{b.webhookUrl ? " + webhook" : ""}</dd>
                </dl>
                {canWrite && (
                  <EditBudget
                    initial={{ id: b.id, name: b.name, scope: b.scope, userId: b.userId, apiKeyId: b.apiKeyId, limitMicros: b.limitMicros, period: b.period, customDays: b.customDays, hardStop: b.hardStop, thresholds: b.thresholds, webhookUrl: b.webhookUrl, hasWebhookSecret: b.hasWebhookSecret }}
                    targets={targets}
                  />
                )}
              </div>
            </Card>
          ))}
        </div>
      )}
      {canWrite && (
        <Card title="New budget">
          <BudgetForm targets={targets} />
        </Card>
      )}
      <Card title="Alert history">
        {alerts.length === 0 ? (
          <p className="text-sm text-zinc-500">No alerts yet. Each threshold fires once per budget per period.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="alert-history">
              <thead className="text-left text-xs text-zinc-500">
                <tr>
                  <th className="py-1 pr-3">When</th>
                  <th className="py-1 pr-3">Budget</th>
                  <th className="py-1 pr-3 text-right">Threshold</th>
                  <th className="py-1 pr-3 text-right">Spent then</th>
                  <th className="py-1 pl-3">Webhook</th>
                </tr>
              </thead>
              <tbody>
                {alerts.map((a) => (
                  <tr key={a.id} className="border-t border-zinc-100 dark:border-zinc-800">
                    <td className="whitespace-nowrap py-1 pr-3">{formatDayTime(a.createdAt, tz)}</td>
                    <td className="py-1 pr-3">{a.budget}</td>
                    <td className="whitespace-nowrap py-1 pr-3 text-right">{a.threshold} %</td>
                    <td className="whitespace-nowrap py-1 pr-3 text-right">
                      {formatUsd(a.spentMicros)} / {formatUsd(a.limitMicros)}
                    </td>
                    <td className="py-1 pl-3 text-xs text-zinc-500">{a.webhookStatus ? `${a.webhookStatus} (${a.webhookAttempts} attempts)` : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

import { and, desc, eq, gte, sql } from "drizzle-orm";
import { usageDaily } from "@/db/schema";
import { requirePageTeam } from "@/lib/auth/page";
import { dayString } from "@/lib/usage/queries";
import { formatInt, formatUsd } from "@/lib/format";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Costs" };

export default async function CostsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { db, team } = await requirePageTeam(slug);
  const rows = await db
    .select({ day: usageDaily.day, requests: sql<number>`sum(${usageDaily.requests})::int`, cost: sql<number>`sum(${usageDaily.costMicros})::bigint` })
    .from(usageDaily)
    .where(and(eq(usageDaily.teamId, team.id), gte(usageDaily.day, dayString(new Date(Date.now() - 29 * 86_400_000)))))
    .groupBy(usageDaily.day)
    .orderBy(desc(usageDaily.day));
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Costs</h1>
      {rows.length === 0 ? (
        <EmptyState title="No spend in the last 30 days">Costs appear here as soon as the team runs tasks.</EmptyState>
      ) : (
        <Card title="Spend per day, last 30 days">
          <table className="w-full text-sm" data-testid="costs-table">
            <thead className="text-left text-xs text-zinc-500">
              <tr>
                <th className="py-1">Day</th>
                <th className="py-1 text-right">Requests</th>
                <th className="py-1 text-right">Spend</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.day} className="border-t border-zinc-100 dark:border-zinc-800">
                  <td className="py-1">{r.day}</td>
                  <td className="py-1 text-right">{formatInt(Number(r.requests))}</td>
                  <td className="py-1 text-right">{formatUsd(Number(r.cost))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </div>
  );
}

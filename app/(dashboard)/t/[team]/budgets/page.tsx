import { eq } from "drizzle-orm";
import { budgets } from "@/db/schema";
import { requirePageTeam } from "@/lib/auth/page";
import { formatUsd } from "@/lib/format";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Budgets" };

export default async function BudgetsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { db, team } = await requirePageTeam(slug);
  const rows = await db.select().from(budgets).where(eq(budgets.teamId, team.id));
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Budgets</h1>
      {rows.length === 0 ? (
        <EmptyState title="No budget set">Without a budget nothing limits this team&apos;s spend. An owner or admin can set one here.</EmptyState>
      ) : (
        <div className="grid gap-4 md:grid-cols-2">
          {rows.map((b) => {
            const pct = Math.min(100, (b.spentMicros / Math.max(1, b.limitMicros)) * 100);
            return (
              <Card key={b.id} title={b.name}>
                <div className="text-sm">
                  {formatUsd(b.spentMicros)} of {formatUsd(b.limitMicros)} this {b.period === "custom" ? "period" : b.period.replace("ly", "")}
                </div>
                <div className="mt-2 h-2 rounded bg-zinc-200 dark:bg-zinc-800" role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100}>
                  <div className={`h-2 rounded ${pct >= 100 ? "bg-red-600" : pct >= 80 ? "bg-amber-500" : "bg-indigo-600"}`} style={{ width: `${pct}%` }} />
                </div>
              </Card>
            );
          })}
        </div>
      )}
    </div>
  );
}

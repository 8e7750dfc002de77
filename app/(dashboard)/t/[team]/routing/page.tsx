import { requirePageTeam } from "@/lib/auth/page";
import { modelStats } from "@/lib/usage/model-stats";
import { formatInt, formatUsd } from "@/lib/format";
import { Simulator } from "@/components/simulator/simulator";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Routing simulator" };

export default async function RoutingPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { db, team } = await requirePageTeam(slug);
  const rated = (await modelStats(db, team.id, 90, team.timezone)).filter((s) => s.ratings > 0).sort((a, b) => (b.avgRating ?? 0) - (a.avgRating ?? 0));
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Routing simulator</h1>
      <Simulator />
      <Card title="Your team's logged ratings, last 90 days">
        {rated.length === 0 ? (
          <EmptyState title="No rated results yet">Rate results in the playground or through the API&apos;s /feedback; each model&apos;s observed quality and cost per task then shows here.</EmptyState>
        ) : (
          <>
            <p className="mb-2 text-xs text-zinc-500">
              Observed per model: only the model that answered each task was rated, so these are single-model points from your own traffic, not a replay.
            </p>
            <div className="overflow-x-auto">
              <table className="w-full text-sm" data-testid="logged-points">
                <thead className="text-left text-xs text-zinc-500">
                  <tr>
                    <th className="py-1 pr-3">Model</th>
                    <th className="py-1 pr-3 text-right">Rated results</th>
                    <th className="py-1 pr-3 text-right">Average rating</th>
                    <th className="py-1 text-right">Cost per task</th>
                  </tr>
                </thead>
                <tbody>
                  {rated.map((s) => (
                    <tr key={s.model} className="border-t border-zinc-100 dark:border-zinc-800">
                      <td className="py-1 pr-3 font-mono text-xs">{s.model}</td>
                      <td className="py-1 pr-3 text-right">{formatInt(s.ratings)}</td>
                      <td className="py-1 pr-3 text-right">{Math.round((s.avgRating ?? 0) * 100)} %</td>
                      <td className="py-1 text-right">{s.avgCostMicros != null ? formatUsd(Math.round(s.avgCostMicros)) : "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Card>
    </div>
  );
}

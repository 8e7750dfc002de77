import { eq } from "drizzle-orm";
import { models, providers } from "@/db/schema";
import { requirePageTeam } from "@/lib/auth/page";
import { formatInt, formatUsd } from "@/lib/format";
import { Card } from "@/components/ui/card";
import { Badge, EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Models" };

export default async function ModelsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { db } = await requirePageTeam(slug);
  const rows = await db
    .select({ m: models, provider: providers.name, providerEnabled: providers.enabled, local: providers.local })
    .from(models)
    .innerJoin(providers, eq(providers.id, models.providerId))
    .orderBy(providers.name, models.name);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Models</h1>
      {rows.length === 0 ? (
        <EmptyState title="No models configured">An admin adds providers and models under Admin; the demo seeds five providers.</EmptyState>
      ) : (
        <Card title="Capability matrix and prices (per million tokens)">
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="models-table">
              <thead className="text-left text-xs text-zinc-500">
                <tr>
                  <th className="py-1">Model</th>
                  <th className="py-1">Provider</th>
                  <th className="py-1 text-right">Context</th>
                  <th className="py-1 text-right">Input</th>
                  <th className="py-1 text-right">Output</th>
                  <th className="py-1">Tier</th>
                  <th className="py-1">Strengths</th>
                  <th className="py-1">Status</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ m, provider, providerEnabled, local }) => (
                  <tr key={m.id} className="border-t border-zinc-100 dark:border-zinc-800">
                    <td className="py-1.5">
                      <div>{m.displayName}</div>
                      <div className="font-mono text-xs text-zinc-500">{m.name}</div>
                    </td>
                    <td className="py-1.5">
                      {provider} {local && <Badge tone="green">local</Badge>}
                    </td>
                    <td className="py-1.5 text-right">{formatInt(m.contextWindow)}</td>
                    <td className="py-1.5 text-right">{formatUsd(m.inputPriceMicros)}</td>
                    <td className="py-1.5 text-right">{formatUsd(m.outputPriceMicros)}</td>
                    <td className="py-1.5">{m.costTier}</td>
                    <td className="py-1.5 text-xs text-zinc-500">{m.strengths.join(", ")}</td>
                    <td className="py-1.5">{m.enabled && providerEnabled ? <Badge tone="green">enabled</Badge> : <Badge>disabled</Badge>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
    </div>
  );
}

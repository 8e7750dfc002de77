import { requirePageTeam } from "@/lib/auth/page";
import { enabledModels, playgroundHistory } from "@/lib/usage/history";
import { formatMs, formatUsd } from "@/lib/format";
import { formatWithZone } from "@/lib/zone";
import { Playground } from "@/components/playground/playground";
import { SynthesisPanel } from "@/components/pipelines/synthesis-panel";
import { RatingControls } from "@/components/ratings/rating-controls";
import { Card } from "@/components/ui/card";
import { Badge, EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Playground" };

export default async function PlaygroundPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { db, team, userId } = await requirePageTeam(slug);
  const [models, history] = await Promise.all([enabledModels(db), playgroundHistory(db, team.id, userId)]);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Playground</h1>
      <Playground models={models} myRatings={Object.fromEntries(history.map((h) => [h.id, h.myRating]))} />
      <Card title="Instruction synthesis: a strong model writes the steps, a cheap one follows them">
        <SynthesisPanel models={models.map((m) => ({ name: m.name, label: `${m.displayName} (${m.provider})` }))} />
      </Card>
      <Card title="History">
        {history.length === 0 ? (
          <EmptyState title="No runs yet">Runs from this playground are kept here with their model, cost and your rating.</EmptyState>
        ) : (
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="playground-history">
            {history.map((h) => (
              <li key={h.id} className="space-y-1 py-2" data-testid="history-item">
                <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
                  <span className="min-w-0 flex-1 truncate font-medium">{h.prompt ?? "(no text kept)"}</span>
                  <span className="flex items-center gap-2 text-xs text-zinc-500">
                    <span className="font-mono">{h.model ?? "—"}</span>
                    {h.status !== "ok" && <Badge tone="red">{h.status}</Badge>}
                    <span data-testid="history-cost">{formatUsd(h.costMicros)}</span> · {formatMs(h.latencyMs)} · {h.who ?? "API"} ·{" "}
                    {formatWithZone(h.createdAt, team.timezone)}
                  </span>
                </div>
                {h.status === "ok" ? (
                  <details className="text-sm">
                    <summary className="cursor-pointer text-xs text-zinc-500">
                      Answer ({h.inputTokens} in / {h.outputTokens} out tokens)
                    </summary>
                    <pre className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-950">{h.response}</pre>
                  </details>
                ) : (
                  <p className="text-xs text-red-600 dark:text-red-400">{h.errorMessage}</p>
                )}
                {h.status === "ok" && <RatingControls requestId={h.id} current={h.myRating} />}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

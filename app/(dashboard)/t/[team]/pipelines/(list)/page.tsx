import Link from "next/link";
import { hasScope } from "@/lib/auth/scopes";
import { requirePageTeam } from "@/lib/auth/page";
import { PIPELINE_TEMPLATES } from "@/lib/pipelines/library";
import { listPipelines, listRuns } from "@/lib/pipelines/service";
import { RunsTable } from "@/components/pipelines/runs-table";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Pipelines" };

export default async function PipelinesPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { db, team, role } = await requirePageTeam(slug);
  const [rows, runs] = await Promise.all([listPipelines(db, team.id), listRuns(db, team.id, { limit: 15 })]);
  const base = `/t/${team.slug}/pipelines`;
  const canWrite = hasScope(role, "pipelines:write");
  return (
    <div className="space-y-6">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Pipelines</h1>
        {canWrite && (
          <Link href={`${base}/new`} className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">
            New pipeline
          </Link>
        )}
      </div>
      {rows.length === 0 ? (
        <EmptyState title="No pipelines yet">
          Pipelines chain several models — for example summarise with a cheap model, analyse with a strong one, then optimise.{" "}
          {canWrite ? "Start from a template below." : `Your role (${role}) can view pipelines and their runs but not create them; an owner or admin of the team can give you the member role.`}
        </EmptyState>
      ) : (
        <Card title="Your pipelines">
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="pipeline-list">
            {rows.map((p) => (
              <li key={p.id} className="flex items-center justify-between py-2">
                <div>
                  <Link href={`${base}/${p.id}`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                    {p.name}
                  </Link>
                  <div className="text-xs text-zinc-500">
                    {p.steps.length} step{p.steps.length === 1 ? "" : "s"}: {p.steps.map((s) => s.key).join(" → ")}
                  </div>
                </div>
                <span className="shrink-0 whitespace-nowrap text-xs text-zinc-500">
                  {p.runs} run{p.runs === 1 ? "" : "s"}
                </span>
              </li>
            ))}
          </ul>
        </Card>
      )}
      {canWrite && (
        <Card title="Start from a template">
          <ul className="grid gap-3 md:grid-cols-2">
            {PIPELINE_TEMPLATES.map((t) => (
              <li key={t.id} className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
                <Link href={`${base}/new?template=${t.id}`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                  {t.name}
                </Link>
                <p className="mt-1 text-xs text-zinc-500">{t.description}</p>
              </li>
            ))}
          </ul>
        </Card>
      )}
      <Card title="Recent runs">
        <RunsTable runs={runs} base={base} timeZone={team.timezone} />
      </Card>
    </div>
  );
}

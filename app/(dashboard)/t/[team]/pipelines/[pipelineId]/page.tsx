import { asc, eq } from "drizzle-orm";
import Link from "next/link";
import { notFound } from "next/navigation";
import { models } from "@/db/schema";
import { requirePageTeam } from "@/lib/auth/page";
import { hasScope } from "@/lib/auth/scopes";
import { getPipeline, listRuns } from "@/lib/pipelines/service";
import { DeletePipelineButton } from "@/components/pipelines/delete-pipeline";
import { PipelineBuilder } from "@/components/pipelines/pipeline-builder";
import { RunForm } from "@/components/pipelines/run-form";
import { RunsTable } from "@/components/pipelines/runs-table";
import { Card } from "@/components/ui/card";

export const metadata = { title: "Pipeline" };

export default async function PipelinePage({ params }: { params: Promise<{ team: string; pipelineId: string }> }) {
  const { team: slug, pipelineId } = await params;
  const { db, team, role } = await requirePageTeam(slug);
  if (!/^[0-9a-f-]{36}$/i.test(pipelineId)) notFound();
  const p = await getPipeline(db, team.id, pipelineId);
  if (!p || p.archived) notFound();
  const [fleet, runs] = await Promise.all([
    db.select({ name: models.name, displayName: models.displayName }).from(models).where(eq(models.enabled, true)).orderBy(asc(models.name)),
    listRuns(db, team.id, { pipelineId: p.id, limit: 10 }),
  ]);
  const base = `/t/${team.slug}/pipelines`;
  return (
    <div className="space-y-4">
      <div className="text-sm">
        <Link href={base} className="text-indigo-700 hover:underline dark:text-indigo-300">
          ← Pipelines
        </Link>
      </div>
      <div className="flex items-start justify-between gap-4">
        <h1 className="text-xl font-semibold">{p.name}</h1>
        <div className="flex items-start gap-2">
          {hasScope(role, "pipelines:write") && (
            <Link href={`${base}/new?from=${p.id}`} className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800">
              Duplicate
            </Link>
          )}
          <DeletePipelineButton pipelineId={p.id} name={p.name} />
        </div>
      </div>
      <Card title="Run it">
        <RunForm pipelineId={p.id} />
      </Card>
      <Card title="Steps">
        <PipelineBuilder
          initial={{ id: p.id, name: p.name, description: p.description, steps: p.steps }}
          models={fleet.map((m) => ({ name: m.name, label: `${m.displayName} (${m.name})` }))}
        />
      </Card>
      <Card title="Runs of this pipeline">
        <RunsTable runs={runs} base={base} timeZone={team.timezone} />
      </Card>
    </div>
  );
}

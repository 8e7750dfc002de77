import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageTeam } from "@/lib/auth/page";
import { getPipeline, getRun } from "@/lib/pipelines/service";
import { RunView } from "@/components/pipelines/run-view";

export const metadata = { title: "Pipeline run" };

export default async function RunPage({ params }: { params: Promise<{ team: string; runId: string }> }) {
  const { team: slug, runId } = await params;
  const { db, team, userId } = await requirePageTeam(slug);
  if (!/^[0-9a-f-]{36}$/i.test(runId)) notFound();
  const run = await getRun(db, team.id, runId, { userId });
  if (!run) notFound();
  // A deleted (archived) pipeline keeps its runs, but its own page is gone: link to the list instead.
  const archived = (await getPipeline(db, team.id, run.pipelineId))?.archived ?? true;
  return (
    <div className="space-y-4">
      <div className="text-sm">
        {archived ? (
          <Link href={`/t/${team.slug}/pipelines`} className="text-indigo-700 hover:underline dark:text-indigo-300">
            ← Pipelines ({run.pipelineName} was deleted)
          </Link>
        ) : (
          <Link href={`/t/${team.slug}/pipelines/${run.pipelineId}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
            ← {run.pipelineName}
          </Link>
        )}
      </div>
      <h1 className="text-xl font-semibold">Run of {run.pipelineName}</h1>
      <RunView initial={run} canRerun={!archived} />
    </div>
  );
}

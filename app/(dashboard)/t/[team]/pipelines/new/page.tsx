import { asc, eq } from "drizzle-orm";
import Link from "next/link";
import { models } from "@/db/schema";
import { requirePageTeam } from "@/lib/auth/page";
import { hasScope } from "@/lib/auth/scopes";
import { findTemplate } from "@/lib/pipelines/library";
import { getPipeline } from "@/lib/pipelines/service";
import { PipelineBuilder } from "@/components/pipelines/pipeline-builder";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "New pipeline" };

export default async function NewPipelinePage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ template?: string; from?: string }> }) {
  const [{ team: slug }, { template, from }] = await Promise.all([params, searchParams]);
  const { db, team, role } = await requirePageTeam(slug);
  const back = (
    <div className="text-sm">
      <Link href={`/t/${team.slug}/pipelines`} className="text-indigo-700 hover:underline dark:text-indigo-300">
        ← Pipelines
      </Link>
    </div>
  );
  // The page exists for every member of the team; say why a viewer cannot use it rather than "not found".
  if (!hasScope(role, "pipelines:write")) {
    return (
      <div className="space-y-4">
        {back}
        <h1 className="text-xl font-semibold">New pipeline</h1>
        <EmptyState title={`Your role (${role}) cannot create pipelines`}>
          Ask an owner or admin of the team for the member role, or ask a member to create the pipeline. You can still view the team&apos;s pipelines and their runs.
        </EmptyState>
      </div>
    );
  }
  // "Duplicate" on a pipeline's page opens the builder on a copy of it; saving creates a new pipeline.
  const source = from && /^[0-9a-f-]{36}$/i.test(from) ? await getPipeline(db, team.id, from) : null;
  const t = source && !source.archived ? { name: `Copy of ${source.name}`, description: source.description, steps: source.steps } : findTemplate(template);
  const fleet = await db.select({ name: models.name, displayName: models.displayName }).from(models).where(eq(models.enabled, true)).orderBy(asc(models.name));
  return (
    <div className="space-y-4">
      {back}
      <h1 className="text-xl font-semibold">New pipeline{t ? `: ${t.name}` : ""}</h1>
      <Card>
        <PipelineBuilder
          initial={{ name: t?.name ?? "", description: t?.description ?? "", steps: t?.steps ?? [{ key: "step1", kind: "prompt", model: "auto", group: 0, template: "{{input}}" }] }}
          models={fleet.map((m) => ({ name: m.name, label: `${m.displayName} (${m.name})` }))}
        />
      </Card>
    </div>
  );
}

import { desc, eq } from "drizzle-orm";
import { pipelines } from "@/db/schema";
import { requirePageTeam } from "@/lib/auth/page";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Pipelines" };

export default async function PipelinesPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { db, team } = await requirePageTeam(slug);
  const rows = await db.select().from(pipelines).where(eq(pipelines.teamId, team.id)).orderBy(desc(pipelines.updatedAt));
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Pipelines</h1>
      {rows.length === 0 ? (
        <EmptyState title="No pipelines yet">
          Pipelines chain several models — for example summarise with a cheap model, analyse with a strong one, then optimise. The pipeline builder is not
          built yet; single tasks run from the playground.
        </EmptyState>
      ) : (
        <Card>
          <ul>
            {rows.map((p) => (
              <li key={p.id}>{p.name}</li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}

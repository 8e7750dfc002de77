import { eq } from "drizzle-orm";
import { models, routingSettings } from "@/db/schema";
import { requirePageScope } from "@/lib/auth/page";
import { DEFAULT_EXPLORATION } from "@/lib/learning";
import { AdminNav } from "@/components/admin/admin-nav";
import { RoutingSettingsForm } from "@/components/routing/settings-form";
import { Card } from "@/components/ui/card";

export const metadata = { title: "Admin · Routing" };

export default async function RoutingAdminPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const ctx = await requirePageScope(slug, "settings:write");
  const [[row], all] = await Promise.all([
    ctx.db.select().from(routingSettings).where(eq(routingSettings.teamId, ctx.team.id)),
    ctx.db.select({ name: models.name }).from(models).orderBy(models.name),
  ]);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Admin</h1>
      <AdminNav slug={slug} current="routing" />
      <Card title={`Routing for ${ctx.team.name}`}>
        <RoutingSettingsForm
          settings={{ qualityVsCost: row?.qualityVsCost ?? 0.5, allowList: row?.allowList ?? [], explorationCapMicros: row?.explorationCapMicros ?? DEFAULT_EXPLORATION.maxExtraCostMicros, judgeModel: row?.judgeModel ?? null }}
          models={all.map((m) => m.name)}
        />
      </Card>
    </div>
  );
}

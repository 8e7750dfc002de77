import { requirePageScope } from "@/lib/auth/page";
import { listModels, listProviders } from "@/lib/execution/admin";
import { AdminNav } from "@/components/admin/admin-nav";
import { ModelsAdmin } from "@/components/fleet/models-admin";

export const metadata = { title: "Admin · Models" };

export default async function ModelsAdminPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const ctx = await requirePageScope(slug, "models:admin", { siteAdmin: true });
  const [rows, providers] = await Promise.all([listModels(ctx.db), listProviders(ctx.db)]);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Admin</h1>
      <AdminNav slug={slug} current="models" />
      <p className="text-sm text-zinc-500">Prices are per million tokens; costs are computed from each call&apos;s reported usage at these prices. Changes apply to the next call.</p>
      <ModelsAdmin
        models={rows.map(({ m, provider, providerKind }) => ({
          id: m.id,
          name: m.name,
          displayName: m.displayName,
          provider,
          providerKind,
          enabled: m.enabled,
          contextWindow: m.contextWindow,
          maxOutputTokens: m.maxOutputTokens,
          inputPriceMicros: m.inputPriceMicros,
          outputPriceMicros: m.outputPriceMicros,
          cachedInputPriceMicros: m.cachedInputPriceMicros,
          strengths: m.strengths,
          optimalFor: m.optimalFor,
          costTier: m.costTier,
          toolCalling: m.toolCalling,
          imageInput: m.imageInput,
          reasoningEffort: m.reasoningEffort,
        }))}
        providers={providers.map((p) => ({ id: p.id, name: p.name, kind: p.kind }))}
      />
    </div>
  );
}

import { requirePageScope } from "@/lib/auth/page";
import { listProviders } from "@/lib/execution/admin";
import { AdminNav } from "@/components/admin/admin-nav";
import { ProvidersAdmin } from "@/components/fleet/providers-admin";

export const metadata = { title: "Admin · Providers" };

export default async function ProvidersPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const ctx = await requirePageScope(slug, "models:admin", { siteAdmin: true });
  const providers = await listProviders(ctx.db);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Admin</h1>
      <AdminNav slug={slug} current="providers" />
      <p className="text-sm text-zinc-500">Providers are shared by every team of this installation; only installation admins see this page. Keys are encrypted at rest and never shown again.</p>
      <ProvidersAdmin providers={providers.map(({ createdAt: _c, updatedAt: _u, ...p }) => p)} />
    </div>
  );
}

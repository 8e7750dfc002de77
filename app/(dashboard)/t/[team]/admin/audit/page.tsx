import { formatInZone } from "@/lib/zone";
import { desc, eq } from "drizzle-orm";
import { auditLog, users } from "@/db/schema";
import { requirePageScope } from "@/lib/auth/page";
import { AdminNav } from "@/components/admin/admin-nav";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Admin · Audit log" };

export default async function AuditPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const ctx = await requirePageScope(slug, "audit:read");
  const rows = await ctx.db
    .select({ a: auditLog, who: users.email })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(eq(auditLog.teamId, ctx.team.id))
    .orderBy(desc(auditLog.createdAt))
    .limit(300);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Admin</h1>
      <AdminNav slug={slug} current="audit" />
      {rows.length === 0 ? (
        <EmptyState title="Nothing recorded yet">Changes to members, roles, providers, prices, routing, budgets and keys are listed here.</EmptyState>
      ) : (
        <Card title="Audit log (latest 300)">
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="audit-table">
              <thead className="text-left text-xs text-zinc-500">
                <tr>
                  <th className="py-1 pr-3">When ({ctx.team.timezone})</th>
                  <th className="py-1 pr-3">Who</th>
                  <th className="py-1 pr-3">Action</th>
                  <th className="py-1 pr-3">Target</th>
                  <th className="py-1">Details</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ a, who }) => (
                  <tr key={a.id} className="border-t border-zinc-100 align-top dark:border-zinc-800">
                    <td className="whitespace-nowrap py-1 pr-3 text-xs text-zinc-500">{formatInZone(a.createdAt, ctx.team.timezone, true)}</td>
                    <td className="py-1 pr-3 text-xs">{who ?? "system"}</td>
                    <td className="whitespace-nowrap py-1 pr-3 font-mono text-xs">{a.action}</td>
                    <td className="min-w-32 py-1 pr-3 text-xs wrap-break-word">{a.target}</td>
                    <td className="min-w-64 py-1 font-mono text-xs text-zinc-500 wrap-anywhere">{JSON.stringify(a.details)}</td>
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

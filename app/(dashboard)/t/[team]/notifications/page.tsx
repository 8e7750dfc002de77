import { formatWithZone } from "@/lib/zone";
import { requirePageTeam } from "@/lib/auth/page";
import { listNotifications } from "@/lib/alerts/notifications";
import { Card } from "@/components/ui/card";
import { Badge, EmptyState } from "@/components/ui/empty-state";
import { MarkRead } from "@/components/notifications/mark-read";

export const metadata = { title: "Notifications" };

export default async function NotificationsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { db, team } = await requirePageTeam(slug);
  const rows = await listNotifications(db, team.id);
  const unread = rows.some((r) => !r.readAt);
  return (
    <div className="space-y-6">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Notifications</h1>
        {unread && <MarkRead />}
      </div>
      {rows.length === 0 ? (
        <EmptyState title="Nothing yet">Budget alerts appear here when spending passes a threshold.</EmptyState>
      ) : (
        <Card>
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="notification-list">
            {rows.map((n) => (
              <li key={n.id} className="flex items-start justify-between gap-3 py-2">
                <div>
                  <div className="flex items-center gap-2 text-sm font-medium">
                    {!n.readAt && <Badge tone="indigo">new</Badge>}
                    {n.title}
                  </div>
                  <div className="text-sm text-zinc-600 dark:text-zinc-400">{n.body}</div>
                  <div className="text-xs text-zinc-500">{formatWithZone(n.createdAt, team.timezone)}</div>
                </div>
                {!n.readAt && <MarkRead id={n.id} />}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}

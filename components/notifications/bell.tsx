import Link from "next/link";
import { getDb } from "@/db";
import { unreadCount } from "@/lib/alerts/notifications";

/** Header bell: unread notifications of the team, linking to the notification centre. */
export async function NotificationBell({ teamId, slug }: { teamId: string; slug: string }) {
  const n = await unreadCount(await getDb(), teamId);
  return (
    <Link
      href={`/t/${slug}/notifications`}
      className="relative rounded-md p-1.5 text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
      aria-label={n ? `Notifications, ${n} unread` : "Notifications"}
      data-testid="notification-bell"
    >
      <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true">
        <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
        <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      {n > 0 && <span className="absolute -right-0.5 -top-0.5 min-w-4 rounded-full bg-red-600 px-1 text-center text-[10px] font-semibold leading-4 text-white">{n > 99 ? "99+" : n}</span>}
    </Link>
  );
}

import { eq } from "drizzle-orm";
import Link from "next/link";
import type { ReactNode } from "react";
import { users } from "@/db/schema";
import { myTeams, requirePageTeam } from "@/lib/auth/page";
import { Sidebar } from "@/components/shell/sidebar";
import { TeamProvider } from "@/components/shell/team-context";
import { TeamSwitcher } from "@/components/shell/team-switcher";
import { ThemeToggle } from "@/components/shell/theme-toggle";
import { UserMenu } from "@/components/shell/user-menu";
import { Badge } from "@/components/ui/empty-state";
import { NotificationBell } from "@/components/notifications/bell";

export default async function TeamLayout({ children, params }: { children: ReactNode; params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const ctx = await requirePageTeam(slug);
  const [teams, [me]] = await Promise.all([myTeams(), ctx.db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, ctx.userId))]);
  return (
    <TeamProvider team={{ id: ctx.team.id, slug: ctx.team.slug, name: ctx.team.name, role: ctx.role, timezone: ctx.team.timezone }}>
      <div className="flex min-h-screen">
        <aside className="hidden w-56 shrink-0 flex-col gap-4 border-r border-zinc-200 bg-white p-3 md:flex dark:border-zinc-800 dark:bg-zinc-900">
          <Link href={`/t/${ctx.team.slug}`} className="px-3 pt-1 text-lg font-bold tracking-tight">
            Mission Control
          </Link>
          <TeamSwitcher teams={teams} />
          <Sidebar />
        </aside>
        <div className="flex min-w-0 flex-1 flex-col">
          {/* On a phone the user's group wraps under the team name rather than pushing the page wider. */}
          <header className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1 border-b border-zinc-200 bg-white px-4 py-2 dark:border-zinc-800 dark:bg-zinc-900">
            <div className="flex min-w-0 flex-wrap items-center gap-2 text-sm">
              <span className="font-medium" data-testid="team-name">
                {ctx.team.name}
              </span>
              <Badge tone="indigo">{ctx.role}</Badge>
              {ctx.team.isDemo && <Badge tone="amber">demo data</Badge>}
            </div>
            <div className="ml-auto flex min-w-0 items-center gap-2">
              <NotificationBell teamId={ctx.team.id} slug={ctx.team.slug} />
              <ThemeToggle />
              <UserMenu name={me?.name ?? null} email={me?.email ?? ""} />
            </div>
          </header>
          <div className="border-b border-zinc-200 p-2 md:hidden dark:border-zinc-800">
            <TeamSwitcher teams={teams} />
            <div className="mt-2 overflow-x-auto">
              <Sidebar />
            </div>
          </div>
          <main className="flex-1 p-4 md:p-6">{children}</main>
        </div>
      </div>
    </TeamProvider>
  );
}

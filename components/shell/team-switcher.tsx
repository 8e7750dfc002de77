"use client";

import { useRouter } from "next/navigation";
import { useTeam } from "./team-context";

export function TeamSwitcher({ teams }: { teams: { slug: string; name: string; role: string }[] }) {
  const team = useTeam();
  const router = useRouter();
  return (
    <label className="block">
      <span className="sr-only">Team</span>
      <select
        aria-label="Team"
        data-testid="team-switcher"
        value={team.slug}
        onChange={(e) => router.push(e.target.value === "__new" ? "/teams/new" : `/t/${e.target.value}`)}
        className="w-full rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
      >
        {teams.map((t) => (
          <option key={t.slug} value={t.slug}>
            {t.name} ({t.role})
          </option>
        ))}
        <option value="__new">+ New team…</option>
      </select>
    </label>
  );
}

"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useHasScope, useTeam } from "./team-context";

const NAV = [
  { href: "", label: "Overview" },
  { href: "/playground", label: "Playground" },
  { href: "/requests", label: "Requests" },
  { href: "/pipelines", label: "Pipelines" },
  { href: "/costs", label: "Costs" },
  { href: "/models", label: "Models" },
  { href: "/ratings", label: "Ratings" },
  { href: "/routing", label: "Routing" },
  { href: "/budgets", label: "Budgets" },
  { href: "/api", label: "API" },
];

export function Sidebar() {
  const team = useTeam();
  const path = usePathname();
  const isAdmin = useHasScope("members:write");
  const base = `/t/${team.slug}`;
  const items = isAdmin ? [...NAV, { href: "/admin", label: "Admin" }] : NAV;
  return (
    <nav aria-label="Main" className="flex flex-col gap-0.5">
      {items.map((item) => {
        const href = base + item.href;
        const active = item.href === "" ? path === base : path.startsWith(href);
        return (
          <Link
            key={item.label}
            href={href}
            aria-current={active ? "page" : undefined}
            className={`rounded-md px-3 py-1.5 text-sm ${active ? "bg-indigo-50 font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300" : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"}`}
          >
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}

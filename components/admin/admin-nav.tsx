import Link from "next/link";
import { viewerIsSiteAdmin } from "@/lib/auth/page";

/** Admin sections; each page lives at app/(dashboard)/t/[team]/admin/<href>. */
export const ADMIN_SECTIONS: { key: string; label: string; href: string; siteAdmin?: true }[] = [
  { key: "members", label: "Members & teams", href: "" },
  { key: "providers", label: "Providers", href: "/providers", siteAdmin: true },
  { key: "models", label: "Models & prices", href: "/models", siteAdmin: true },
  { key: "routing", label: "Routing", href: "/routing" },
  { key: "keys", label: "API keys", href: "/keys" },
  { key: "audit", label: "Audit log", href: "/audit" },
];

/** Sections of the admin console; the shared providers and models only for installation admins. */
export async function AdminNav({ slug, current }: { slug: string; current: string }) {
  const siteAdmin = await viewerIsSiteAdmin();
  return (
    <nav aria-label="Admin sections" className="flex flex-wrap gap-1 border-b border-zinc-200 dark:border-zinc-800">
      {ADMIN_SECTIONS.filter((s) => siteAdmin || !s.siteAdmin).map((s) => (
        <Link
          key={s.key}
          href={`/t/${slug}/admin${s.href}`}
          aria-current={s.key === current ? "page" : undefined}
          className={`-mb-px border-b-2 px-3 py-1.5 text-sm ${s.key === current ? "border-indigo-600 font-medium" : "border-transparent text-zinc-500 hover:text-zinc-800 dark:hover:text-zinc-200"}`}
        >
          {s.label}
        </Link>
      ))}
    </nav>
  );
}

import Link from "next/link";

/**
 * "← Newer" / "Older →" for a keyset-paged list (lib/usage/cursor.ts): each link is `base` with
 * the list's filters and the cursor of the page it leads to.
 */
export function PageLinks({ base, query, page }: { base: string; query: Record<string, string>; page: { newer: string | null; older: string | null } }) {
  const href = (cursor: Record<string, string>) => `${base}?${new URLSearchParams({ ...query, ...cursor })}`;
  return (
    <nav aria-label="Pages" className="flex justify-between text-sm">
      {page.newer ? (
        <Link href={href({ newer: page.newer })} className="text-indigo-600 hover:underline">
          ← Newer
        </Link>
      ) : (
        <span />
      )}
      {page.older && (
        <Link href={href({ older: page.older })} className="text-indigo-600 hover:underline">
          Older →
        </Link>
      )}
    </nav>
  );
}

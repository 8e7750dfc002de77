import { eq } from "drizzle-orm";
import Link from "next/link";
import { PageLinks } from "@/components/ui/page-links";
import { ratings } from "@/db/schema";
import { listRatings, type RatingFilters } from "@/lib/ratings/queries";
import { requirePageTeam } from "@/lib/auth/page";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ThumbIcon } from "@/components/ui/icons";
import { formatInt, raterLabel } from "@/lib/format";
import { formatInZone } from "@/lib/zone";

export const metadata = { title: "Ratings" };

function RatingValue({ kind, value }: { kind: string; value: number }) {
  if (kind !== "thumbs") return <span data-testid="rating-value" aria-label={`${value} of 5 stars`}>{`${"★".repeat(value)}${"☆".repeat(5 - value)}`}</span>;
  return (
    <span data-testid="rating-value" className="inline-flex items-center gap-1">
      <ThumbIcon down={!value} />
      {value ? "up" : "down"}
    </span>
  );
}

export default async function RatingsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ model?: string; verdict?: string; comments?: string; older?: string; newer?: string }> }) {
  const { team: slug } = await params;
  const sp = await searchParams;
  const { db, team } = await requirePageTeam(slug);
  const filters: RatingFilters = { model: sp.model || undefined, verdict: sp.verdict === "good" || sp.verdict === "bad" ? sp.verdict : undefined, comments: sp.comments === "1" };
  const [page, modelNames] = await Promise.all([
    listRatings(db, team.id, { filters, older: sp.older, newer: sp.newer }),
    db.selectDistinct({ model: ratings.model }).from(ratings).where(eq(ratings.teamId, team.id)),
  ]);
  const rows = page.rows;
  // The model being filtered on stays selectable (as on Requests): otherwise the list read "All models" over a filtered, empty table.
  const names = modelNames.flatMap((m) => (m.model ? [m.model] : [])).sort();
  if (filters.model && !names.includes(filters.model)) names.unshift(filters.model);
  const base = `/t/${slug}/ratings`;
  const filterQuery: Record<string, string> = {};
  if (filters.model) filterQuery.model = filters.model;
  if (filters.verdict) filterQuery.verdict = filters.verdict;
  if (filters.comments) filterQuery.comments = "1";
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Ratings</h1>
      <form className="flex flex-wrap items-end gap-3 text-sm" aria-label="Filters">
        <label className="space-y-1">
          <span className="block text-xs text-zinc-500">Model</span>
          <select name="model" defaultValue={sp.model ?? ""} className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900">
            <option value="">All models</option>
            {names.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label className="space-y-1">
          <span className="block text-xs text-zinc-500">Verdict</span>
          <select name="verdict" defaultValue={sp.verdict ?? ""} className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900">
            <option value="">Any</option>
            <option value="good">Good (thumbs up, 4–5 ★)</option>
            <option value="bad">Bad (thumbs down, 1–2 ★)</option>
          </select>
        </label>
        <label className="flex items-center gap-1 pb-1">
          <input type="checkbox" name="comments" value="1" defaultChecked={sp.comments === "1"} /> With comments only
        </label>
        <button className="rounded-md bg-indigo-600 px-3 py-1 text-white">Filter</button>
        <Link href={`/t/${slug}/ratings`} className="pb-1 text-indigo-600 hover:underline">
          Clear
        </Link>
      </form>
      {rows.length === 0 ? (
        <EmptyState title={Object.keys(filterQuery).length ? "No ratings match these filters" : "No ratings yet"}>
          Rate results in the playground with thumbs or stars; the router learns from them and they are listed here.
        </EmptyState>
      ) : (
        <Card title={<span data-testid="ratings-count">{`${formatInt(page.total)} rating${page.total === 1 ? "" : "s"}${Object.keys(filterQuery).length ? " match" : ""}; showing ${formatInt(rows.length)}`}</span>}>
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="ratings-table">
              <thead className="text-left text-xs text-zinc-500">
                <tr>
                  <th className="py-1 pr-3">When ({team.timezone})</th>
                  <th className="py-1 pr-3">Task</th>
                  <th className="py-1 pr-3">Model</th>
                  <th className="py-1 pr-3">Kind of task</th>
                  <th className="py-1 pr-3">Rating</th>
                  <th className="py-1 pr-3">Comment</th>
                  <th className="py-1">By</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ r, who, keyName, prompt }) => (
                  <tr key={r.id} className="border-t border-zinc-100 align-top dark:border-zinc-800">
                    <td className="whitespace-nowrap py-1.5 pr-3 text-xs text-zinc-500">{formatInZone(r.createdAt, team.timezone)}</td>
                    <td className="max-w-48 truncate py-1.5 pr-3 sm:max-w-xs" title={prompt ?? ""}>
                      <Link href={`/t/${slug}/requests/${r.requestId}`} className="hover:underline">
                        {prompt ?? "—"}
                      </Link>
                    </td>
                    <td className="py-1.5 pr-3 font-mono text-xs">{r.model}</td>
                    <td className="py-1.5 pr-3 text-xs">{r.domain}</td>
                    <td className="whitespace-nowrap py-1.5 pr-3"><RatingValue kind={r.kind} value={r.value} /></td>
                    <td className="py-1.5 pr-3 text-zinc-600 dark:text-zinc-400">{r.comment}</td>
                    <td className="py-1.5 text-xs text-zinc-500">{raterLabel(who, keyName)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
      <PageLinks base={base} query={filterQuery} page={page} />
    </div>
  );
}

import Link from "next/link";
import { PageLinks } from "@/components/ui/page-links";
import { requirePageTeam } from "@/lib/auth/page";
import { formatInt, formatMs, formatUsd } from "@/lib/format";
import { formatInZone } from "@/lib/zone";
import { listRequests, parseRequestFilters, requestFilterOptions, REQUEST_SOURCES, REQUEST_STATUSES } from "@/lib/usage/requests";
import { Card } from "@/components/ui/card";
import { Badge, EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Requests" };

const select = "max-w-full rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900";
const statusTone = { ok: "green", error: "red", refused: "amber" } as const;

export default async function RequestsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { team: slug } = await params;
  const sp = await searchParams;
  const { db, team } = await requirePageTeam(slug);
  const filters = parseRequestFilters(sp);
  const one = (k: string) => (typeof sp[k] === "string" ? (sp[k] as string) : undefined);
  const [page, options] = await Promise.all([listRequests(db, team.id, { filters, older: one("older"), newer: one("newer") }), requestFilterOptions(db, team.id)]);
  const base = `/t/${team.slug}/requests`;
  const filterQuery: Record<string, string> = {};
  if (filters.status) filterQuery.status = filters.status;
  if (filters.source) filterQuery.source = filters.source;
  if (filters.model) filterQuery.model = filters.model;
  if (filters.apiKeyId) filterQuery.key = filters.apiKeyId;
  const filtered = Object.keys(filterQuery).length > 0;
  const models = filters.model && !options.models.includes(filters.model) ? [filters.model, ...options.models] : options.models;
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Requests</h1>
      <form className="flex flex-wrap items-end gap-3 text-sm" aria-label="Filters">
        <label className="min-w-0 max-w-full space-y-1">
          <span className="block text-xs text-zinc-500">Status</span>
          <select name="status" defaultValue={filters.status ?? ""} className={select}>
            <option value="">Any</option>
            {REQUEST_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="min-w-0 max-w-full space-y-1">
          <span className="block text-xs text-zinc-500">Source</span>
          <select name="source" defaultValue={filters.source ?? ""} className={select}>
            <option value="">All sources</option>
            {REQUEST_SOURCES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="min-w-0 max-w-full space-y-1">
          <span className="block text-xs text-zinc-500">Model</span>
          <select name="model" defaultValue={filters.model ?? ""} className={select}>
            <option value="">All models</option>
            {models.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label className="min-w-0 max-w-full space-y-1">
          <span className="block text-xs text-zinc-500">API key</span>
          <select name="key" defaultValue={filters.apiKeyId ?? ""} className={select}>
            <option value="">Any (or none)</option>
            {options.keys.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name} ({k.prefix}…)
              </option>
            ))}
          </select>
        </label>
        <button className="rounded-md bg-indigo-600 px-3 py-1 text-white">Filter</button>
        <Link href={base} className="pb-1 text-indigo-600 hover:underline">
          Clear
        </Link>
      </form>
      {page.rows.length === 0 ? (
        <EmptyState title={filtered ? "No requests match these filters" : one("older") ? "No older requests" : "No requests yet"}>
          Every call — from the playground, the API, the OpenAI-compatible endpoint, a pipeline or the CLI — is listed here with its model, cost and outcome.
        </EmptyState>
      ) : (
        <Card>
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="requests-table">
              <thead className="text-left text-xs text-zinc-500">
                <tr>
                  <th className="py-1 pr-3">Time ({team.timezone})</th>
                  <th className="py-1 pr-3">Source</th>
                  <th className="py-1 pr-3">Model</th>
                  <th className="py-1 pr-3">Status</th>
                  <th className="py-1 pr-3 text-right">Tokens in / out</th>
                  <th className="py-1 pr-3 text-right">Cost</th>
                  <th className="py-1 text-right">Latency</th>
                </tr>
              </thead>
              <tbody>
                {page.rows.map((r) => (
                  <tr key={r.id} className="border-t border-zinc-100 hover:bg-zinc-50 dark:border-zinc-800 dark:hover:bg-zinc-800/50" data-testid="request-row">
                    <td className="whitespace-nowrap py-1.5 pr-3 text-xs">
                      <Link href={`${base}/${r.id}`} className="text-indigo-600 hover:underline" data-testid="request-link">
                        {formatInZone(r.createdAt, team.timezone, true)}
                      </Link>
                    </td>
                    <td className="py-1.5 pr-3 text-xs" data-testid="request-source">{r.source === "seed" ? <Badge tone="amber">demo</Badge> : r.source}</td>
                    <td className="py-1.5 pr-3 font-mono text-xs" data-testid="request-model">
                      {r.model ?? (r.requestedModel ? <span className="text-zinc-500" title="Requested model; the call did not complete">{r.requestedModel}</span> : "—")}
                      {r.fallbacks > 0 && (
                        <span className="ml-1" title={`${r.fallbacks} model${r.fallbacks > 1 ? "s" : ""} failed first`}>
                          <Badge tone="amber">fallback ×{r.fallbacks}</Badge>
                        </span>
                      )}
                    </td>
                    <td className="py-1.5 pr-3">
                      <Badge tone={statusTone[r.status as keyof typeof statusTone] ?? "zinc"}>{r.status}</Badge>
                    </td>
                    <td className="whitespace-nowrap py-1.5 pr-3 text-right text-xs">
                      {formatInt(r.inputTokens)} / {formatInt(r.outputTokens)}
                    </td>
                    <td className="whitespace-nowrap py-1.5 pr-3 text-right" data-testid="request-cost">
                      {formatUsd(r.costMicros)}
                      {r.estimated && (
                        <span className="ml-1 text-xs text-zinc-500" title="Part of this cost is estimated: a model failed after its answer had begun and its provider reported no usage">
                          est.
                        </span>
                      )}
                    </td>
                    <td className="whitespace-nowrap py-1.5 text-right text-xs">{formatMs(r.latencyMs)}</td>
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

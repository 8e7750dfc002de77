import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { requirePageTeam } from "@/lib/auth/page";
import { hasScope } from "@/lib/auth/scopes";
import { formatWithZone } from "@/lib/zone";
import { formatInt, formatMs, formatUsd, raterLabel } from "@/lib/format";
import { estimatedPart, requestDetail } from "@/lib/usage/requests";
import { Card } from "@/components/ui/card";
import { Badge } from "@/components/ui/empty-state";
import { RatingControls } from "@/components/ratings/rating-controls";

export const metadata = { title: "Request" };

const statusTone = { ok: "green", error: "red", refused: "amber" } as const;
const pre = "max-h-96 overflow-auto whitespace-pre-wrap break-words rounded-md bg-zinc-50 p-3 font-mono text-xs dark:bg-zinc-950";

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-zinc-500">{label}</dt>
      <dd className="break-words" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

/** The parts of a stored TaskProfile worth reading; the stored JSON is read defensively (older rows may lack fields). */
function profileSummary(p: Record<string, unknown> | null): [string, string][] {
  if (!p) return [];
  const get = (path: string[]): unknown => path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), p);
  const out: [string, string][] = [];
  const push = (label: string, v: unknown, fmt: (x: never) => string = String) => {
    if (v !== undefined && v !== null && v !== "") out.push([label, fmt(v as never)]);
  };
  push("Kind of task", get(["domain"]));
  push("Domain confidence", get(["domainConfidence"]), (x: number) => `${Math.round(x * 100)} %`);
  push("Complexity", get(["complexity", "level"]));
  push("Quality required", get(["quality", "requirement"]));
  push("Urgency", get(["timeSensitivity", "level"]));
  push("Context tokens (estimate)", get(["contextTokens"]), (x: number) => formatInt(x));
  push("Expected answer tokens", get(["expectedOutputTokens"]), (x: number) => formatInt(x));
  const priv = get(["privacy", "private"]);
  if (typeof priv === "boolean") {
    const reasons = get(["privacy", "reasons"]);
    out.push(["Private", priv ? `yes${Array.isArray(reasons) && reasons.length ? ` (${reasons.join("; ")})` : ""}` : "no"]);
  }
  const features = get(["features"]);
  if (Array.isArray(features) && features.length) out.push(["Features", features.map(String).join(", ")]);
  return out;
}

export default async function RequestPage({ params }: { params: Promise<{ team: string; id: string }> }) {
  const { team: slug, id } = await params;
  const { db, team, userId, role } = await requirePageTeam(slug);
  const d = await requestDetail(db, team.id, id, userId);
  if (!d) notFound();
  const r = d.r;
  const base = `/t/${team.slug}`;
  const caller = d.keyName ? `API key ${d.keyName} (${d.keyPrefix}…)` : d.userEmail ? (d.userName ? `${d.userName} <${d.userEmail}>` : d.userEmail) : r.apiKeyId ? "a deleted API key" : r.userId ? "a deleted user" : "—";
  const profile = profileSummary(r.taskProfile ?? null);
  const estimated = estimatedPart(r.fallbacksTried);
  return (
    <div className="space-y-6">
      <div className="space-y-1">
        <Link href={`${base}/requests`} className="text-sm text-indigo-600 hover:underline">
          ← Requests
        </Link>
        <h1 className="flex flex-wrap items-center gap-2 text-xl font-semibold">
          Request <span className="font-mono text-sm font-normal text-zinc-500">{r.id}</span>
          <Badge tone={statusTone[r.status]}>{r.status}</Badge>
        </h1>
        <p className="text-sm text-zinc-500">{formatWithZone(r.createdAt, team.timezone, true)}</p>
      </div>
      <Card title="Outcome">
        <dl className="grid gap-4 text-sm sm:grid-cols-2 lg:grid-cols-4">
          <Field label="Model" testId="detail-model">
            <span className="font-mono">{r.model ?? "—"}</span>
          </Field>
          <Field label="Requested model">
            <span className="font-mono">{r.requestedModel ?? "auto (router)"}</span>
          </Field>
          <Field label="Provider">{r.providerKind ?? "—"}</Field>
          <Field label="Source">{r.source === "seed" ? <Badge tone="amber">demo data</Badge> : r.source}</Field>
          <Field label="Tokens in / out">
            {formatInt(r.inputTokens)} / {formatInt(r.outputTokens)}
            {estimated && <span className="text-zinc-500"> (estimated in part)</span>}
          </Field>
          <Field label="Cost" testId="detail-cost">
            {formatUsd(r.costMicros)}
            {estimated && <span className="text-zinc-500"> (estimated in part)</span>}
          </Field>
          <Field label="Latency">{formatMs(r.latencyMs)}</Field>
          <Field label="Confidence">{r.confidence === null ? "—" : `${Math.round(r.confidence * 100)} %`}</Field>
          <Field label="Called by">{caller}</Field>
          {r.pipelineRunId && (
            <Field label="Pipeline run">
              <Link href={`${base}/pipelines/runs/${r.pipelineRunId}`} className="text-indigo-600 hover:underline">
                {d.pipelineName ?? "Pipeline run"}
              </Link>
            </Field>
          )}
        </dl>
        {estimated && (
          <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400" data-testid="detail-estimated">
            {formatUsd(estimated.costMicros)} of this is for {estimated.attempts === 1 ? "an answer" : `${estimated.attempts} answers`} that stopped part-way (listed below): vendors bill the prompt and the part generated, but
            the provider reported no usage, so those tokens are estimated — the prompt as the budget hold counted it, the answer from the text received — and priced at the model&apos;s rates.
          </p>
        )}
        {r.status !== "ok" && (
          <div className="mt-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-300" data-testid="detail-error">
            <span className="font-medium">{r.errorKind ?? r.status}</span>
            {r.errorMessage && <span className="whitespace-pre-wrap break-words">: {r.errorMessage}</span>}
          </div>
        )}
      </Card>
      <Card title="Why this model">
        <p className="whitespace-pre-wrap break-words text-sm" data-testid="detail-reason">
          {r.selectionReason ?? "No reason was recorded."}
        </p>
        {r.fallbacksTried.length > 0 && (
          <div className="mt-4">
            <h3 className="mb-1 text-xs font-semibold text-zinc-500">
              {r.status === "ok" ? "Fallbacks: these models were tried first and failed" : "Models tried, in order: each failed, the last one too"}
            </h3>
            <ol className="list-decimal space-y-1 pl-5 text-sm" data-testid="detail-fallbacks">
              {r.fallbacksTried.map((f, i) => (
                <li key={i} className="break-words">
                  <span className="font-mono text-xs">{f.model}</span> — <span className="text-zinc-600 dark:text-zinc-400">{f.error}</span>
                  <span className="text-zinc-500" data-testid="attempt-billed">
                    {f.costMicros === undefined
                      ? " — not billed"
                      : ` — billed ${f.estimated ? "about " : ""}${formatInt(f.inputTokens ?? 0)} / ${formatInt(f.outputTokens ?? 0)} tokens, ${formatUsd(f.costMicros)}${f.estimated ? " (estimated)" : ""}`}
                  </span>
                </li>
              ))}
            </ol>
          </div>
        )}
        {profile.length > 0 && (
          <div className="mt-4">
            <h3 className="mb-1 text-xs font-semibold text-zinc-500">Task profile</h3>
            <dl className="grid gap-x-4 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-4" data-testid="detail-profile">
              {profile.map(([k, v]) => (
                <Field key={k} label={k}>
                  {v}
                </Field>
              ))}
            </dl>
          </div>
        )}
      </Card>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Prompt">
          {d.prompt === null ? <p className="text-sm text-zinc-500">Not recorded.</p> : <pre className={pre} data-testid="detail-prompt">{d.prompt}</pre>}
        </Card>
        <Card title={r.status !== "ok" && d.response !== null ? "Response, as far as it came before the call failed" : "Response"}>
          {d.response === null ? <p className="text-sm text-zinc-500">No answer.</p> : <pre className={pre} data-testid="detail-response">{d.response}</pre>}
        </Card>
      </div>
      <Card title="Ratings">
        {r.status !== "ok" || !r.model ? (
          <p className="text-sm text-zinc-500">Only completed requests can be rated.</p>
        ) : hasScope(role, "ratings:write") ? (
          <RatingControls requestId={r.id} current={d.myRating} />
        ) : (
          // Without this line a viewer saw an empty card: no controls, and no ratings to list.
          <p className="text-sm text-zinc-500" data-testid="ratings-read-only">
            {d.ratings.length ? "" : "No ratings yet. "}Your role ({role}) can read ratings but not give them.
          </p>
        )}
        {d.ratings.length > 0 && (
          <ul className="mt-3 divide-y divide-zinc-100 text-sm dark:divide-zinc-800" data-testid="detail-ratings">
            {d.ratings.map((x) => (
              <li key={x.id} className="flex flex-wrap gap-x-3 py-1.5">
                <span data-testid="rating-value">{x.kind === "thumbs" ? (x.value ? "thumbs up" : "thumbs down") : `${"★".repeat(x.value)}${"☆".repeat(5 - x.value)}`}</span>
                <span className="text-zinc-500">{raterLabel(x.who, x.keyName)}</span>
                {x.comment && <span className="break-words text-zinc-600 dark:text-zinc-400">“{x.comment}”</span>}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

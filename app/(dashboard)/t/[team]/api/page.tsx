import { headers } from "next/headers";
import Link from "next/link";
import { requirePageTeam } from "@/lib/auth/page";
import { hasScope } from "@/lib/auth/scopes";
import { openApiDocument } from "@/lib/gateway/openapi";
import { Card } from "@/components/ui/card";
import { CodeBlock } from "@/components/api-docs/code-block";
import { apiExamples } from "@/components/api-docs/examples";

export const metadata = { title: "API" };

type Op = { summary?: string; description?: string };

export default async function ApiPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const ctx = await requirePageTeam(slug);
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? "localhost:3000";
  const proto = h.get("x-forwarded-proto") ?? (host.startsWith("localhost") || host.startsWith("127.") ? "http" : "https");
  const base = `${proto}://${host}`;
  const doc = openApiDocument();
  const endpoints = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops as Record<string, Op>).map(([method, op]) => ({ method: method.toUpperCase(), path, ...op })));
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">API</h1>
        <p className="mt-1 max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">
          Anything that talks to OpenAI works with Mission Control: set its base URL to <code className="rounded bg-zinc-100 px-1 dark:bg-zinc-800">{base}/api/v1</code> and its key to a team API key
          {hasScope(ctx.role, "keys:write") ? (
            <>
              {" "}
              (
              <Link className="text-indigo-600 underline" href={`/t/${slug}/admin/keys`}>
                create one
              </Link>
              )
            </>
          ) : (
            " (an admin of the team can create one)"
          )}
          . Every answer carries <code>x-mc-request-id</code>, <code>x-mc-model</code> and <code>x-mc-cost</code>; JSON answers also carry{" "}
          <code>Server-Timing</code> (ms spent in the gateway, routing, the budget, the provider and recording the call).
        </p>
      </div>
      {/* grid-cols-1 (minmax(0, 1fr)) keeps a long code line scrolling inside its block instead of widening the page. */}
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        <Card title="Examples">
          <div className="space-y-4">
            {apiExamples(base).map((e) => (
              <CodeBlock key={e.id} title={e.title} code={e.code} testId={`example-${e.id}`} />
            ))}
          </div>
        </Card>
        <div className="space-y-4">
          <Card title="Endpoints" action={<a className="text-sm text-indigo-600 underline" href="/api/v1/openapi.json">openapi.json</a>}>
            <ul className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800" data-testid="api-endpoints">
              {endpoints.map((e) => (
                <li key={`${e.method} ${e.path}`} className="py-2">
                  <div className="font-mono text-xs">
                    <span className="mr-2 rounded bg-indigo-100 px-1.5 py-0.5 font-semibold text-indigo-800 dark:bg-indigo-950 dark:text-indigo-300">{e.method}</span>
                    /api/v1{e.path}
                  </div>
                  {e.summary && <div className="mt-1">{e.summary}</div>}
                  {e.description && <div className="mt-0.5 text-xs text-zinc-500">{e.description}</div>}
                </li>
              ))}
            </ul>
          </Card>
          <Card title="Errors">
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Errors are JSON: <code>{`{"error":{"type","message","param"}}`}</code> — 400 bad input (the field is in <code>param</code>), 401 missing or revoked key, 402 budget, 404 unknown model, 413 body over 1 MB, 422 no model can take the request (<code>code</code> says why: <code>missing_capability</code> names the models that lack the tool calling, image
              input or reasoning effort it needs, and what to enable; <code>max_tokens_too_large</code> the most any allowed model can answer in one response), 429 rate limit (with <code>Retry-After</code>). <code>GET /api/v1/models</code> lists each model&apos;s{" "}
              <code>capabilities</code>, <code>context_window</code> and <code>max_output_tokens</code>.
            </p>
          </Card>
          <details className="rounded-lg border border-zinc-200 bg-white p-4 text-sm dark:border-zinc-800 dark:bg-zinc-900">
            <summary className="cursor-pointer font-semibold text-zinc-700 dark:text-zinc-300">OpenAPI 3.1 document</summary>
            <pre className="mt-3 max-h-[32rem] overflow-auto rounded-md bg-zinc-950 p-3 text-xs text-zinc-100">{JSON.stringify(doc, null, 2)}</pre>
          </details>
        </div>
      </div>
    </div>
  );
}

"use client";

import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Badge } from "@/components/ui/empty-state";
import { RatingControls, type CurrentRating } from "@/components/ratings/rating-controls";
import { useHasScope, useTeam } from "@/components/shell/team-context";
import { formatInt, formatMs, formatUsd } from "@/lib/format";

type ModelOption = { name: string; displayName: string; provider: string; local: boolean };
type Run = {
  status: "running" | "done" | "error";
  requestId?: string;
  model?: string;
  reason?: string;
  text: string;
  notices: string[];
  usage?: { inputTokens: number; outputTokens: number };
  costMicros?: number;
  latencyMs?: number;
  error?: string;
};

/** Reads a server-sent event stream from a fetch response, calling `on` for each event. */
async function readSse(res: Response, on: (event: string, data: any) => void) {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const chunk = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(chunk)?.[1] ?? "message";
      const data = /^data: (.*)$/m.exec(chunk)?.[1];
      if (data) on(event, JSON.parse(data));
    }
  }
}

/** `myRatings`: the viewer's saved ratings of recent runs by request id, so the result shows what the history below it shows. */
export function Playground({ models, myRatings = {} }: { models: ModelOption[]; myRatings?: Record<string, CurrentRating> }) {
  const team = useTeam();
  const canRun = useHasScope("requests:write");
  const router = useRouter();
  const [task, setTask] = useState("");
  const [model, setModel] = useState("auto");
  const [priv, setPriv] = useState(false);
  const [run, setRun] = useState<Run | null>(null);
  const abort = useRef<AbortController | null>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    // One run at a time: a submit while one streams (Enter, a double click) must not start a second, paid call.
    if (abort.current && !abort.current.signal.aborted && run?.status === "running") return;
    if (!task.trim()) {
      setRun({ status: "error", text: "", notices: [], error: "Type a task first." });
      return;
    }
    abort.current = new AbortController();
    let current: Run = { status: "running", text: "", notices: [] };
    const update = (patch: Partial<Run>) => setRun((current = { ...current, ...patch }));
    update({});
    try {
      const res = await fetch(`/api/teams/${team.slug}/playground`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ task, model, private: priv }),
        signal: abort.current.signal,
      });
      if (!res.ok || !res.body) {
        const body = await res.json().catch(() => null);
        update({ status: "error", error: body?.error?.message ?? `The run failed (${res.status}).` });
        return;
      }
      await readSse(res, (event, data) => {
        if (event === "start") update({ requestId: data.requestId, model: data.model, reason: data.reason });
        else if (event === "delta") update({ text: current.text + data.text });
        else if (event === "fallback")
          update({ text: data.discardOutput ? "" : current.text, model: data.to, notices: [...current.notices, `${data.from} failed (${data.error}); retrying on ${data.to}.`] });
        else if (event === "done") update({ status: "done", requestId: data.requestId, model: data.model, reason: data.reason, usage: data.usage, costMicros: data.costMicros, latencyMs: data.latencyMs });
        else if (event === "error") update({ status: "error", error: data.message, requestId: data.requestId });
      });
      if (current.status === "running") update({ status: "error", error: "The connection closed before the answer finished." });
    } catch (err) {
      update({ status: "error", error: (err as Error).name === "AbortError" ? "Stopped." : "The connection failed; check your network and try again." });
    } finally {
      router.refresh();
    }
  }

  return (
    <div className="space-y-4">
      <Card>
        <form onSubmit={submit} className="space-y-3" data-testid="playground-form">
          <label className="block space-y-1">
            <span className="text-sm font-medium">Task</span>
            <textarea
              value={task}
              onChange={(e) => setTask(e.target.value)}
              rows={5}
              placeholder="e.g. Write a TypeScript function that debounces another function."
              className="w-full rounded-md border border-zinc-300 bg-white p-2 text-sm dark:border-zinc-700 dark:bg-zinc-950"
            />
          </label>
          <div className="flex flex-wrap items-end gap-3">
            <label className="min-w-0 max-w-full space-y-1">
              <span className="block text-sm font-medium">Model</span>
              <select value={model} onChange={(e) => setModel(e.target.value)} aria-label="Model" className="max-w-full rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-950">
                <option value="auto">auto — let the router choose</option>
                {models.map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.displayName} ({m.provider}
                    {m.local ? ", local" : ""})
                  </option>
                ))}
              </select>
            </label>
            <label className="flex items-center gap-2 pb-1.5 text-sm">
              <input type="checkbox" checked={priv} onChange={(e) => setPriv(e.target.checked)} /> Private (local models only)
            </label>
            {run?.status === "running" ? (
              // Distinct keys: reused, the one <button> turned type="submit" before the click finished,
              // and Stop submitted the form again — a second, paid run.
              <Button
                key="stop"
                type="button"
                variant="secondary"
                onClick={(e) => {
                  e.preventDefault();
                  abort.current?.abort();
                }}
              >
                Stop
              </Button>
            ) : (
              <Button key="run" type="submit" disabled={!canRun}>
                Run
              </Button>
            )}
            {!canRun && <span className="text-xs text-zinc-500">Viewers can read results but not run tasks.</span>}
          </div>
        </form>
      </Card>
      {run && (
        <Card title="Result" action={run.status === "running" ? <Badge tone="indigo">streaming…</Badge> : run.status === "done" ? <Badge tone="green">done</Badge> : <Badge tone="red">failed</Badge>}>
          <div className="space-y-3" data-testid="playground-result">
            {run.model && (
              <div className="text-sm">
                Model: <span className="font-mono" data-testid="result-model">{run.model}</span>
                {run.reason && <p className="mt-1 text-xs text-zinc-500">{run.reason}</p>}
              </div>
            )}
            {run.notices.map((n, i) => (
              <p key={i} className="text-xs text-amber-700 dark:text-amber-400">
                {n}
              </p>
            ))}
            {run.text && <pre className="max-h-96 overflow-auto whitespace-pre-wrap rounded bg-zinc-50 p-3 text-sm dark:bg-zinc-950" data-testid="result-text">{run.text}</pre>}
            {run.error && (
              <p className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300" role="alert" data-testid="result-error">
                {run.error}
              </p>
            )}
            {run.status === "done" && (
              <>
                <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4" data-testid="result-figures">
                  <div>
                    <dt className="text-xs text-zinc-500">Tokens in / out</dt>
                    <dd>
                      {formatInt(run.usage!.inputTokens)} / {formatInt(run.usage!.outputTokens)}
                    </dd>
                  </div>
                  <div>
                    <dt className="text-xs text-zinc-500">Cost</dt>
                    <dd data-testid="result-cost">{formatUsd(run.costMicros!)}</dd>
                  </div>
                  <div>
                    <dt className="text-xs text-zinc-500">Latency</dt>
                    <dd>{formatMs(run.latencyMs!)}</dd>
                  </div>
                </dl>
                {run.requestId && <RatingControls requestId={run.requestId} current={myRatings[run.requestId] ?? null} />}
              </>
            )}
          </div>
        </Card>
      )}
    </div>
  );
}

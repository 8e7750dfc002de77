#!/usr/bin/env node
// mc — the Mission Control CLI. Talks to the REST API (/api/v1) with a team API key.
// Usage: mc --help. No dependencies beyond Node 20 (global fetch).
import { parseArgs } from "node:util";

const HELP = `mc — Mission Control from the terminal

Usage:
  mc delegate <task…> [--model m] [--type t] [--max-cost usd] [--context text] [--no-stream] [--json]
  mc pipelines                               list the team's pipelines
  mc run <pipeline-id> <input…> [--json]     run a pipeline and show its progress
  mc run-status <run-id>                     show a run
  mc spend [--days n] [--json]               usage, cost by model, budgets
  mc models                                  models this key may use
  mc rate <request-id> <up|down|1-5> [--comment text]

Options:
  --url <url>   the app (default $MC_API_URL or http://localhost:3000)
  --key <key>   an API key mc_… (default $MC_API_KEY)
  -h, --help

Keys are created under Admin → API keys (or npm run keys:create -- --team <slug>).`;

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string" },
    key: { type: "string" },
    model: { type: "string" },
    type: { type: "string" },
    "max-cost": { type: "string" },
    context: { type: "string" },
    days: { type: "string" },
    comment: { type: "string" },
    "no-stream": { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

const out = process.stdout;
const err = process.stderr;
const tty = err.isTTY;
const dim = (s) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s) => (tty ? `\x1b[1m${s}\x1b[0m` : s);

class CliError extends Error {
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}

const base = (opt.url ?? process.env.MC_API_URL ?? "http://localhost:3000").replace(/\/+$/, "").replace(/\/api\/v1$/, "");
const key = opt.key ?? process.env.MC_API_KEY;
const usd = (n) => `$${Number(n).toFixed(n < 0.01 && n > 0 ? 6 : 4)}`;

async function api(method, path, body, headers = {}) {
  if (!key) throw new CliError("No API key. Set MC_API_KEY or pass --key mc_… (create one under Admin → API keys).", 2);
  let res;
  try {
    res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new CliError(`Cannot reach ${base} (${e.cause?.code ?? e.message}). Is the app running? Set --url or MC_API_URL.`);
  }
  if (!res.ok) {
    const text = await res.text();
    let msg = text;
    try {
      msg = JSON.parse(text).error?.message ?? text;
    } catch {}
    const retry = res.headers.get("retry-after");
    throw new CliError(`${res.status}: ${msg}${retry ? ` (retry after ${retry} s)` : ""}`);
  }
  return res;
}

/** Yields {event, data} from a server-sent-event response. */
async function* sse(res) {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body) {
    buf += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = block
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      if (data) yield { event, data: JSON.parse(data) };
    }
  }
}

function delegateBody(task) {
  const maxCost = opt["max-cost"] === undefined ? undefined : Number(opt["max-cost"]);
  if (maxCost !== undefined && !(maxCost > 0)) throw new CliError("--max-cost must be a positive number of dollars.", 2);
  return {
    task: { description: task, ...(opt.type ? { type: opt.type } : {}) },
    ...(opt.context || maxCost ? { context: { ...(opt.context ? { project_context: opt.context } : {}), ...(maxCost ? { constraints: { max_cost: maxCost } } : {}) } } : {}),
    preferences: { model_preference: opt.model ?? "auto" },
  };
}

function summary(r) {
  const e = r.execution_info;
  return `${e.selected_model} · ${usd(e.actual_cost)} · ${e.execution_time.toFixed(2)} s · ${e.tokens.input}+${e.tokens.output} tokens · id ${r.response_id}`;
}

async function delegate(words) {
  const task = words.join(" ").trim();
  if (!task) throw new CliError('Give the task, e.g. mc delegate "Summarise this changelog".', 2);
  const body = delegateBody(task);
  if (opt["no-stream"] || opt.json) {
    const r = await (await api("POST", "/delegate", body)).json();
    if (opt.json) return out.write(JSON.stringify(r, null, 2) + "\n");
    out.write(r.result.primary_response + "\n");
    err.write(dim(summary(r)) + "\n");
    return;
  }
  const res = await api("POST", "/delegate/stream", body);
  for await (const { event, data } of sse(res)) {
    if (event === "start") err.write(dim(`→ ${data.selected_model}: ${data.selection_reason}`) + "\n");
    else if (event === "delta") out.write(data.text);
    else if (event === "fallback") err.write(dim(`\n↻ ${data.from} failed (${data.error}); falling back to ${data.to}${data.discard_output ? " — restarting the answer" : ""}`) + "\n");
    else if (event === "done") err.write("\n" + dim(summary(data)) + "\n");
    else if (event === "error") throw new CliError(`\n${data.error.message}`);
  }
}

const STEP_MARK = { pending: "·", running: "…", succeeded: "✓", failed: "✗", skipped: "-", cancelled: "-" };

function progressLine(run) {
  const steps = run.steps.map((s) => `${STEP_MARK[s.status] ?? "?"} ${s.key}${s.model ? ` (${s.model})` : ""}`).join("  ");
  return `[${run.progress.done}/${run.progress.total}] ${run.status.padEnd(9)} ${usd(run.costMicros / 1e6)}  ${steps}`;
}

async function runPipeline([pipelineId, ...words]) {
  const input = words.join(" ").trim();
  if (!pipelineId || !input) throw new CliError('Usage: mc run <pipeline-id> <input…>  (mc pipelines lists ids)', 2);
  let run = await (await api("POST", `/pipelines/${encodeURIComponent(pipelineId)}/runs`, { input })).json();
  err.write(dim(`Run ${run.id} of “${run.pipelineName}”`) + "\n");
  let last = "";
  while (!["succeeded", "failed", "cancelled"].includes(run.status)) {
    const line = progressLine(run);
    if (line !== last) err.write((tty ? `\r\x1b[2K${line}` : `${line}\n`));
    last = line;
    await new Promise((r) => setTimeout(r, 500));
    run = await (await api("GET", `/pipeline-runs/${run.id}`)).json();
  }
  err.write((tty ? `\r\x1b[2K` : "") + progressLine(run) + "\n");
  if (opt.json) out.write(JSON.stringify(run, null, 2) + "\n");
  else if (run.output) out.write(run.output + "\n");
  if (run.status !== "succeeded") throw new CliError(`Run ${run.status}${run.error ? `: ${run.error}` : ""}`);
}

async function runStatus([runId]) {
  if (!runId) throw new CliError("Usage: mc run-status <run-id>", 2);
  const run = await (await api("GET", `/pipeline-runs/${encodeURIComponent(runId)}`)).json();
  if (opt.json) return out.write(JSON.stringify(run, null, 2) + "\n");
  out.write(progressLine(run) + "\n");
  if (run.output) out.write(run.output + "\n");
}

async function pipelines() {
  const { data } = await (await api("GET", "/pipelines")).json();
  if (opt.json) return out.write(JSON.stringify(data, null, 2) + "\n");
  if (!data.length) return out.write("No pipelines yet. Build one in the dashboard under Pipelines.\n");
  for (const p of data) out.write(`${p.id}  ${bold(p.name)}  ${dim(`${p.steps.length} steps · ${p.runs} runs`)}\n`);
}

async function spend() {
  const days = opt.days ?? "30";
  const r = await (await api("GET", `/spend?days=${encodeURIComponent(days)}`)).json();
  if (opt.json) return out.write(JSON.stringify(r, null, 2) + "\n");
  out.write(`${bold(`Spend since ${r.since}`)} (${r.days} days)\n`);
  out.write(`  ${usd(r.totals.cost_usd)} · ${r.totals.requests} requests (${r.totals.errors} failed) · ${r.totals.tokens} tokens\n`);
  if (r.by_model.length) {
    out.write(bold("By model\n"));
    for (const m of r.by_model) out.write(`  ${m.model.padEnd(32)} ${usd(m.cost_usd).padStart(12)}  ${String(m.requests).padStart(7)} req\n`);
  }
  if (r.budgets.length) {
    out.write(bold("Budgets\n"));
    for (const b of r.budgets) {
      const pct = b.limit_usd > 0 ? Math.round((b.spent_usd / b.limit_usd) * 100) : 0;
      out.write(`  ${b.name.padEnd(32)} ${usd(b.spent_usd)} of ${usd(b.limit_usd)} ${b.period} (${pct} %)${b.hard_stop ? "" : " soft"}\n`);
    }
  }
}

async function models() {
  const { data } = await (await api("GET", "/models")).json();
  for (const m of data) out.write(`${m.id}  ${dim(m.owned_by)}\n`);
}

async function rate([requestId, value]) {
  if (!requestId || !value) throw new CliError("Usage: mc rate <request-id> <up|down|1-5>", 2);
  const rating = /^[1-5]$/.test(value) ? Number(value) : value;
  await api("POST", "/feedback", { request_id: requestId, rating, ...(opt.comment ? { comment: opt.comment } : {}) });
  out.write(`Rated ${requestId}: ${value}\n`);
}

const COMMANDS = { delegate, pipelines, run: runPipeline, "run-status": runStatus, spend, models, rate };

async function main() {
  const [cmd, ...rest] = positionals;
  if (opt.help || !cmd) {
    out.write(HELP + "\n");
    return;
  }
  const fn = COMMANDS[cmd];
  if (!fn) throw new CliError(`Unknown command "${cmd}". Run mc --help.`, 2);
  await fn(rest);
}

main().catch((e) => {
  err.write(`mc: ${e instanceof CliError ? e.message : e?.stack ?? e}\n`);
  process.exit(e instanceof CliError ? e.code : 1);
});

#!/usr/bin/env node
// mc — the Mission Control CLI. Talks to the REST API (/api/v1) with a team API key.
// Usage: mc --help. No dependencies beyond Node 20 (global fetch).
import { parseArgs } from "node:util";

const out = process.stdout;
const err = process.stderr;
// `mc models | head -3`: the reader has gone, so there is nobody left to tell; stop quietly.
for (const s of [out, err]) s.on("error", (e) => process.exit(e.code === "EPIPE" ? 0 : 1));

const tty = err.isTTY;
const dim = (s) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s) => (tty ? `\x1b[1m${s}\x1b[0m` : s);

class CliError extends Error {
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}
/** Bad arguments: exit 2, with the command's usage. */
class UsageError extends CliError {
  constructor(message, cmd) {
    super(message, 2);
    this.cmd = cmd;
  }
}

const GLOBAL_OPTIONS = {
  url: { type: "string" },
  key: { type: "string" },
  help: { type: "boolean", short: "h" },
};
const json = { type: "boolean" };

/** Every command: its usage line, what it does, the options it takes. */
const COMMANDS = {
  delegate: {
    usage: "mc delegate <task…> [--model m] [--type t] [--max-cost usd] [--context text] [--no-stream] [--json]",
    about: "send a task; the router picks the model (or --model); the answer streams to stdout",
    options: { model: { type: "string" }, type: { type: "string" }, "max-cost": { type: "string" }, context: { type: "string" }, "no-stream": { type: "boolean" }, json },
    dashes: true,
    run: delegate,
  },
  pipelines: { usage: "mc pipelines [--json]", about: "list the team's pipelines", options: { json }, run: pipelines },
  run: { usage: "mc run <pipeline-id> <input…> [--json]", about: "run a pipeline and show its progress", options: { json }, dashes: true, run: runPipeline },
  "run-status": { usage: "mc run-status <run-id> [--json]", about: "show a run", options: { json }, run: runStatus },
  cancel: { usage: "mc cancel <run-id> [--json]", about: "cancel a queued or running pipeline run (Ctrl-C during mc run does the same)", options: { json }, run: cancelRun },
  spend: { usage: "mc spend [--days n] [--json]", about: "usage, cost by model, budgets (--days 1–366, default 30)", options: { days: { type: "string" }, json }, run: spend },
  models: { usage: "mc models [--json]", about: "models this key may use, with what each can do (tools, images, reasoning_effort), its context window and its output limit", options: { json }, run: models },
  rate: {
    usage: "mc rate <request-id> <up|down|1-5> [--comment text] [--json]",
    about: "rate an earlier request: thumbs up/down or 1–5 stars",
    options: { comment: { type: "string" }, json },
    run: rate,
  },
};

const GLOBAL_HELP = `Options:
  --url <url>   the app (default $MC_API_URL or http://localhost:3000)
  --key <key>   an API key mc_… (default $MC_API_KEY)
  -h, --help    this help; mc <command> --help for one command

Keys are created under Admin → API keys (or npm run keys:create -- --team <slug>).`;

const HELP = `mc — Mission Control from the terminal

Usage:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage}\n      ${c.about}`)
  .join("\n")}

${GLOBAL_HELP}`;

const commandHelp = (cmd) => `Usage: ${COMMANDS[cmd].usage}\n  ${COMMANDS[cmd].about}\n\n${GLOBAL_HELP}`;

/**
 * Reads argv against the options of its command, so an option another command takes is refused
 * rather than ignored. A first, lenient pass (knowing every option, so that values are not taken
 * for the command) finds the command.
 */
function parseCommandLine(args) {
  const all = Object.assign({}, GLOBAL_OPTIONS, ...Object.values(COMMANDS).map((c) => c.options));
  const first = parseArgs({ args, options: all, strict: false, allowPositionals: true }).positionals[0];
  const cmd = Object.hasOwn(COMMANDS, first ?? "") ? first : undefined;
  try {
    const { values, positionals } = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...(cmd ? COMMANDS[cmd].options : {}) }, allowPositionals: true });
    return { cmd: positionals[0], opt: values, rest: positionals.slice(1) };
  } catch (e) {
    if (!String(e.code).startsWith("ERR_PARSE_ARGS")) throw e;
    throw new UsageError(parseError(e, cmd), cmd);
  }
}

/** node:util's parse errors, shorter and in the CLI's words. */
function parseError(e, cmd) {
  const unknown = /^Unknown option '([^']+)'/.exec(e.message)?.[1];
  if (unknown) {
    const hint = cmd && COMMANDS[cmd].dashes && /^-[^-]/.test(unknown) ? ` (text that starts with "-" goes after --, as in mc ${cmd} -- ${unknown} …)` : "";
    const elsewhere = Object.entries(COMMANDS).filter(([, c]) => Object.hasOwn(c.options, unknown.replace(/^--?/, "").split("=")[0]));
    const where = elsewhere.length ? ` (it belongs to mc ${elsewhere.map(([n]) => n).join(", mc ")})` : "";
    return `unknown option ${unknown}${where}${hint}`;
  }
  const missing = /^Option '(--?[^ ']+)[^']*' argument missing/.exec(e.message)?.[1];
  if (missing) return `${missing} needs a value`;
  const dashValue = /^Option '(--?[^ ']+)' argument is ambiguous/.exec(e.message)?.[1];
  if (dashValue) return `${dashValue} needs a value; for a value that starts with "-" write ${dashValue}=-…`;
  const flag = /^Option '(--?[^ ']+)' does not take an argument/.exec(e.message)?.[1];
  if (flag) return `${flag} is a switch and takes no value`;
  return e.message.split("\n")[0];
}

let opt = {};
let base = "";
let key;

function connection() {
  const raw = opt.url ?? process.env.MC_API_URL ?? "http://localhost:3000";
  base = raw.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  let url;
  try {
    url = new URL(base);
  } catch {}
  if (!url || !/^https?:$/.test(url.protocol)) throw new CliError(`--url (or MC_API_URL) must be the app's http(s) address, e.g. http://localhost:3000; got "${raw}".`, 2);
  key = opt.key ?? process.env.MC_API_KEY;
}

/** "1 step", "2 steps". */
const count = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
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
    const text = await readBody(res, () => res.text());
    let msg = text;
    try {
      msg = JSON.parse(text).error?.message ?? text;
    } catch {}
    const retry = res.headers.get("retry-after");
    throw new CliError(`${res.status}: ${msg.length > 500 ? `${msg.slice(0, 500)}…` : msg}${retry ? ` (retry after ${retry} s)` : ""}`);
  }
  return res;
}

/** Reads a body; a connection that breaks halfway is the CLI's error, not a stack trace. */
async function readBody(res, read) {
  try {
    return await read();
  } catch (e) {
    throw new CliError(`The connection to ${base} broke while reading its answer (${e.cause?.code ?? e.message}).`);
  }
}

/** The JSON body of an API answer. */
async function body(res) {
  const text = await readBody(res, () => res.text());
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${base} did not answer ${new URL(res.url).pathname} with JSON. Is --url (or MC_API_URL) the Mission Control app?`);
  }
}

/** Yields {event, data} from a server-sent-event response. */
async function* sse(res) {
  const decoder = new TextDecoder();
  let buf = "";
  const reader = res.body[Symbol.asyncIterator]();
  for (;;) {
    const { done, value } = await readBody(res, () => reader.next());
    if (done) return;
    buf += decoder.decode(value, { stream: true });
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
      if (!data) continue;
      let parsed;
      try {
        parsed = JSON.parse(data);
      } catch {
        throw new CliError(`${base} sent a "${event}" event that is not JSON. Is --url (or MC_API_URL) the Mission Control app?`);
      }
      yield { event, data: parsed };
    }
  }
}

function noMoreArgs(cmd, rest) {
  if (rest.length) throw new UsageError(`unexpected argument${rest.length > 1 ? "s" : ""} ${rest.map((a) => `"${a}"`).join(" ")}`, cmd);
}

function delegateBody(task) {
  const maxCost = opt["max-cost"] === undefined ? undefined : Number(opt["max-cost"]);
  if (maxCost !== undefined && !(maxCost > 0 && maxCost <= 10_000)) throw new UsageError("--max-cost must be a number of dollars above 0 and at most 10000, e.g. --max-cost 0.05", "delegate");
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
  if (!task) throw new UsageError('give the task, e.g. mc delegate "Summarise this changelog"', "delegate");
  const request = delegateBody(task);
  if (opt["no-stream"] || opt.json) {
    const r = await body(await api("POST", "/delegate", request));
    if (opt.json) return out.write(JSON.stringify(r, null, 2) + "\n");
    out.write(r.result.primary_response + "\n");
    err.write(dim(summary(r)) + "\n");
    return;
  }
  const res = await api("POST", "/delegate/stream", request);
  let wrote = false;
  for await (const { event, data } of sse(res)) {
    if (event === "start") err.write(dim(`→ ${data.selected_model}: ${data.selection_reason}`) + "\n");
    else if (event === "delta") {
      out.write(data.text);
      wrote = true;
    } else if (event === "fallback") err.write(dim(`\n↻ ${data.from} failed (${data.error}); falling back to ${data.to}${data.discard_output ? " — restarting the answer" : ""}`) + "\n");
    else if (event === "done") return err.write("\n" + dim(summary(data)) + "\n");
    else if (event === "error") {
      if (wrote) out.write("\n");
      throw new CliError(data.error?.message ?? "The call failed.");
    }
  }
  if (wrote) out.write("\n");
  throw new CliError(`The stream from ${base} ended before the answer finished; the answer above may be cut short.`);
}

const STEP_MARK = { pending: "·", running: "…", succeeded: "✓", failed: "✗", skipped: "-", cancelled: "-" };

function progressLine(run) {
  const steps = run.steps.map((s) => `${STEP_MARK[s.status] ?? "?"} ${s.key}${s.model ? ` (${s.model})` : ""}`).join("  ");
  // Why it is not moving: queued behind other runs, or a step waiting for a rate limit.
  const why = run.queuedReason ?? run.steps.find((s) => s.waiting)?.waiting.message;
  return `[${run.progress.done}/${run.progress.total}] ${run.status.padEnd(9)} ${usd(run.costMicros / 1e6)}  ${steps}${why ? `  ${dim(why)}` : ""}`;
}

async function runPipeline([pipelineId, ...words]) {
  const input = words.join(" ").trim();
  if (!pipelineId) throw new UsageError("give the pipeline's id (mc pipelines lists them) and the input", "run");
  if (!input) throw new UsageError("give the run an input after the pipeline's id", "run");
  let run = await body(await api("POST", `/pipelines/${encodeURIComponent(pipelineId)}/runs`, { input }));
  err.write(dim(`Run ${run.id} of “${run.pipelineName}” (Ctrl-C cancels it)`) + "\n");
  // Ctrl-C cancels the run (it would otherwise go on, and cost, with nobody watching); a second
  // Ctrl-C leaves it running and says how to follow or stop it.
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) {
      err.write(`\nRun ${run.id} may still be running: mc run-status ${run.id} shows it, mc cancel ${run.id} stops it.\n`);
      process.exit(130);
    }
    interrupted = true;
    err.write((tty ? "\r\x1b[2K" : "\n") + `Cancelling run ${run.id}… (Ctrl-C again to stop waiting)\n`);
    api("POST", `/pipeline-runs/${run.id}/cancel`).catch((e) => err.write(`Could not cancel: ${e.message}\n`));
  };
  process.on("SIGINT", onInterrupt);
  let last = "";
  try {
    while (!["succeeded", "failed", "cancelled"].includes(run.status)) {
      const line = progressLine(run);
      if (line !== last) err.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
      last = line;
      await new Promise((r) => setTimeout(r, 500));
      run = await body(await api("GET", `/pipeline-runs/${run.id}`));
    }
  } finally {
    process.off("SIGINT", onInterrupt);
  }
  err.write((tty ? `\r\x1b[2K` : "") + progressLine(run) + "\n");
  if (opt.json) out.write(JSON.stringify(run, null, 2) + "\n");
  else if (run.output) out.write(run.output + "\n");
  if (run.status !== "succeeded") throw new CliError(`Run ${run.status}${run.error ? `: ${run.error}` : ""}`);
}

async function runStatus([runId, ...rest]) {
  if (!runId) throw new UsageError("give the run's id (mc run prints it)", "run-status");
  noMoreArgs("run-status", rest);
  const run = await body(await api("GET", `/pipeline-runs/${encodeURIComponent(runId)}`));
  if (opt.json) return out.write(JSON.stringify(run, null, 2) + "\n");
  out.write(progressLine(run) + "\n");
  if (run.output) out.write(run.output + "\n");
}

async function cancelRun([runId, ...rest]) {
  if (!runId) throw new UsageError("give the run's id (mc run prints it)", "cancel");
  noMoreArgs("cancel", rest);
  const run = await body(await api("POST", `/pipeline-runs/${encodeURIComponent(runId)}/cancel`));
  if (opt.json) return out.write(JSON.stringify(run, null, 2) + "\n");
  out.write(progressLine(run) + "\n");
  if (run.status !== "cancelled") out.write(`Cancelling: the step in flight stops within about a second (mc run-status ${run.id}).\n`);
}

async function pipelines(rest) {
  noMoreArgs("pipelines", rest);
  const { data } = await body(await api("GET", "/pipelines"));
  if (opt.json) return out.write(JSON.stringify(data, null, 2) + "\n");
  if (!data.length) return out.write("No pipelines yet. Build one in the dashboard under Pipelines.\n");
  for (const p of data) out.write(`${p.id}  ${bold(p.name)}  ${dim(`${count(p.steps.length, "step")} · ${count(p.runs, "run")}`)}\n`);
}

async function spend(rest) {
  noMoreArgs("spend", rest);
  const days = opt.days ?? "30";
  if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > 366) throw new UsageError(`--days must be a whole number from 1 to 366; got "${days}"`, "spend");
  const r = await body(await api("GET", `/spend?days=${Number(days)}`));
  if (opt.json) return out.write(JSON.stringify(r, null, 2) + "\n");
  out.write(`${bold(`Spend since ${r.since}${r.timezone ? ` ${r.timezone}` : ""}`)} (${count(r.days, "day")})\n`);
  out.write(`  ${usd(r.totals.cost_usd)} · ${r.totals.requests} requests (${r.totals.errors} failed or refused) · ${r.totals.tokens} tokens\n`);
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

/** "128k", "1M": a context window in tokens, short. */
const tokensShort = (n) => (n >= 1_000_000 ? `${Math.round(n / 100_000) / 10}M` : n >= 1000 ? `${Math.round(n / 1000)}k` : String(n));

/** What a model of GET /models can do besides text: "tools, images", "text only"; empty when the server does not say. */
function capabilitiesOf(m) {
  const c = m.capabilities;
  if (!c) return "";
  const has = [c.tool_calling && "tools", c.image_input && "images", c.reasoning_effort && "reasoning_effort"].filter(Boolean);
  return has.length ? has.join(", ") : "text only";
}

async function models(rest) {
  noMoreArgs("models", rest);
  const { data } = await body(await api("GET", "/models"));
  if (opt.json) return out.write(JSON.stringify(data, null, 2) + "\n");
  const width = Math.max(...data.map((m) => m.id.length));
  for (const m of data) {
    const about = m.id === "auto" ? "the router chooses, per request, among the models below that can take it" : [capabilitiesOf(m), m.context_window ? `${tokensShort(m.context_window)} context` : "", m.max_output_tokens ? `${tokensShort(m.max_output_tokens)} out` : ""].filter(Boolean).join(" · ");
    out.write(`${m.id.padEnd(width)}  ${dim((m.owned_by ?? "").padEnd(16))}  ${about}`.trimEnd() + "\n");
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** POST /feedback takes "up" / "down" or a whole number of stars from 1 to 5 (lib/gateway/schemas.ts). */
function ratingOf(value) {
  const v = value.trim().toLowerCase();
  if (v === "up" || v === "down") return v;
  if (/^[1-5]$/.test(v)) return Number(v);
  throw new UsageError(`rating must be up, down or a whole number of stars from 1 to 5; got "${value}"`, "rate");
}

async function rate([requestId, value, ...rest]) {
  if (!requestId || value === undefined) throw new UsageError("give the request's id and a rating", "rate");
  noMoreArgs("rate", rest);
  if (!UUID.test(requestId)) throw new UsageError(`request-id must be the id of an earlier call (a UUID: the "id …" mc delegate prints, or response_id); got "${requestId}"`, "rate");
  const rating = ratingOf(value);
  if (opt.comment !== undefined && opt.comment.length > 5000) throw new UsageError(`--comment may be at most 5000 characters; it has ${opt.comment.length}`, "rate");
  const r = await body(await api("POST", "/feedback", { request_id: requestId, rating, ...(opt.comment ? { comment: opt.comment } : {}) }));
  if (opt.json) return out.write(JSON.stringify(r, null, 2) + "\n");
  out.write(`Rated ${requestId}: ${typeof rating === "number" ? `${rating} star${rating > 1 ? "s" : ""}` : `thumbs ${rating}`}${r.model ? ` (${r.model})` : ""}\n`);
}

async function main() {
  const parsed = parseCommandLine(process.argv.slice(2));
  opt = parsed.opt;
  const { cmd, rest } = parsed;
  if (!cmd) {
    out.write(HELP + "\n");
    return;
  }
  if (!Object.hasOwn(COMMANDS, cmd)) throw new UsageError(`unknown command "${cmd}"`);
  if (opt.help) {
    out.write(commandHelp(cmd) + "\n");
    return;
  }
  connection();
  await COMMANDS[cmd].run(rest);
}

main().catch((e) => {
  if (e instanceof UsageError) {
    const usage = e.cmd ? `Usage: ${COMMANDS[e.cmd].usage}\nRun mc ${e.cmd} --help for more.` : "Run mc --help for the commands.";
    err.write(`mc${e.cmd ? ` ${e.cmd}` : ""}: ${e.message}\n${usage}\n`);
  } else err.write(`mc: ${e instanceof CliError ? e.message : e?.stack ?? e}\n`);
  process.exit(e instanceof CliError ? e.code : 1);
});

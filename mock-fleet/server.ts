import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerFor, forcedToolCall, jsonAnswer, REDACTED_THINKING_TRIGGER, thinkingFor, type MockToolCall } from "./answers";
import { defaultFleet, NO_ERRORS, type ErrorRates, type FleetModelConfig } from "./fleet";
import { hash32, mulberry32 } from "./prng";
import { imagesIn, type BilledImage } from "./images";
import { bytePromptTokens, CHARS_PER_TOKEN, estimateMessagesTokens, estimateTokens } from "./tokens";
import { anthropicRequestError, capabilityError, chosenTool, forcedTool, mistralExtraField, mistralToolCallIdError, openaiRequestError, outputLimitError, REASONING_TOKENS, reasoningEffortError, thinkingError } from "./validate";

export type { FleetModelConfig, ErrorRates } from "./fleet";

export interface MockFleetOptions {
  port?: number;
  host?: string;
  models?: FleetModelConfig[];
  seed?: number;
}

export interface MockFleet {
  url: string;
  port: number;
  close(): Promise<void>;
  /** The control plane, over HTTP as any other process would use it (for tests and benches). */
  configure(body: unknown): Promise<void>;
  reset(): Promise<void>;
  usage(): Promise<FleetUsage>;
}

/** A handle on a fleet's control plane by URL (one started here, or in another process). */
export function fleetControl(url: string): Pick<MockFleet, "configure" | "reset" | "usage"> {
  const post = async (route: string, body?: unknown) => {
    const res = await fetch(`${url}${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`mock fleet refused ${route}: ${res.status} ${await res.text()}`);
  };
  return {
    configure: (body) => post("/__fleet/config", body),
    reset: () => post("/__fleet/reset"),
    usage: async () => (await (await fetch(`${url}/__fleet/usage`)).json()) as FleetUsage,
  };
}

type Outcome = "ok" | ErrorKind;
type ErrorKind =
  | "rate_limit"
  | "server"
  | "timeout"
  | "drop"
  | "garbage"
  | "bad_request"
  | "auth"
  | "not_found"
  | "client_closed";
type Fault = "rate_limit" | "server" | "timeout" | "drop" | "garbage";

export interface ModelUsage {
  requests: number;
  ok: number;
  errors: Record<ErrorKind, number>;
  prompt_tokens: number;
  completion_tokens: number;
  /**
   * What the vendor bills, also for requests that ended early (README "Counting rule"): the requests
   * whose answer began, and their prompt and completion tokens (reasoning included).
   */
  bill: { requests: number; prompt_tokens: number; completion_tokens: number };
}

export interface FleetUsage {
  models: Record<string, ModelUsage>;
  totals: ModelUsage;
}

type Dialect = "openai" | "anthropic" | "ollama";
type Message = { role: string; content: string; name?: string; images: BilledImage[] };

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const FORCED: Record<string, Fault> = {
  "429": "rate_limit",
  "500": "server",
  timeout: "timeout",
  drop: "drop",
  garbage: "garbage",
};

function emptyUsage(): ModelUsage {
  return {
    requests: 0,
    ok: 0,
    errors: {
      rate_limit: 0,
      server: 0,
      timeout: 0,
      drop: 0,
      garbage: 0,
      bad_request: 0,
      auth: 0,
      not_found: 0,
      client_closed: 0,
    },
    prompt_tokens: 0,
    completion_tokens: 0,
    bill: { requests: 0, prompt_tokens: 0, completion_tokens: 0 },
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `Request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => {
        if (!p || typeof p !== "object") return "";
        const b = p as { type?: unknown; text?: unknown; content?: unknown };
        // An Anthropic tool result is the text the model reads next, as an OpenAI `tool` message is.
        if (b.type === "tool_result") return textOf(b.content);
        return typeof b.text === "string" ? b.text : "";
      })
      .join("");
  }
  return "";
}

/** A tool call's JSON arguments in two stream pieces, as vendors send them in several. */
function halves(json: string): string[] {
  const mid = Math.ceil(json.length / 2);
  return json.length < 2 ? [json] : [json.slice(0, mid), json.slice(mid)];
}

/** Splits text into word-sized stream pieces, whitespace kept, so the pieces join back exactly. */
function pieces(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? [];
}

function errorBody(dialect: Dialect, status: number, kind: string, message: string, code: string | null = null): unknown {
  if (dialect === "anthropic") {
    const type: Record<string, string> = {
      "400": "invalid_request_error",
      "401": "authentication_error",
      "404": "not_found_error",
      "413": "request_too_large",
      "429": "rate_limit_error",
      "500": "api_error",
    };
    return { type: "error", error: { type: type[String(status)] ?? "api_error", message } };
  }
  if (dialect === "ollama") return { error: message };
  return { error: { message, type: kind, param: null, code } };
}

export async function startMockFleet(opts: MockFleetOptions = {}): Promise<MockFleet> {
  const host = opts.host ?? "127.0.0.1";
  const seed = opts.seed ?? 42;
  const models = new Map<string, FleetModelConfig>();
  for (const m of opts.models ?? defaultFleet()) models.set(m.name, { ...m, errorRates: { ...m.errorRates } });

  let rngs = new Map<string, () => number>();
  const rngFor = (name: string) => {
    let r = rngs.get(name);
    if (!r) rngs.set(name, (r = mulberry32(hash32(`${seed}\u0000${name}`))));
    return r;
  };

  let usage = new Map<string, ModelUsage>();
  let totals = emptyUsage();
  let ids = 0;
  // The thinking this fleet issued, by signature (redacted thinking by its data, to ""): a block
  // sent back must be one of them, unchanged. Kept across resets, as a vendor's signatures stay valid.
  const issued = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  const held = new Set<ServerResponse>();

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  /** Per request: counts it once under its model and the totals, and settles one outcome. */
  function tracker(res: ServerResponse) {
    let model: string | null = null;
    let settled = false;
    let billed: { prompt: number; completion: number } | null = null;
    const rows = () => (model === null ? [totals] : [totals, usage.get(model)!]);
    const self = {
      /** Raises what the vendor bills this request to these totals: once its answer began, and as it goes on. */
      bill(prompt: number, completion: number) {
        const before = billed ?? { prompt: 0, completion: 0 };
        for (const u of rows()) {
          if (!billed) u.bill.requests++;
          u.bill.prompt_tokens += prompt - before.prompt;
          u.bill.completion_tokens += completion - before.completion;
        }
        billed = { prompt, completion };
      },
      setModel(name: string) {
        model = name;
        if (!usage.has(name)) usage.set(name, emptyUsage());
        usage.get(name)!.requests++;
      },
      begin() {
        totals.requests++;
        res.on("close", () => {
          if (!settled && !res.writableFinished) self.settle("client_closed");
        });
      },
      settle(outcome: Outcome, tokens?: { prompt: number; completion: number }) {
        if (settled) return;
        settled = true;
        for (const u of rows()) {
          if (outcome === "ok") u.ok++;
          else u.errors[outcome]++;
          if (outcome === "ok" && tokens) {
            u.prompt_tokens += tokens.prompt;
            u.completion_tokens += tokens.completion;
          }
        }
      },
    };
    return self;
  }

  function fail(res: ServerResponse, t: ReturnType<typeof tracker>, dialect: Dialect, outcome: ErrorKind, status: number, message: string, code: string | null = null, headers: Record<string, string> = {}) {
    t.settle(outcome);
    const kind = status >= 500 ? "server_error" : status === 429 ? "requests" : "invalid_request_error";
    sendJson(res, status, errorBody(dialect, status, kind, message, code), headers);
  }

  function drawFault(cfg: FleetModelConfig): Fault | null {
    const r = rngFor(cfg.name)();
    const e = cfg.errorRates;
    let edge = e.rateLimit;
    if (r < edge) return "rate_limit";
    if (r < (edge += e.server)) return "server";
    if (r < (edge += e.timeout)) return "timeout";
    if (r < (edge += e.drop)) return "drop";
    return null;
  }

  async function generate(req: IncomingMessage, res: ServerResponse, dialect: Dialect) {
    const t = tracker(res);
    t.begin();
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(await readBody(req));
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as Record<string, unknown>;
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 400;
      return fail(res, t, dialect, "bad_request", status, `Could not parse the JSON body of your request: ${(err as Error).message}`);
    }
    const modelName = typeof body.model === "string" ? body.model : null;
    if (modelName !== null) t.setModel(modelName);

    if (dialect !== "ollama") {
      const key = apiKey(req);
      if (!key) {
        const msg = dialect === "anthropic" ? "x-api-key header is required" : "You didn't provide an API key. Provide it in an Authorization header using Bearer auth.";
        return fail(res, t, dialect, "auth", 401, msg);
      }
      if (key === "bad-key") {
        const msg = dialect === "anthropic" ? "invalid x-api-key" : "Incorrect API key provided: bad-key.";
        return fail(res, t, dialect, "auth", 401, msg, "invalid_api_key");
      }
    }
    if (modelName === null) return fail(res, t, dialect, "bad_request", 400, "model: field required");
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return fail(res, t, dialect, "bad_request", 400, "messages: a non-empty array is required");
    }
    const cfg = models.get(modelName);
    if (!cfg) {
      const msg =
        dialect === "anthropic"
          ? `model: ${modelName}`
          : dialect === "ollama"
            ? `model "${modelName}" not found, try pulling it first`
            : `The model \`${modelName}\` does not exist or you do not have access to it.`;
      return fail(res, t, dialect, "not_found", 404, msg, "model_not_found");
    }

    const mistral = dialect === "openai" && cfg.vendor === "mistral";
    const extra = mistral ? mistralExtraField(body) : null;
    if (extra) return fail(res, t, dialect, "bad_request", 422, extra);
    const badId = mistral ? mistralToolCallIdError(body) : null;
    if (badId) return fail(res, t, dialect, "bad_request", 400, badId);
    const shapeError = dialect === "anthropic" ? anthropicRequestError(body) : dialect === "openai" ? openaiRequestError(body) : null;
    if (shapeError) return fail(res, t, dialect, "bad_request", 400, shapeError);
    const cannot = capabilityError(cfg.vendor, cfg, body) ?? (dialect === "openai" ? reasoningEffortError(cfg.vendor, cfg, body) : dialect === "anthropic" ? thinkingError(cfg, body, issued) : null);
    if (cannot) return fail(res, t, dialect, "bad_request", 400, cannot);

    const messages: Message[] = (body.messages as { role?: unknown; content?: unknown; name?: unknown }[]).map((m) => ({
      role: typeof m?.role === "string" ? m.role : "user",
      content: textOf(m?.content),
      ...(dialect === "openai" && typeof m?.name === "string" && m.name ? { name: m.name } : {}),
      images: imagesIn(m),
    }));
    if (dialect === "anthropic" && body.system !== undefined) messages.unshift({ role: "system", content: textOf(body.system), images: [] });
    const promptTokens = cfg.bytePromptTokens ? bytePromptTokens(messages, body.tools, modelName) : estimateMessagesTokens(messages, modelName);
    const options = (body.options ?? {}) as Record<string, unknown>;
    const maxRaw = dialect === "ollama" ? options.num_predict : (body.max_completion_tokens ?? body.max_tokens);
    const maxTokens = typeof maxRaw === "number" && maxRaw > 0 ? Math.floor(maxRaw) : null;
    const stream = dialect === "ollama" ? body.stream !== false : body.stream === true;

    const forced = FORCED[String(req.headers["x-mock-fail"] ?? "").toLowerCase()] ?? null;
    if (!forced) {
      const tooLong = dialect === "ollama" ? null : outputLimitError(dialect, cfg, body);
      if (tooLong) return fail(res, t, dialect, "bad_request", 400, tooLong);
      const window = cfg.contextWindow;
      if (dialect === "anthropic" && promptTokens > window) {
        return fail(res, t, dialect, "bad_request", 400, `prompt is too long: ${promptTokens} tokens > ${window} maximum`);
      }
      if (dialect === "anthropic" && maxTokens !== null && promptTokens + maxTokens > window) {
        return fail(res, t, dialect, "bad_request", 400, `input length and \`max_tokens\` exceed context limit: ${promptTokens} + ${maxTokens} > ${window}, decrease input length or \`max_tokens\` and try again`);
      }
      if (dialect !== "anthropic" && promptTokens + (maxTokens ?? 0) > window) {
        const detail =
          maxTokens === null
            ? `However, your messages resulted in ${promptTokens} tokens.`
            : `However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion).`;
        return fail(res, t, dialect, "bad_request", 400, `This model's maximum context length is ${window} tokens. ${detail} Please reduce the length of the messages or completion.`, "context_length_exceeded");
      }
    }

    const fault = forced ?? drawFault(cfg);
    if (fault === "rate_limit") {
      return fail(res, t, dialect, "rate_limit", 429, `Rate limit reached for ${cfg.name}. Please try again in 1s.`, "rate_limit_exceeded", { "retry-after": "1", "retry-after-ms": "1000" });
    }
    if (fault === "server") return fail(res, t, dialect, "server", 500, "The server had an error while processing your request.");
    if (fault === "timeout") {
      t.settle("timeout");
      held.add(res);
      res.on("close", () => held.delete(res));
      return;
    }

    // The last thing the model reads: the user's message, or the result of the tool it called. A
    // model without tool calling does not see tool results (Ollama's templates for such models drop them).
    const prompt = [...messages].reverse().find((m) => m.role === "user" || (m.role === "tool" && cfg.toolCalling))?.content ?? "";
    const id = ++ids;
    const force = dialect === "ollama" ? null : (forcedTool(dialect, body) ?? chosenTool(dialect, body, prompt));
    let text = "";
    let finish: Reply["finish"] = "stop";
    let stopSequence: string | null = null;
    let toolCalls: Reply["toolCalls"] = [];
    // A reasoning model thinks before it answers, as long as reasoning_effort says (Claude: its whole
    // thinking.budget_tokens); the thinking is billed as output, and max_tokens counts it. OpenAI's
    // reasoning stops at max_completion_tokens / max_tokens, leaving an empty answer cut for length.
    const thinking = dialect === "anthropic" && (body.thinking as { type?: unknown } | undefined)?.type === "enabled";
    const effortTokens = dialect === "openai" && typeof body.reasoning_effort === "string" ? (REASONING_TOKENS[body.reasoning_effort] ?? 0) : 0;
    const reasoningTokens = thinking ? (body.thinking as { budget_tokens: number }).budget_tokens : Math.min(effortTokens, maxTokens ?? Infinity);
    const format = dialect === "openai" ? (body.response_format as { type?: string; json_schema?: { schema?: unknown } } | null | undefined) : undefined;
    if (force) {
      const call = forcedToolCall(force.tools, force.name, prompt, answerFor(cfg.name, cfg.tier, prompt));
      // Mistral's ids are 9 letters or digits, and it accepts no other.
      toolCalls = [{ ...call, id: mistral ? `m${String(id).padStart(8, "0")}` : `${dialect === "anthropic" ? "toolu" : "call"}_mock_${id}_0` }];
      finish = "tool_calls";
    } else {
      text = format?.type === "json_object" || format?.type === "json_schema" ? jsonAnswer(cfg.name, cfg.tier, prompt, format.type === "json_schema" ? (format.json_schema?.schema ?? {}) : null) : answerFor(cfg.name, cfg.tier, prompt);
      // The answer ends before the first stop sequence, which is not part of it.
      const stops = dialect === "anthropic" ? body.stop_sequences : dialect === "openai" ? body.stop : (body.options as { stop?: unknown } | undefined)?.stop;
      const first = (typeof stops === "string" ? [stops] : Array.isArray(stops) ? (stops as string[]) : [])
        .filter((q) => q && text.includes(q))
        .sort((a, b) => text.indexOf(a) - text.indexOf(b))[0];
      if (first !== undefined) {
        text = text.slice(0, text.indexOf(first));
        stopSequence = first;
      }
      // What the reasoning leaves of the allowance is the answer's.
      const room = maxTokens === null ? Infinity : maxTokens - reasoningTokens;
      if (estimateTokens(text) > room) {
        text = text.slice(0, room * CHARS_PER_TOKEN);
        finish = "length";
      }
    }
    const completionTokens = reasoningTokens + estimateTokens(text) + toolCalls.reduce((n, c) => n + estimateTokens(c.name + JSON.stringify(c.input)), 0);
    const shown: Reply["thinking"] = [];
    if (thinking) {
      shown.push({ type: "thinking", thinking: thinkingFor(prompt), signature: Buffer.from(`mock-signature:${cfg.name}:${id}`).toString("base64") });
      // Anthropic's test string: the thinking comes with a redacted (encrypted) block too.
      if (prompt.includes(REDACTED_THINKING_TRIGGER)) shown.push({ type: "redacted_thinking", data: Buffer.from(`mock-redacted:${cfg.name}:${id}`).toString("base64") });
      for (const b of shown) issued.set(b.type === "thinking" ? b.signature : b.data, b.type === "thinking" ? b.thinking : "");
    }
    const ctx: Reply = { res, t, cfg, text, toolCalls, finish, stopSequence, promptTokens, completionTokens, reasoningTokens, thinking: shown, id, fault, body };

    if (fault === "garbage") {
      t.settle("garbage");
      const ct = stream ? (dialect === "ollama" ? "application/x-ndjson" : "text/event-stream") : "application/json";
      const html = "<html><body>502 Bad Gateway</body></html>";
      const junk = !stream || dialect === "ollama" ? html : `${dialect === "anthropic" ? "event: message_start\n" : ""}data: ${html}\n\n`;
      res.writeHead(200, { "content-type": ct });
      res.end(junk);
      return;
    }
    if (!stream) {
      later(cfg.latencyMs, () => {
        if (res.destroyed) return;
        if (fault === "drop") {
          t.settle("drop");
          res.socket?.destroy();
          return;
        }
        const { json, usageReported } = completeBody(dialect, ctx);
        t.bill(promptTokens, completionTokens);
        res.on("finish", () => t.settle("ok", usageReported ? { prompt: promptTokens, completion: completionTokens } : undefined));
        sendJson(res, 200, json, requestIdHeader(dialect, id));
      });
      return;
    }
    streamReply(dialect, ctx);
  }

  type Reply = {
    res: ServerResponse;
    t: ReturnType<typeof tracker>;
    cfg: FleetModelConfig;
    text: string;
    /** Set when the request forced a tool; the reply then has no text. */
    toolCalls: (MockToolCall & { id: string })[];
    finish: "stop" | "length" | "tool_calls";
    /** The stop sequence the answer ended at, if it did. */
    stopSequence: string | null;
    promptTokens: number;
    completionTokens: number;
    /** Of completionTokens, those spent reasoning (reasoning_effort, or Claude's extended thinking). */
    reasoningTokens: number;
    /** Claude's thinking blocks, which come before the answer's blocks, when the request enabled thinking (else none). */
    thinking: ({ type: "thinking"; thinking: string; signature: string } | { type: "redacted_thinking"; data: string })[];
    id: number;
    fault: Fault | null;
    body: Record<string, unknown>;
  };

  const created = () => Math.floor(Date.now() / 1000);
  const openaiUsage = (c: Reply) => ({
    prompt_tokens: c.promptTokens,
    completion_tokens: c.completionTokens,
    total_tokens: c.promptTokens + c.completionTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: c.reasoningTokens },
  });
  const anthropicStop = (c: Reply) => (c.finish === "length" ? "max_tokens" : c.finish === "tool_calls" ? "tool_use" : c.stopSequence !== null ? "stop_sequence" : "end_turn");

  const openaiToolCall = (k: Reply["toolCalls"][number]) => ({ id: k.id, type: "function", function: { name: k.name, arguments: JSON.stringify(k.input) } });

  function requestIdHeader(dialect: Dialect, id: number): Record<string, string> {
    return dialect === "anthropic" ? { "request-id": `req_mock_${id}` } : { "x-request-id": `req_mock_${id}` };
  }

  function completeBody(dialect: Dialect, c: Reply): { json: unknown; usageReported: boolean } {
    if (dialect === "anthropic") {
      return {
        usageReported: true,
        json: {
          id: `msg_mock_${c.id}`,
          type: "message",
          role: "assistant",
          model: c.cfg.name,
          content: [
            ...c.thinking,
            ...(c.toolCalls.length ? c.toolCalls.map((k) => ({ type: "tool_use", id: k.id, name: k.name, input: k.input })) : [{ type: "text", text: c.text }]),
          ],
          stop_reason: anthropicStop(c),
          stop_sequence: c.finish === "stop" ? c.stopSequence : null,
          usage: { input_tokens: c.promptTokens, output_tokens: c.completionTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        },
      };
    }
    if (dialect === "ollama") {
      return {
        usageReported: true,
        json: {
          model: c.cfg.name,
          created_at: new Date().toISOString(),
          message: { role: "assistant", content: c.text },
          done: true,
          done_reason: c.finish,
          total_duration: c.cfg.latencyMs * 1e6,
          load_duration: 0,
          prompt_eval_count: c.promptTokens,
          prompt_eval_duration: 0,
          eval_count: c.completionTokens,
          eval_duration: 0,
        },
      };
    }
    return {
      usageReported: true,
      json: {
        id: `chatcmpl-mock-${c.id}`,
        object: "chat.completion",
        created: created(),
        model: c.cfg.name,
        choices: [{ index: 0, message: { role: "assistant", content: c.toolCalls.length ? null : c.text, refusal: null, ...(c.toolCalls.length ? { tool_calls: c.toolCalls.map(openaiToolCall) } : {}) }, logprobs: null, finish_reason: c.finish }],
        usage: openaiUsage(c),
        system_fingerprint: "fp_mock",
      },
    };
  }

  /** Writes the reply in the dialect's streaming format at the model's pace. */
  function streamReply(dialect: Dialect, c: Reply) {
    const { res, cfg } = c;
    const parts = pieces(c.text);
    const dropAt = c.fault === "drop" ? Math.floor(parts.length / 2) : -1;
    const includeUsage = (c.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    // Anthropic's index of the answer's first block: after the thinking blocks, when there are some.
    const first = c.thinking.length;
    const frame = (obj: unknown, event?: string) =>
      dialect === "ollama" ? `${JSON.stringify(obj)}\n` : `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(obj)}\n\n`;
    const base = { id: `chatcmpl-mock-${c.id}`, object: "chat.completion.chunk", created: created(), model: cfg.name, system_fingerprint: "fp_mock" };
    const openaiChunk = (delta: unknown, finish: string | null) => ({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });

    const head = (): string => {
      if (dialect === "anthropic") {
        const message = {
          id: `msg_mock_${c.id}`,
          type: "message",
          role: "assistant",
          model: cfg.name,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: c.promptTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        };
        // Thinking streams first, each block its own (index 0, …): thinking in thinking_delta pieces,
        // then its signature; a redacted block whole in its start event.
        const thought = c.thinking
          .map(
            (b, i) =>
              (b.type === "redacted_thinking"
                ? frame({ type: "content_block_start", index: i, content_block: b }, "content_block_start")
                : frame({ type: "content_block_start", index: i, content_block: { type: "thinking", thinking: "", signature: "" } }, "content_block_start") +
                  pieces(b.thinking)
                    .map((p) => frame({ type: "content_block_delta", index: i, delta: { type: "thinking_delta", thinking: p } }, "content_block_delta"))
                    .join("") +
                  frame({ type: "content_block_delta", index: i, delta: { type: "signature_delta", signature: b.signature } }, "content_block_delta")) +
              frame({ type: "content_block_stop", index: i }, "content_block_stop"),
          )
          .join("");
        return (
          frame({ type: "message_start", message }, "message_start") +
          thought +
          (c.toolCalls.length ? "" : frame({ type: "content_block_start", index: first, content_block: { type: "text", text: "" } }, "content_block_start")) +
          frame({ type: "ping" }, "ping")
        );
      }
      if (dialect === "ollama") return "";
      return frame(openaiChunk({ role: "assistant", content: "", refusal: null }, null));
    };
    const piece = (p: string): string => {
      if (dialect === "anthropic") return frame({ type: "content_block_delta", index: first, delta: { type: "text_delta", text: p } }, "content_block_delta");
      if (dialect === "ollama") return frame({ model: cfg.name, created_at: new Date().toISOString(), message: { role: "assistant", content: p }, done: false });
      return frame(openaiChunk({ content: p }, null));
    };
    const tail = (): { text: string; usageReported: boolean } => {
      if (dialect === "anthropic") {
        // A tool's input streams as JSON text in input_json_delta pieces, after a tool_use block start with input {}.
        const blocks = c.toolCalls.length
          ? c.toolCalls
              .map(
                (k, i) =>
                  frame({ type: "content_block_start", index: first + i, content_block: { type: "tool_use", id: k.id, name: k.name, input: {} } }, "content_block_start") +
                  halves(JSON.stringify(k.input))
                    .map((p) => frame({ type: "content_block_delta", index: first + i, delta: { type: "input_json_delta", partial_json: p } }, "content_block_delta"))
                    .join("") +
                  frame({ type: "content_block_stop", index: first + i }, "content_block_stop"),
              )
              .join("")
          : frame({ type: "content_block_stop", index: first }, "content_block_stop");
        return {
          usageReported: true,
          text:
            blocks +
            frame({ type: "message_delta", delta: { stop_reason: anthropicStop(c), stop_sequence: c.finish === "stop" ? c.stopSequence : null }, usage: { output_tokens: c.completionTokens } }, "message_delta") +
            frame({ type: "message_stop" }, "message_stop"),
        };
      }
      if (dialect === "ollama") {
        const { json } = completeBody("ollama", c);
        return { usageReported: true, text: frame({ ...(json as object), message: { role: "assistant", content: "" } }) };
      }
      // OpenAI streams a call's id and name first, then its arguments in pieces, keyed by index.
      const calls = c.toolCalls
        .map(
          (k, i) =>
            frame(openaiChunk({ tool_calls: [{ index: i, id: k.id, type: "function", function: { name: k.name, arguments: "" } }] }, null)) +
            halves(JSON.stringify(k.input))
              .map((p) => frame(openaiChunk({ tool_calls: [{ index: i, function: { arguments: p } }] }, null)))
              .join(""),
        )
        .join("");
      // Mistral reports usage on its last chunk without being asked (and has no stream_options).
      if (cfg.vendor === "mistral") {
        const last = { ...openaiChunk({}, c.finish), usage: openaiUsage(c) };
        return { usageReported: true, text: `${calls}${frame(last)}data: [DONE]\n\n` };
      }
      let out = calls + frame(openaiChunk({}, c.finish));
      if (includeUsage) out += frame({ ...base, choices: [], usage: openaiUsage(c) });
      return { usageReported: includeUsage, text: `${out}data: [DONE]\n\n` };
    };

    later(cfg.latencyMs, () => {
      if (res.destroyed) return;
      res.writeHead(200, {
        "content-type": dialect === "ollama" ? "application/x-ndjson" : "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
        ...requestIdHeader(dialect, c.id),
      });
      res.write(head());
      // The answer has begun: the prompt and the reasoning before it are billed, then each piece sent.
      c.t.bill(c.promptTokens, c.reasoningTokens);
      const start = Date.now();
      let sent = 0;
      let sentTokens = 0;
      let sentText = "";
      const tps = cfg.tokensPerSecond;
      const tick = () => {
        if (res.destroyed) return;
        // The first piece goes out at once (time to first token = latencyMs), the rest at `tps`.
        const due = tps > 0 ? ((Date.now() - start) * tps) / 1000 : Infinity;
        let out = "";
        while (sent < parts.length && (sent === 0 || sentTokens < due)) {
          if (sent === dropAt) break;
          out += piece(parts[sent]);
          sentTokens += estimateTokens(parts[sent]);
          sentText += parts[sent];
          sent++;
        }
        c.t.bill(c.promptTokens, c.reasoningTokens + estimateTokens(sentText));
        if (sent === dropAt) {
          c.t.settle("drop");
          // Let what was written reach the client first, so the stream visibly stops mid-way.
          res.write(out, () => later(15, () => res.socket?.destroy()));
          return;
        }
        if (sent >= parts.length && sent !== dropAt) {
          const { text, usageReported } = tail();
          c.t.bill(c.promptTokens, c.completionTokens);
          res.on("finish", () => c.t.settle("ok", usageReported ? { prompt: c.promptTokens, completion: c.completionTokens } : undefined));
          res.end(out + text);
          return;
        }
        if (out) res.write(out);
        const wait = tps > 0 ? Math.ceil(((sentTokens - due) * 1000) / tps) : 0;
        later(Math.max(5, wait), tick);
      };
      tick();
    });
  }

  function apiKey(req: IncomingMessage): string | null {
    const x = req.headers["x-api-key"];
    if (typeof x === "string" && x.length > 0) return x;
    const auth = req.headers.authorization;
    const m = typeof auth === "string" ? /^Bearer\s+(.+)$/i.exec(auth) : null;
    return m ? m[1].trim() : null;
  }

  function listModels(req: IncomingMessage, res: ServerResponse) {
    const anthropic = req.headers["anthropic-version"] !== undefined;
    const dialect: Dialect = anthropic ? "anthropic" : "openai";
    const key = apiKey(req);
    if (!key || key === "bad-key") {
      return sendJson(res, 401, errorBody(dialect, 401, "invalid_request_error", key ? "Incorrect API key provided: bad-key." : "You didn't provide an API key.", key ? "invalid_api_key" : null));
    }
    const all = [...models.values()];
    if (anthropic) {
      const data = all
        .filter((m) => m.vendor === "anthropic")
        .map((m) => ({ type: "model", id: m.name, display_name: m.name, created_at: "2025-01-01T00:00:00Z" }));
      return sendJson(res, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
    }
    sendJson(res, 200, { object: "list", data: all.map((m) => ({ id: m.name, object: "model", created: 1_700_000_000, owned_by: m.vendor })) });
  }

  function ollamaTags(res: ServerResponse) {
    const data = [...models.values()]
      .filter((m) => m.vendor === "ollama")
      .map((m) => ({
        name: m.name,
        model: m.name,
        modified_at: "2025-01-01T00:00:00Z",
        size: 4_700_000_000,
        digest: hash32(m.name).toString(16).padStart(8, "0").repeat(8),
        details: { format: "gguf", family: m.name.split(/[.:\d]/)[0], parameter_size: /(\d+b)/i.exec(m.name)?.[1]?.toUpperCase() ?? "7B", quantization_level: "Q4_K_M" },
      }));
    sendJson(res, 200, { models: data });
  }

  function usageSnapshot(): FleetUsage {
    const clone = (u: ModelUsage): ModelUsage => ({ ...u, errors: { ...u.errors }, bill: { ...u.bill } });
    return { models: Object.fromEntries([...usage].map(([k, v]) => [k, clone(v)])), totals: clone(totals) };
  }

  function applyPatch(cfg: FleetModelConfig, patch: Record<string, unknown>): FleetModelConfig {
    const next: FleetModelConfig = { ...cfg, errorRates: { ...cfg.errorRates } };
    for (const k of ["latencyMs", "tokensPerSecond", "contextWindow"] as const) {
      if (patch[k] === undefined) continue;
      const v = patch[k];
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new HttpError(400, `${k} must be a number >= 0`);
      next[k] = v;
    }
    if (patch.tier !== undefined) {
      if (!["low", "medium", "high", "local"].includes(patch.tier as string)) throw new HttpError(400, "tier must be low|medium|high|local");
      next.tier = patch.tier as FleetModelConfig["tier"];
    }
    if (patch.vendor !== undefined) next.vendor = patch.vendor as FleetModelConfig["vendor"];
    if (patch.maxOutputTokens !== undefined) {
      const v = patch.maxOutputTokens;
      // null: no output limit but the window.
      if (v !== null && (typeof v !== "number" || !Number.isInteger(v) || v < 1)) throw new HttpError(400, "maxOutputTokens must be a whole number >= 1, or null for none");
      if (v === null) delete next.maxOutputTokens;
      else next.maxOutputTokens = v;
    }
    for (const k of ["toolCalling", "imageInput", "reasoningEffort", "bytePromptTokens"] as const) {
      if (patch[k] === undefined) continue;
      if (typeof patch[k] !== "boolean") throw new HttpError(400, `${k} must be true or false`);
      next[k] = patch[k];
    }
    const rates = (patch.errorRates ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(NO_ERRORS) as (keyof ErrorRates)[]) {
      if (rates[k] === undefined) continue;
      const v = rates[k];
      if (typeof v !== "number" || v < 0 || v > 1) throw new HttpError(400, `errorRates.${k} must be between 0 and 1`);
      next.errorRates[k] = v;
    }
    const sum = Object.values(next.errorRates).reduce((a, b) => a + b, 0);
    if (sum > 1) throw new HttpError(400, `error rates of ${next.name} add up to ${sum}, more than 1`);
    return next;
  }

  async function configure(req: IncomingMessage, res: ServerResponse) {
    try {
      const body = JSON.parse((await readBody(req)) || "{}") as { models?: Record<string, Record<string, unknown>>; defaults?: Record<string, unknown> };
      const next = new Map(models);
      if (body.defaults) for (const [name, cfg] of next) next.set(name, applyPatch(cfg, body.defaults));
      for (const [name, patch] of Object.entries(body.models ?? {})) {
        const base: FleetModelConfig = next.get(name) ?? { name, vendor: "openai", tier: "medium", contextWindow: 128_000, latencyMs: 20, tokensPerSecond: 0, errorRates: { ...NO_ERRORS }, toolCalling: true, imageInput: true, reasoningEffort: false };
        next.set(name, applyPatch(base, patch));
      }
      models.clear();
      for (const [k, v] of next) models.set(k, v);
      sendJson(res, 200, { models: [...models.values()] });
    } catch (err) {
      sendJson(res, err instanceof HttpError ? err.status : 400, { error: { message: (err as Error).message, type: "invalid_request_error" } });
    }
  }

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://fleet").pathname.replace(/\/+$/, "") || "/";
    const route = `${req.method} ${path}`;
    const run = (p: Promise<void> | void) =>
      Promise.resolve(p).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: String(err), type: "server_error" } });
        else res.destroy();
      });
    switch (route) {
      case "POST /v1/chat/completions":
        return run(generate(req, res, "openai"));
      case "POST /v1/messages":
        return run(generate(req, res, "anthropic"));
      case "POST /api/chat":
        return run(generate(req, res, "ollama"));
      case "GET /v1/models":
        return listModels(req, res);
      case "GET /api/tags":
        return ollamaTags(res);
      case "GET /api/version":
        return sendJson(res, 200, { version: "0.0.0-mock-fleet" });
      case "GET /__fleet/usage":
        return sendJson(res, 200, usageSnapshot());
      case "GET /__fleet/config":
        return sendJson(res, 200, { models: [...models.values()] });
      case "POST /__fleet/config":
        return run(configure(req, res));
      case "POST /__fleet/reset":
        usage = new Map();
        totals = emptyUsage();
        rngs = new Map();
        return sendJson(res, 200, { ok: true });
      case "GET /health":
        return sendJson(res, 200, { ok: true });
      default:
        return sendJson(res, 404, { error: { message: `No route for ${route}`, type: "invalid_request_error", param: null, code: "not_found" } });
    }
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  const url = `http://${urlHost}:${port}`;
  return {
    url,
    port,
    ...fleetControl(url),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const r of held) r.socket?.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

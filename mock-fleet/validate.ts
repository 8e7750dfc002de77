import type { OfferedTool } from "./answers";
import { imagesIn } from "./images";

/**
 * Request-shape checks the real APIs make, so a client that sends the wrong shape fails here too
 * instead of being answered. Each returns the vendor's 400 message, or null when the body is fine.
 * They cover messages, tools and tool_choice, and the generation fields each vendor names
 * differently (stop, seed, response_format, temperature's range); fields a vendor does not know are
 * refused where the vendor refuses them (Anthropic, Mistral).
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

const ANTHROPIC_BLOCKS = new Set(["text", "image", "document", "search_result", "tool_use", "tool_result", "thinking", "redacted_thinking"]);
const ANTHROPIC_CHOICES = ["auto", "any", "tool", "none"];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/** The top-level fields of Anthropic's Messages API; any other is refused, as the API does. */
const ANTHROPIC_FIELDS = new Set(["model", "messages", "max_tokens", "system", "stop_sequences", "stream", "temperature", "top_p", "top_k", "tools", "tool_choice", "metadata", "thinking", "service_tier", "container", "mcp_servers", "context_management", "output_config", "inference_geo", "speed", "cache_control", "diagnostics"]);
/** Mistral's chat completion fields; Mistral answers any other with 422 (its seed is `random_seed`). */
const MISTRAL_FIELDS = new Set(["model", "messages", "temperature", "top_p", "max_tokens", "stream", "stop", "random_seed", "response_format", "tools", "tool_choice", "presence_penalty", "frequency_penalty", "n", "prediction", "parallel_tool_calls", "prompt_mode", "safe_prompt"]);

/** Mistral's 422 for a field it does not know, or null. */
export function mistralExtraField(body: Obj): string | null {
  const extra = Object.keys(body).find((k) => !MISTRAL_FIELDS.has(k));
  return extra === undefined ? null : `body.${extra}: Extra inputs are not permitted`;
}

/** Mistral's 400 for a tool call id that is not 9 letters or digits (OpenAI's `call_…`, Anthropic's `toolu_…`), or null. */
export function mistralToolCallIdError(body: Obj): string | null {
  for (const m of body.messages as unknown[]) {
    if (!isObj(m)) continue;
    const ids = m.role === "tool" ? [m.tool_call_id] : m.role === "assistant" && Array.isArray(m.tool_calls) ? m.tool_calls.map((c) => (isObj(c) ? c.id : undefined)) : [];
    const bad = ids.find((id) => typeof id !== "string" || !/^[a-zA-Z0-9]{9}$/.test(id));
    if (bad !== undefined) return `Tool call id was ${String(bad)} but must be a-z, A-Z, 0-9, with a length of 9.`;
  }
  return null;
}

/** Anthropic Messages API: known fields, sampling ranges, stop_sequences, roles, content blocks, tool_use / tool_result pairing, tools and tool_choice. */
export function anthropicRequestError(body: Obj): string | null {
  const extra = Object.keys(body).find((k) => !ANTHROPIC_FIELDS.has(k));
  if (extra !== undefined) return `${extra}: Extra inputs are not permitted`;
  if (body.temperature !== undefined && (typeof body.temperature !== "number" || body.temperature < 0 || body.temperature > 1)) return "temperature: Input should be less than or equal to 1";
  if (body.stop_sequences !== undefined) {
    if (!Array.isArray(body.stop_sequences) || body.stop_sequences.some((x) => typeof x !== "string")) return "stop_sequences: Input should be a valid list of strings";
    if (body.stop_sequences.some((x: string) => !x.trim())) return "stop_sequences: each stop sequence must contain non-whitespace";
  }
  const msgs = body.messages as unknown[];
  // The API joins consecutive turns of one role before checking the pairing of tool blocks.
  const turns: { role: string; blocks: Obj[]; at: number }[] = [];
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    if (!isObj(m)) return `messages.${i}: Input should be a valid dictionary`;
    if (m.role === "system") return `messages.${i}: Unexpected role "system". The Messages API accepts a top-level \`system\` parameter, not "system" as an input message role.`;
    if (m.role !== "user" && m.role !== "assistant") return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const finalAssistant = i === msgs.length - 1 && m.role === "assistant";
    let blocks: Obj[];
    if (typeof m.content === "string" && m.content !== "" && !m.content.trim() && !finalAssistant) return `messages.${i}: text content blocks must contain non-whitespace text`;
    if (typeof m.content === "string") blocks = m.content === "" ? [] : [{ type: "text", text: m.content }];
    else if (Array.isArray(m.content)) blocks = m.content as Obj[];
    else return `messages.${i}.content: Input should be a valid string or list`;
    if (blocks.length === 0 && !finalAssistant) return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    for (let j = 0; j < blocks.length; j++) {
      const b = blocks[j];
      const at = `messages.${i}.content.${j}`;
      if (!isObj(b) || typeof b.type !== "string") return `${at}: Input should be a valid dictionary with a \`type\``;
      if (!ANTHROPIC_BLOCKS.has(b.type)) return `${at}.type: Input tag '${b.type}' found using 'type' does not match any of the expected tags: ${[...ANTHROPIC_BLOCKS].map((t) => `'${t}'`).join(", ")}`;
      if (b.type === "text" && (typeof b.text !== "string" || b.text === "")) return `${at}.text: text content blocks must be non-empty`;
      if (b.type === "tool_use") {
        if (m.role !== "assistant") return `${at}: \`tool_use\` blocks can only be in \`assistant\` messages`;
        if (typeof b.id !== "string" || typeof b.name !== "string") return `${at}.tool_use: \`id\` and \`name\` are required`;
        if (!isObj(b.input)) return `${at}.tool_use.input: Input should be a valid dictionary`;
      }
      if (b.type === "tool_result") {
        if (m.role !== "user") return `${at}: \`tool_result\` blocks can only be in \`user\` messages`;
        if (typeof b.tool_use_id !== "string") return `${at}.tool_result.tool_use_id: Field required`;
      }
    }
    const last = turns.at(-1);
    if (last && last.role === m.role) last.blocks.push(...blocks);
    else turns.push({ role: m.role, blocks: [...blocks], at: i });
  }
  for (let k = 0; k < turns.length; k++) {
    const turn = turns[k];
    const next = turns[k + 1];
    const prev = turns[k - 1];
    if (turn.role === "assistant" && next) {
      const answered = new Set(next.blocks.filter((b) => b.type === "tool_result").map((b) => b.tool_use_id));
      const open = turn.blocks.filter((b) => b.type === "tool_use" && !answered.has(b.id)).map((b) => b.id);
      if (open.length) return `messages.${next.at}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${open.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
    if (turn.role === "user") {
      const asked = new Set(prev?.blocks.filter((b) => b.type === "tool_use").map((b) => b.id));
      const stray = turn.blocks.filter((b) => b.type === "tool_result" && !asked.has(b.tool_use_id)).map((b) => b.tool_use_id);
      if (stray.length) return `messages.${turn.at}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.join(", ")}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
  }

  const names = new Set<string>();
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return "tools: Input should be a valid list";
    for (let i = 0; i < body.tools.length; i++) {
      const t: unknown = body.tools[i];
      if (!isObj(t)) return `tools.${i}: Input should be a valid dictionary`;
      // Server tools (bash_20250124, web_search_20250305, …) carry a dated type and no schema.
      if (t.type !== undefined && t.type !== null && t.type !== "custom") {
        if (typeof t.type === "string" && /_\d{8}$/.test(t.type)) continue;
        return `tools.${i}: Input tag '${String(t.type)}' found using 'type' does not match any of the expected tags: 'custom', or a server tool's dated type`;
      }
      if (typeof t.name !== "string") return `tools.${i}.custom.name: Field required`;
      if (!TOOL_NAME.test(t.name)) return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
      if (!isObj(t.input_schema)) return `tools.${i}.custom.input_schema: Field required`;
      if (t.input_schema.type !== "object") return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
      if (names.has(t.name)) return "tools: Tool names must be unique.";
      names.add(t.name);
    }
  }
  if (body.tool_choice !== undefined) {
    const c = body.tool_choice;
    if (!isObj(c)) return "tool_choice: Input should be a valid dictionary or object";
    if (!ANTHROPIC_CHOICES.includes(c.type as string)) return `tool_choice: Input tag '${String(c.type)}' found using 'type' does not match any of the expected tags: ${ANTHROPIC_CHOICES.map((t) => `'${t}'`).join(", ")}`;
    if ((c.type === "any" || c.type === "tool") && names.size === 0) return "tool_choice: tool_choice may only be specified while providing tools.";
    if (c.type === "tool" && (typeof c.name !== "string" || !names.has(c.name))) return `tool_choice.name: Tool '${String(c.name)}' not found in provided tools`;
  }
  return null;
}

/** OpenAI chat completions: stop, response_format, function tools, tool_choice, and `tool` messages answering a tool call. */
export function openaiRequestError(body: Obj): string | null {
  const msgs = body.messages as unknown[];
  const stop = body.stop;
  if (stop !== undefined && stop !== null && typeof stop !== "string") {
    if (!Array.isArray(stop) || stop.some((x) => typeof x !== "string")) return "Invalid type for 'stop': expected a string or an array of strings.";
    if (stop.length > 4) return `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${stop.length} instead.`;
  }
  const format = body.response_format;
  if (format !== undefined && format !== null) {
    if (!isObj(format) || !["text", "json_object", "json_schema"].includes(format.type as string)) return "Invalid value for 'response_format.type': expected one of 'text', 'json_object' or 'json_schema'.";
    if (format.type === "json_schema" && (!isObj(format.json_schema) || typeof format.json_schema.name !== "string")) return "Missing required parameter: 'response_format.json_schema.name'.";
    if (format.type === "json_object" && !msgs.some((m) => /json/i.test(JSON.stringify(isObj(m) ? (m.content ?? "") : "")))) {
      return "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.";
    }
  }
  // The ids of the last assistant turn's tool calls, and those not answered yet.
  let calls = new Set<unknown>();
  let open = new Set<unknown>();
  const unanswered = () =>
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(", ")}`;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    if (!isObj(m)) continue;
    if (m.role === "tool") {
      if (typeof m.tool_call_id !== "string") return `Missing required parameter: 'messages[${i}].tool_call_id'.`;
      if (!calls.has(m.tool_call_id)) return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`;
      open.delete(m.tool_call_id);
      continue;
    }
    if (open.size > 0) return unanswered();
    calls = new Set(m.role === "assistant" && Array.isArray(m.tool_calls) ? m.tool_calls.map((c) => (isObj(c) ? c.id : undefined)) : []);
    open = new Set(calls);
  }
  if (open.size > 0) return unanswered();

  const names = new Set<string>();
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) return "Invalid type for 'tools': expected an array of objects.";
    for (let i = 0; i < body.tools.length; i++) {
      const t: unknown = body.tools[i];
      if (!isObj(t) || t.type !== "function") return `Invalid value for 'tools[${i}].type': expected 'function'.`;
      if (!isObj(t.function)) return `Missing required parameter: 'tools[${i}].function'.`;
      if (typeof t.function.name !== "string") return `Missing required parameter: 'tools[${i}].function.name'.`;
      names.add(t.function.name);
    }
  }
  if (body.parallel_tool_calls !== undefined && body.parallel_tool_calls !== null && names.size === 0) return "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.";
  const c = body.tool_choice;
  if (c === undefined || c === null) return null;
  if (names.size === 0) return "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.";
  if (typeof c === "string") return ["none", "auto", "required", "any"].includes(c) ? null : `Invalid value for 'tool_choice': '${c}'.`;
  if (!isObj(c) || c.type !== "function" || !isObj(c.function) || typeof c.function.name !== "string") return "Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or { type: 'function', function: { name } }.";
  if (!names.has(c.function.name)) return `Invalid value for 'tool_choice': no function named '${c.function.name}' in 'tools'.`;
  return null;
}

/**
 * The vendor's 400 for a request the model cannot take: tools for a model without tool calling,
 * an image for a model without image input. Null when it can. Wordings after the vendors'.
 */
export function capabilityError(vendor: string, model: { name: string; toolCalling: boolean; imageInput: boolean }, body: Obj): string | null {
  if (!model.toolCalling && Array.isArray(body.tools) && body.tools.length > 0) {
    if (vendor === "ollama") return `registry.ollama.ai/library/${model.name} does not support tools`;
    if (vendor === "mistral") return `Function calling is not enabled for model ${model.name}`;
    return `tools is not supported with model ${model.name}.`;
  }
  if (!model.imageInput && Array.isArray(body.messages) && body.messages.some((m) => imagesIn(m).length > 0)) {
    if (vendor === "ollama") return `model ${model.name} does not support image input`;
    if (vendor === "anthropic") return `messages: model ${model.name} does not support image input`;
    return `Invalid content type. image_url is only supported by certain models; ${model.name} does not read images.`;
  }
  return null;
}

/** The tools a request offers, in either wire format: name and JSON schema. */
function offeredTools(dialect: "openai" | "anthropic", body: Obj): OfferedTool[] {
  if (!Array.isArray(body.tools)) return [];
  if (dialect === "anthropic") return (body.tools as Obj[]).filter((t) => typeof t.input_schema === "object").map((t) => ({ name: t.name as string, schema: t.input_schema }));
  return (body.tools as { function: Obj }[]).map((t) => ({ name: t.function.name as string, schema: t.function.parameters }));
}

/**
 * The tool a request forces, when it forces one: `name` is the named tool, or null for "any of
 * them" (OpenAI "required" — or Mistral's "any" —, Anthropic `{ type: "any" }`). Null when the model
 * may answer in text. Call after the checks above.
 */
export function forcedTool(dialect: "openai" | "anthropic", body: Obj): { tools: OfferedTool[]; name: string | null } | null {
  const tools = offeredTools(dialect, body);
  if (tools.length === 0) return null;
  const c = body.tool_choice;
  if (dialect === "anthropic") {
    if (!isObj(c)) return null;
    if (c.type === "any") return { tools, name: null };
    if (c.type === "tool") return { tools, name: c.name as string };
    return null;
  }
  if (c === "required" || c === "any") return { tools, name: null };
  if (isObj(c) && isObj(c.function)) return { tools, name: c.function.name as string };
  return null;
}

/** The words that make a model call a tool it may choose (`tool_choice` auto or absent): "use the <name> tool". */
const ASKED_TOOL = /\buse the ([a-zA-Z0-9_-]{1,128}) tool\b/i;

/**
 * The tool the model chooses to call when the request lets it choose (`tool_choice` "auto" or
 * absent, not "none"): the one the last message names as "use the <name> tool", when it is a
 * user's message (a tool result is answered in text, so a tool loop ends) and the tool is offered.
 * Null otherwise. This is how a request with thinking, which may not force a tool, gets a call.
 */
export function chosenTool(dialect: "openai" | "anthropic", body: Obj, lastText: string): { tools: OfferedTool[]; name: string } | null {
  const c = body.tool_choice;
  const auto = c === undefined || c === null || c === "auto" || (isObj(c) && c.type === "auto");
  const last = (body.messages as unknown[]).at(-1);
  if (!auto || !isObj(last) || last.role !== "user" || (Array.isArray(last.content) && last.content.some((b) => isObj(b) && b.type === "tool_result"))) return null;
  const name = ASKED_TOOL.exec(lastText)?.[1];
  const tools = offeredTools(dialect, body);
  return name !== undefined && tools.some((t) => t.name === name) ? { tools, name } : null;
}

/**
 * The vendor's 400 for an output allowance above the model's limit (`maxOutputTokens`), or null:
 * Anthropic's `max_tokens` (which counts the thinking budget too), OpenAI's `max_completion_tokens`
 * or `max_tokens`. Wordings after the vendors'.
 */
export function outputLimitError(dialect: "openai" | "anthropic", model: { name: string; maxOutputTokens?: number }, body: Obj): string | null {
  const limit = model.maxOutputTokens;
  const field = dialect === "openai" && body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
  const asked = body[field];
  if (limit === undefined || typeof asked !== "number" || asked <= limit) return null;
  if (dialect === "anthropic") return `max_tokens: ${asked} > ${limit}, which is the maximum allowed number of output tokens for ${model.name}`;
  return `${field} is too large: ${asked}. This model supports at most ${limit} completion tokens, whereas you provided ${asked}.`;
}

/** Reasoning tokens a reasoning model spends before answering, by reasoning_effort. */
export const REASONING_TOKENS: Record<string, number> = { none: 0, minimal: 16, low: 64, medium: 256, high: 1024, xhigh: 2048 };

/**
 * The vendor's 400 for `reasoning_effort`: only reasoning models take it (xAI's grok-3-mini only
 * "low" or "high"). Null when the model takes it. Wordings after the vendors'.
 */
export function reasoningEffortError(vendor: string, model: { name: string; reasoningEffort: boolean }, body: Obj): string | null {
  const effort = body.reasoning_effort;
  if (effort === undefined || effort === null) return null;
  if (!model.reasoningEffort) return vendor === "xai" ? `Model ${model.name} does not support parameter reasoningEffort.` : "Unsupported parameter: 'reasoning_effort' is not supported with this model.";
  const allowed = vendor === "xai" ? ["low", "high"] : Object.keys(REASONING_TOKENS);
  if (typeof effort !== "string" || !allowed.includes(effort)) return `Invalid value for 'reasoning_effort': expected one of ${allowed.map((e) => `'${e}'`).join(", ")}.`;
  return null;
}

const THINKING_DOCS = "Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking";

/**
 * Anthropic's 400 for `thinking` (extended thinking), or null when the request may think: only models
 * that support it take `{ type: "enabled" }`, with an integer `budget_tokens` ≥ 1,024 and below
 * `max_tokens`; thinking takes no temperature but 1, no top_p under 0.95, no forced tool; a request
 * that continues a tool-use turn must send that turn's thinking back first; and every thinking block
 * sent back must be one this fleet issued, unchanged (`issued`: signature → thinking, redacted data →
 * ""), as Anthropic checks each block's signature. Wordings after the API's.
 */
export function thinkingError(model: { name: string; reasoningEffort: boolean }, body: Obj, issued: ReadonlyMap<string, string>): string | null {
  const t = body.thinking;
  if (t === undefined || t === null) return null;
  if (!isObj(t) || (t.type !== "enabled" && t.type !== "disabled")) return `thinking: Input tag '${String(isObj(t) ? t.type : t)}' found using 'type' does not match any of the expected tags: 'enabled', 'disabled'`;
  if (t.type === "disabled") return null;
  if (!model.reasoningEffort) return `'${model.name}' does not support thinking.`;
  if (typeof t.budget_tokens !== "number" || !Number.isInteger(t.budget_tokens)) return "thinking.enabled.budget_tokens: Input should be a valid integer";
  if (t.budget_tokens < 1024) return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
  if (typeof body.max_tokens !== "number" || body.max_tokens <= t.budget_tokens) return `\`max_tokens\` must be greater than \`thinking.budget_tokens\`. ${THINKING_DOCS}#max-tokens-and-context-window-size`;
  if (body.temperature !== undefined && body.temperature !== 1) return `\`temperature\` may only be set to 1 when thinking is enabled. ${THINKING_DOCS}#feature-compatibility`;
  if (body.top_p !== undefined && (typeof body.top_p !== "number" || body.top_p < 0.95)) return `\`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled. ${THINKING_DOCS}#feature-compatibility`;
  if (isObj(body.tool_choice) && (body.tool_choice.type === "any" || body.tool_choice.type === "tool")) return "Thinking may not be enabled when tool_choice forces tool use.";
  const msgs = body.messages as unknown[];
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    if (!isObj(m) || m.role !== "assistant" || !Array.isArray(m.content)) continue;
    for (let j = 0; j < m.content.length; j++) {
      const b: unknown = m.content[j];
      if (!isObj(b)) continue;
      if (b.type === "thinking" && (typeof b.signature !== "string" || issued.get(b.signature) !== b.thinking)) return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
      if (b.type === "redacted_thinking" && (typeof b.data !== "string" || issued.get(b.data) !== "")) return `messages.${i}.content.${j}: Invalid \`data\` in \`redacted_thinking\` block`;
    }
  }
  // The final assistant turn runs from the last user message that is not only tool results: its
  // first assistant message starts the tool-use loop, and Claude thinks at its start (later messages
  // of the loop may have no thinking of their own).
  const userAt = msgs.findLastIndex((m) => isObj(m) && m.role === "user" && !(Array.isArray(m.content) && m.content.length > 0 && m.content.every((b) => isObj(b) && b.type === "tool_result")));
  const turn = msgs.slice(userAt + 1);
  const calls = turn.some((m) => isObj(m) && m.role === "assistant" && Array.isArray(m.content) && m.content.some((b) => isObj(b) && b.type === "tool_use"));
  const at = turn.findIndex((m) => isObj(m) && m.role === "assistant") + userAt + 1;
  const opening = msgs[at] as Obj | undefined;
  const blocks = Array.isArray(opening?.content) ? (opening.content as Obj[]) : [{ type: "text" }];
  if (calls && !["thinking", "redacted_thinking"].includes(blocks[0]?.type as string)) {
    return `messages.${at}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(blocks[0]?.type)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. ${THINKING_DOCS}`;
  }
  return null;
}

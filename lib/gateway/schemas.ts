import { z } from "zod";
import { THINKING_BUDGETS_IN_WORDS, THINKING_KEPT_HOURS } from "@/lib/providers/reasoning";

/** Schemas of the /api/v1 bodies; the OpenAPI document is generated from these same objects. */

const priority = z
  .enum(["low", "normal", "medium", "high", "urgent"])
  .transform((p) => (p === "medium" ? "normal" : p))
  .describe("How urgent the task is; `medium` is read as `normal`.");
const quality = z
  .union([z.enum(["low", "normal", "high"]), z.number().min(0).max(1)])
  .describe("`low` | `normal` | `high`, or a 0–1 threshold (≥ 0.8 is high, ≥ 0.5 normal).");

/** Edit distance, for "did you mean" on an unknown field. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

/**
 * An object of the unified format that refuses fields it does not know, naming them and the
 * nearest known one: a misspelt `preferences.model` was silently ignored (the field is
 * `model_preference`), so the caller never learnt why their model was not used.
 */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape);
  const guess = (k: string) => {
    const lk = k.toLowerCase();
    const best = known.map((n) => ({ n, d: n.includes(lk) || lk.includes(n) ? 0 : distance(lk, n) })).sort((a, b) => a.d - b.d)[0];
    return best && best.d <= 3 ? ` (did you mean "${best.n}"?)` : "";
  };
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown field${iss.keys.length > 1 ? "s" : ""} ${iss.keys.map((k) => `"${k}"${guess(k)}`).join(", ")}; the fields here are ${known.join(", ")}`
        : undefined,
  });
}

export const delegateRequestSchema = strict({
  request_id: z.string().max(200).optional().describe("Your own id for the request; echoed back."),
  task: strict({
    type: z.string().max(100).optional().describe("A hint such as `code`, `debug`, `summary`; honoured when it names a domain."),
    description: z.string().min(1, "Describe the task.").max(200_000),
    context_tags: z.array(z.string().max(100)).max(50).optional().describe("`private`, `confidential`, `secret`, `pii`, `sensitive` or `local-only` (any case or spelling such as `private-data`, `#private`, `local_only`) keep the task on local models."),
    priority: priority.optional(),
    quality_requirements: quality.optional(),
  }),
  context: strict({
    project_context: z.string().max(500_000).optional(),
    files: z.array(z.object({ path: z.string().max(1000), content: z.string() })).max(200).optional(),
    constraints: strict({
      max_tokens: z.number().int().positive().max(1_000_000).optional().describe("Most tokens, prompt and answer together."),
      max_cost: z.number().positive().max(10_000).optional().describe("Most the call may cost, in US dollars."),
      max_time: z.number().positive().max(600).optional().describe("Longest wait for the provider, in seconds."),
    }).optional(),
  }).optional(),
  preferences: strict({
    model_preference: z.string().max(200).optional().describe('"auto" (default) or a model name from GET /api/v1/models.'),
    quality_over_speed: z.boolean().optional(),
    explain_reasoning: z.boolean().optional().describe("Adds the task analysis and the fallbacks to execution_info."),
  }).optional(),
}).describe("The unified delegate request.");
export type DelegateRequest = z.infer<typeof delegateRequestSchema>;

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const imagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.object({
    url: z.string().regex(/^(data:image\/[\w.+-]+;base64,|https?:\/\/)/i, "An image_url's url is a base64 data URL (data:image/png;base64,…) or an http(s) URL."),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
});
/**
 * A message's content: a string, a list of parts, or null. A union alone answers "Invalid input";
 * for a list this names the part at fault and what was wrong with it.
 */
function content<T extends z.ZodType>(part: T, expected: string) {
  return z.union([z.string(), z.array(part), z.null()], {
    error: (iss) => {
      const inner = iss.code === "invalid_union" && Array.isArray(iss.input) ? iss.errors[1]?.[0] : undefined;
      if (!inner) return `content is a string or a list of ${expected}.`;
      const [i, ...rest] = inner.path;
      return `part ${String(i)}${rest.length ? ` (${rest.join(".")})` : ""}: ${inner.message}`;
    },
  });
}
const messageContent = content(z.object({ type: z.literal("text", 'Only text parts here; image parts go in user messages.'), text: z.string() }), '{ "type": "text", "text": … } parts (image parts go in user messages)');
/** A user message may also carry images (models without image input are then ruled out). */
const userContent = content(
  z.discriminatedUnion("type", [textPart, imagePart], { error: 'A content part is { "type": "text", "text": … } or { "type": "image_url", "image_url": { "url": … } }.' }),
  "text and image_url parts",
);
const toolCall = z.object({ id: z.string(), type: z.literal("function"), function: z.object({ name: z.string(), arguments: z.string() }) });

export const chatMessageSchema = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: messageContent, name: z.string().optional() }),
  z.object({ role: z.literal("developer"), content: messageContent, name: z.string().optional() }),
  z.object({ role: z.literal("user"), content: userContent, name: z.string().optional() }),
  z.object({ role: z.literal("assistant"), content: messageContent.optional(), name: z.string().optional(), tool_calls: z.array(toolCall).optional() }),
  z.object({ role: z.literal("tool"), content: messageContent, tool_call_id: z.string() }),
]);

export const chatCompletionRequestSchema = z
  .object({
    model: z.string().min(1, 'Name a model, or "auto" to let Mission Control choose.').max(200),
    messages: z.array(chatMessageSchema).min(1, "Send at least one message.").max(2000),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    max_tokens: z.number().int().positive().max(1_000_000).nullish(),
    max_completion_tokens: z.number().int().positive().max(1_000_000).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4, "Send at most 4 stop sequences.")], { error: "stop must be a string or an array of up to 4 non-empty strings." }).nullish(),
    seed: z.number().int().nullish(),
    response_format: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("text") }),
        z.object({ type: z.literal("json_object") }),
        z.object({
          type: z.literal("json_schema"),
          json_schema: z.object({
            name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "json_schema.name must be 1–64 letters, digits, _ or -."),
            description: z.string().optional(),
            schema: z.record(z.string(), z.unknown()).optional(),
            strict: z.boolean().nullish(),
          }),
        }),
      ], { error: 'response_format must be { "type": "text" }, { "type": "json_object" } or { "type": "json_schema", "json_schema": { "name", "schema" } }.' })
      .nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    // Log probabilities are not relayed from any provider: asking for them is refused, not answered with null.
    logprobs: z.literal(false, "logprobs are not available through Mission Control; leave logprobs out (or false).").nullish(),
    top_logprobs: z.literal(0, "top_logprobs needs logprobs, which are not available through Mission Control; leave it out.").nullish(),
    n: z.literal(1, "Only n = 1 is supported.").nullish(),
    tools: z
      .array(z.object({ type: z.literal("function"), function: z.object({ name: z.string().min(1), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }).loose() }))
      .max(128)
      .nullish(),
    tool_choice: z
      .union([z.enum(["none", "auto", "required"]), z.object({ type: z.literal("function"), function: z.object({ name: z.string().min(1) }) })], {
        error: 'tool_choice must be "none", "auto", "required" or { "type": "function", "function": { "name": … } }.',
      })
      .nullish(),
    user: z.string().max(500).nullish(),
    reasoning_effort: z
      .enum(["none", "minimal", "low", "medium", "high", "xhigh"], { error: 'reasoning_effort must be "none", "minimal", "low", "medium", "high" or "xhigh".' })
      .nullish()
      .describe(
        `Only reasoning models take it (GET /models: capabilities.reasoning_effort): with "auto" the router picks among them; a named model without it is refused with a 400. "none" asks for no reasoning, which every model honours. On Claude models it is extended thinking with a budget of ${THINKING_BUDGETS_IN_WORDS}, on top of max_tokens and billed as output; the answer is the text alone. In a tool loop, the thinking of a Claude answer that called tools is kept for your team for ${THINKING_KEPT_HOURS} hours and sent back with the next turn that returns its tool call ids.`,
      ),
  })
  .loose()
  .superRefine((b, ctx) => {
    const choice = b.tool_choice;
    if (choice == null || choice === "none" || choice === "auto") return;
    const names = new Set((b.tools ?? []).map((t) => t.function.name));
    if (names.size === 0) ctx.addIssue({ code: "custom", path: ["tool_choice"], message: `tool_choice ${JSON.stringify(choice)} needs tools; send the tools it may call.` });
    else if (typeof choice === "object" && !names.has(choice.function.name)) {
      ctx.addIssue({ code: "custom", path: ["tool_choice"], message: `tool_choice names "${choice.function.name}", which is not among the tools (${[...names].join(", ")}).` });
    }
  })
  .describe(
    "OpenAI's chat completion request. stop, temperature, top_p, seed, response_format, parallel_tool_calls and reasoning_effort reach the provider in its own terms; a message's name reaches OpenAI and xAI models as it is and opens the message's text (\"Ada: …\") for the others; unknown fields (user, metadata, store, …) are accepted and ignored.",
  );
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** An entry of GET /models: OpenAI's model object, with what the model can do in extra fields (which OpenAI's SDKs keep). */
export const modelEntrySchema = z
  .strictObject({
    id: z.string().describe('A model name to send as `model`, or "auto".'),
    object: z.literal("model"),
    created: z.number().int(),
    owned_by: z.string().describe('The provider kind (openai, anthropic, xai, mistral, ollama, openai_compatible); "mission-control" for auto.'),
    capabilities: z
      .strictObject({
        tool_calling: z.boolean().describe("Takes `tools` and reads a conversation's tool calls and tool results."),
        image_input: z.boolean().describe("Reads `image_url` parts."),
        reasoning_effort: z.boolean().describe("A reasoning model: takes `reasoning_effort` (Claude models: as extended thinking; set per model in Admin → Models)."),
      })
      .optional()
      .describe('What the model can do besides text; "auto" routes each request only to models that have what it needs (absent on auto).'),
    context_window: z.number().int().optional().describe("Tokens, prompt and answer together (absent on auto)."),
    max_output_tokens: z.number().int().nullable().optional().describe("Most tokens one answer may have (max_tokens above it is refused); null when unknown (absent on auto)."),
  })
  .describe("A model this key may use.");
export const modelListSchema = z.strictObject({ object: z.literal("list"), data: z.array(modelEntrySchema) }).describe('GET /models: "auto" first, then the models this key may use.');

const RATING = 'send "up" or "down" (thumbs), or a whole number of stars from 1 to 5 as a number, e.g. 4 (not "4" or 3.5).';
export const feedbackRequestSchema = z
  .object({
    request_id: z.uuid("request_id must be the response_id (or x-mc-request-id) of an earlier call."),
    rating: z
      .union([z.enum(["up", "down"]), z.number().int(RATING).min(1, RATING).max(5, RATING)], {
        error: (iss) => (iss.input === undefined ? `missing; ${RATING}` : RATING),
      })
      .describe('"up" / "down", or 1–5 stars.'),
    comment: z.string().max(5000).optional(),
  })
  .describe("A rating of an earlier request; it feeds the team's learned model quality.");

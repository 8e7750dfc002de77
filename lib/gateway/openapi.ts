import { z } from "zod";
import { MAX_BODY_BYTES } from "./http";
import { pipelineRunRequestSchema } from "./pipelines";
import { chatCompletionRequestSchema, delegateRequestSchema, feedbackRequestSchema, modelEntrySchema, modelListSchema } from "./schemas";

const schemaOf = (s: z.ZodType) => {
  const { $schema: _s, ...rest } = z.toJSONSchema(s, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
};

const str = { type: "string" };
const num = { type: "number" };
const int = { type: "integer" };
const nullable = (t: Record<string, unknown>) => ({ anyOf: [t, { type: "null" }] });

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["type", "message", "param"],
      properties: {
        type: str,
        message: str,
        param: nullable(str),
        code: {
          ...nullable(str),
          description:
            "The type, or for a routing refusal (422, type routing_refused) why no model could take it: missing_capability, private_needs_local, no_candidates, over_max_cost, over_max_time, preference_unavailable, max_tokens_too_small, max_tokens_too_large.",
        },
      },
    },
  },
};

const unifiedResponse = {
  type: "object",
  required: ["response_id", "execution_info", "result", "quality_metrics", "learning_feedback"],
  properties: {
    response_id: { ...str, format: "uuid", description: "The request's id; use it for POST /api/v1/feedback." },
    request_id: nullable(str),
    execution_info: {
      type: "object",
      properties: {
        selected_model: str,
        provider: str,
        selection_reason: str,
        actual_cost: {
          ...num,
          description:
            "US dollars charged for the call: the provider's reported token counts at the model's prices, plus a context summary it needed and any fallback attempt that failed after its answer began (billed; estimated, listed in fallbacks_tried with explain_reasoning).",
        },
        execution_time: { ...num, description: "Seconds." },
        confidence_score: { ...num, minimum: 0, maximum: 1 },
        tokens: { type: "object", properties: { input: int, output: int, cached_input: int } },
      },
    },
    result: {
      type: "object",
      properties: {
        primary_response: str,
        structured_data: { description: "JSON the model returned (whole answer or a ```json block); null when it gave none." },
        recommendations: { type: "array", items: str },
        follow_up_suggestions: { type: "array", items: str },
        finish_reason: nullable(str),
      },
    },
    quality_metrics: {
      type: "object",
      description:
        "score (0..1) is the grade of the team's judge model (admin → Routing), asked before the answer is returned; null without a judge or when its reply held no score — never estimated. judge_cost, judge_request_id and judge_error appear when a judge is set.",
      properties: {
        score: nullable(num),
        judged_by: nullable(str),
        judge_cost: { ...num, description: "US dollars the judge's own call cost (recorded as its own request)." },
        judge_request_id: nullable(str),
        judge_error: { ...str, description: "Why there is no score although a judge is set." },
        user_rating: nullable(num),
      },
    },
    learning_feedback: {
      type: "object",
      properties: {
        was_optimal_choice: {
          ...nullable({ type: "boolean" }),
          description: "Whether the answer reached the quality bar for its requirement (low 0.4, normal 0.6, high 0.8) by the judge's score; null when not judged. It does not claim that no cheaper model would have.",
        },
        optimal_basis: { ...str, description: "How was_optimal_choice was decided, in words." },
        explored: { type: "boolean" },
        fallbacks_tried: int,
        rating_recorded: { type: "boolean" },
      },
    },
  },
};

const chatCompletion = {
  type: "object",
  properties: {
    id: str,
    object: { const: "chat.completion" },
    created: int,
    model: str,
    choices: { type: "array", items: { type: "object", properties: { index: int, message: { type: "object" }, finish_reason: nullable(str) } } },
    usage: { type: "object", properties: { prompt_tokens: int, completion_tokens: int, total_tokens: int } },
  },
};

const mcHeaders = {
  "x-mc-request-id": { description: "The request's id (also the rating id).", schema: str },
  "x-mc-model": { description: "The model that answered.", schema: str },
  "x-mc-cost": { description: "Cost in US dollars, with any context summary the call needed. On streams it is an HTTP trailer (and, on /delegate's stream, in the done event).", schema: str },
  "server-timing": {
    description: "JSON answers only: where the time went in Mission Control, in ms — gateway (key, body, limits), route, budget, provider (with fallbacks), record (the durable write of the row and its cost), total.",
    schema: str,
  },
};

const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      {
        description:
          {
            400: "Malformed JSON or an invalid field (`param` names it)",
            401: "Missing, unknown or revoked API key",
            402: "A budget would be exceeded",
            404: "Unknown model or request",
            413: `Body larger than ${MAX_BODY_BYTES} bytes`,
            422: "No model can take the task under its constraints; `code` says which (e.g. missing_capability: no allowed model has the tool calling, image input or reasoning effort it needs — the message names which models lack what and what to enable)",
            429: "A rate limit: this key's or team's (type rate_limit_exceeded), or every provider in the fallback chain (type provider_error); see Retry-After",
            502: "Every provider in the fallback chain failed",
            504: "No answer within max_time (or the provider's time limit); the message says which",
          }[c] ?? "Error",
        ...(c === 429 ? { headers: { "retry-after": { schema: int, description: "Seconds to wait: until the window turns, or as long as the provider asked." } } } : {}),
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    ]),
  );

const json = (ref: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } });

let cached: string | null = null;

/** The OpenAPI 3.1 document of /api/v1, with request schemas generated from the zod schemas the routes use. */
export function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "Mission Control API",
      version: "1.0.0",
      description:
        "Delegate tasks to the best model for them, or use the OpenAI-compatible endpoints with any OpenAI client by changing its base URL to `<app>/api/v1` and its key to a Mission Control key (`mc_…`).",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A team API key, `mc_…` (Admin → API keys). `x-api-key` works too." } },
      schemas: {
        Error: errorSchema,
        DelegateRequest: schemaOf(delegateRequestSchema),
        DelegateResponse: unifiedResponse,
        ChatCompletionRequest: schemaOf(chatCompletionRequestSchema),
        ChatCompletion: chatCompletion,
        FeedbackRequest: schemaOf(feedbackRequestSchema),
        Model: schemaOf(modelEntrySchema),
        ModelList: schemaOf(modelListSchema),
        PipelineRunRequest: schemaOf(pipelineRunRequestSchema),
      },
    },
    paths: {
      "/delegate": {
        post: {
          operationId: "delegate",
          summary: "Delegate a task (unified format)",
          description: "Analyses the task, picks a model, runs it with fallbacks and records cost. Send `Accept: text/event-stream` to stream.",
          requestBody: { required: true, content: json("DelegateRequest") },
          responses: { 200: { description: "The unified response", headers: mcHeaders, content: json("DelegateResponse") }, ...errors(400, 401, 402, 404, 413, 422, 429, 502, 504) },
        },
      },
      "/delegate/stream": {
        post: {
          operationId: "delegateStream",
          summary: "Delegate a task, streamed as server-sent events",
          description: "Events: `start` (model and reason), `delta` ({text}), `fallback`, then `done` (the unified response) or `error`.",
          requestBody: { required: true, content: json("DelegateRequest") },
          responses: { 200: { description: "An SSE stream", headers: mcHeaders, content: { "text/event-stream": { schema: str } } }, ...errors(400, 401, 402, 404, 413, 422, 429) },
        },
      },
      "/feedback": {
        post: {
          operationId: "feedback",
          summary: "Rate an earlier request",
          requestBody: { required: true, content: json("FeedbackRequest") },
          responses: {
            201: {
              description:
                "Recorded. One rating per request and key: rating the same request again with the same key replaces the earlier rating, and only the first teaches the router (`learned` says which this was). The answer also carries was_optimal_choice: whether this rating (thumbs 0 or 1, stars 1–5 as 0–1) reaches the bar for the request's quality requirement (low 0.4, normal 0.6, high 0.8), and optimal_basis in words.",
            },
            ...errors(400, 401, 404, 413),
          },
        },
      },
      "/chat/completions": {
        post: {
          operationId: "createChatCompletion",
          summary: "OpenAI-compatible chat completion",
          description: 'Model `"auto"` lets Mission Control choose. `stream: true` answers in OpenAI\'s SSE chunks; `stream_options.include_usage` adds usage. Function `tools` and `tool_choice` reach every provider: as sent to OpenAI-compatible ones, translated to Anthropic\'s tools, `tool_use` and `tool_result` blocks for Anthropic models; tool calls come back as `tool_calls` with `finish_reason: "tool_calls"`, streamed or not. `auto` routes a request only to models that have what it needs (GET /models lists each model\'s `capabilities`): tool calling for `tools` (unless `tool_choice` is `"none"`) and for a conversation that holds tool calls or tool results, image input for `image_url` parts, a reasoning model for `reasoning_effort` (extended thinking on Claude models, its budget on top of `max_tokens`); with none it is a 422 (`code` missing_capability), and a named model without it a 400 naming the field. A message\'s `name` reaches OpenAI and xAI models as it is and opens the message\'s text ("Ada: …") for Claude, Mistral and Ollama models.',
          requestBody: { required: true, content: json("ChatCompletionRequest") },
          responses: { 200: { description: "A chat completion (or SSE chunks)", headers: mcHeaders, content: json("ChatCompletion") }, ...errors(400, 401, 402, 404, 413, 422, 429, 502, 504) },
        },
      },
      "/models": {
        get: {
          operationId: "listModels",
          summary: "Models this key may use, plus `auto`, with what each can do",
          description: "OpenAI's list shape; each model also carries `capabilities` (tool_calling, image_input, reasoning_effort: the model's flags, set in Admin → Models), `context_window` and `max_output_tokens` (null when unknown), extra fields OpenAI's SDKs keep.",
          responses: { 200: { description: "The models", content: json("ModelList") }, ...errors(401) },
        },
      },
      "/models/{model}": {
        get: {
          operationId: "retrieveModel",
          summary: "One model",
          parameters: [{ name: "model", in: "path", required: true, schema: str }],
          responses: { 200: { description: "The model", content: json("Model") }, ...errors(401, 404) },
        },
      },
      "/spend": {
        get: {
          operationId: "spend",
          summary: "The team's usage and budgets",
          parameters: [{ name: "days", in: "query", schema: { ...int, minimum: 1, maximum: 366, default: 30 } }],
          responses: { 200: { description: "Totals since `since` (the first of the last `days` days in the team's time zone, `timezone`, an IANA name), cost by model, and budgets with what they spent in their current period (period_start to period_end, ISO instants)" }, ...errors(400, 401) },
        },
      },
      "/pipelines": {
        get: { operationId: "listPipelines", summary: "The team's saved pipelines", responses: { 200: { description: "{ data: Pipeline[] }" }, ...errors(401) } },
      },
      "/pipelines/{pipeline}/runs": {
        post: {
          operationId: "startPipelineRun",
          summary: "Start a pipeline run",
          description: "Answers 202 at once with the run (status, progress, steps); poll GET /pipeline-runs/{run}.",
          parameters: [{ name: "pipeline", in: "path", required: true, schema: { ...str, format: "uuid" } }],
          requestBody: { required: true, content: json("PipelineRunRequest") },
          responses: { 202: { description: "The run, queued" }, ...errors(400, 401, 404, 413, 429) },
        },
      },
      "/pipeline-runs/{run}": {
        get: {
          operationId: "getPipelineRun",
          summary: "A pipeline run's status, progress and steps",
          parameters: [{ name: "run", in: "path", required: true, schema: { ...str, format: "uuid" } }],
          responses: { 200: { description: "The run" }, ...errors(401, 404) },
        },
      },
      "/pipeline-runs/{run}/cancel": {
        post: {
          operationId: "cancelPipelineRun",
          summary: "Cancel a queued or running pipeline run",
          description: "A queued run stops at once, a running one within about a second; finished steps keep their results. Answers with the run; 400 when it has already finished.",
          parameters: [{ name: "run", in: "path", required: true, schema: { ...str, format: "uuid" } }],
          responses: { 200: { description: "The run, cancelled or cancelling (cancelRequested)" }, ...errors(400, 401, 404) },
        },
      },
      "/openapi.json": { get: { operationId: "openapi", summary: "This document", security: [], responses: { 200: { description: "OpenAPI 3.1" } } } },
    },
  };
}

export function openApiJson(): string {
  return (cached ??= JSON.stringify(openApiDocument()));
}

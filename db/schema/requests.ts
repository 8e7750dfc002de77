import { bigint, date, index, integer, jsonb, pgEnum, pgTable, primaryKey, real, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { apiKeys, teams } from "./teams";

export const requestSourceEnum = pgEnum("request_source", ["playground", "api", "openai", "pipeline", "cli", "seed"]);
export const requestStatusEnum = pgEnum("request_status", ["ok", "error", "refused"]);

/**
 * A model a call tried that failed. One that failed after its answer had begun to stream is billed
 * by its vendor for the prompt and the part generated: its tokens and cost are then set, and
 * `estimated` says they are ours (the prompt as the budget hold estimated it unless the provider
 * reported it, the answer from the text received), not a provider's count.
 */
/**
 * A model tried before the one a row names (or, on a failed row, the last one). An attempt whose answer
 * had begun carries what it is billed; `estimated` when the provider reported no usage, and
 * `reasoningTokensAtMost` when its `outputTokens` include hidden reasoning billed at the most it could be.
 */
export type FailedAttempt = { model: string; error: string; inputTokens?: number; outputTokens?: number; costMicros?: number; estimated?: boolean; reasoningTokensAtMost?: number };

/** One row per delegated call, written exactly once when the call ends. Append-only. */
export const requests = pgTable(
  "requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    apiKeyId: uuid("api_key_id").references(() => apiKeys.id, { onDelete: "set null" }),
    source: requestSourceEnum("source").notNull(),
    taskProfile: jsonb("task_profile").$type<Record<string, unknown>>(),
    domain: text("domain"),
    requestedModel: text("requested_model"),
    model: text("model"),
    providerKind: text("provider_kind"),
    selectionReason: text("selection_reason"),
    confidence: real("confidence"),
    fallbacksTried: jsonb("fallbacks_tried").$type<FailedAttempt[]>().notNull().default([]),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    costMicros: bigint("cost_micros", { mode: "number" }).notNull().default(0),
    latencyMs: integer("latency_ms").notNull().default(0),
    status: requestStatusEnum("status").notNull(),
    errorKind: text("error_kind"),
    errorMessage: text("error_message"),
    pipelineRunId: uuid("pipeline_run_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("requests_team_created_idx").on(t.teamId, t.createdAt),
    index("requests_team_model_created_idx").on(t.teamId, t.model, t.createdAt),
  ],
);

/**
 * The thinking of a Claude answer made with extended thinking that called tools, kept for the
 * conversation's next turn, which must send it back first and cannot in OpenAI's messages: one row
 * per tool call id the caller received, for the team whose call it was and the model that thought
 * it. Read for THINKING_KEPT_HOURS (lib/providers/reasoning.ts), then pruned (lib/execution/thinking.ts).
 */
export const thinkingBlocks = pgTable(
  "thinking_blocks",
  {
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    toolCallId: text("tool_call_id").notNull(),
    model: text("model").notNull(),
    /** As Anthropic returned them, unchanged: their signatures cover them. */
    blocks: jsonb("blocks").$type<({ type: "thinking"; thinking: string; signature: string } | { type: "redacted_thinking"; data: string })[]>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.toolCallId] }), index("thinking_blocks_created_idx").on(t.createdAt)],
);

/** Prompt and answer text, kept apart so scans of `requests` stay narrow. */
export const requestPayloads = pgTable("request_payloads", {
  requestId: uuid("request_id").primaryKey().references(() => requests.id, { onDelete: "cascade" }),
  prompt: text("prompt").notNull(),
  response: text("response"),
});

/** Daily rollup per team × model × user × key, kept current as requests are recorded. */
export const usageDaily = pgTable(
  "usage_daily",
  {
    day: date("day").notNull(),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    model: text("model").notNull(),
    /** '' when no user (API key calls); keeps the primary key total. */
    userId: text("user_id").notNull().default(""),
    apiKeyId: text("api_key_id").notNull().default(""),
    requests: integer("requests").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    inputTokens: bigint("input_tokens", { mode: "number" }).notNull().default(0),
    outputTokens: bigint("output_tokens", { mode: "number" }).notNull().default(0),
    costMicros: bigint("cost_micros", { mode: "number" }).notNull().default(0),
    latencyMsSum: bigint("latency_ms_sum", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.day, t.model, t.userId, t.apiKeyId] })],
);

export type RequestRow = typeof requests.$inferSelect;

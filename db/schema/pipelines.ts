import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { teams } from "./teams";

export const runStatusEnum = pgEnum("run_status", ["queued", "running", "succeeded", "failed", "cancelled"]);
export const stepStatusEnum = pgEnum("step_status", ["pending", "running", "succeeded", "failed", "skipped", "cancelled"]);

export type PipelineStepDef = {
  key: string;
  kind: "prompt" | "synthesis";
  model: string; // a model name or "auto"
  template: string;
  /** Steps with the same group number run in parallel. */
  group: number;
  maxCostMicros?: number;
};

export const pipelines = pgTable(
  "pipelines",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    steps: jsonb("steps").$type<PipelineStepDef[]>().notNull(),
    archived: boolean("archived").notNull().default(false),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("pipelines_team_idx").on(t.teamId)],
);

export const pipelineRuns = pgTable(
  "pipeline_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    pipelineId: uuid("pipeline_id").notNull().references(() => pipelines.id, { onDelete: "cascade" }),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    status: runStatusEnum("status").notNull().default("queued"),
    input: text("input").notNull(),
    output: text("output"),
    error: text("error"),
    costMicros: bigint("cost_micros", { mode: "number" }).notNull().default(0),
    startedBy: text("started_by").references(() => users.id, { onDelete: "set null" }),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    index("pipeline_runs_team_created_idx").on(t.teamId, t.createdAt),
    // The few runs waiting or running, in order: what a queued run's place in line counts.
    index("pipeline_runs_active_idx").on(t.status, t.createdAt).where(sql`${t.status} in ('queued', 'running')`),
  ],
);

export const pipelineSteps = pgTable(
  "pipeline_steps",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    runId: uuid("run_id").notNull().references(() => pipelineRuns.id, { onDelete: "cascade" }),
    stepKey: text("step_key").notNull(),
    position: integer("position").notNull(),
    status: stepStatusEnum("status").notNull().default("pending"),
    model: text("model"),
    requestId: uuid("request_id"),
    output: text("output"),
    error: text("error"),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    costMicros: bigint("cost_micros", { mode: "number" }).notNull().default(0),
    latencyMs: integer("latency_ms").notNull().default(0),
    attempts: integer("attempts").notNull().default(0),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("pipeline_steps_run_key_idx").on(t.runId, t.stepKey)],
);

export type Pipeline = typeof pipelines.$inferSelect;
export type PipelineRun = typeof pipelineRuns.$inferSelect;

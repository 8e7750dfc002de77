import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { apiKeys, teams } from "./teams";

export const budgetScopeEnum = pgEnum("budget_scope", ["team", "member", "key"]);
export const budgetPeriodEnum = pgEnum("budget_period", ["daily", "weekly", "monthly", "custom"]);
export const reservationStatusEnum = pgEnum("reservation_status", ["held", "settled", "released", "expired"]);
export const ledgerKindEnum = pgEnum("ledger_kind", ["reserve", "settle", "release", "expire", "reset", "adjust"]);

/**
 * A spending limit for a team, or one member or API key of it. `spentMicros` and `reservedMicros`
 * cover the current period only (from `periodStart`); a reset moves the boundary and zeroes both.
 */
export const budgets = pgTable(
  "budgets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    scope: budgetScopeEnum("scope").notNull().default("team"),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    apiKeyId: uuid("api_key_id").references(() => apiKeys.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    limitMicros: bigint("limit_micros", { mode: "number" }).notNull(),
    period: budgetPeriodEnum("period").notNull().default("monthly"),
    /** For `custom` periods: the length in days. */
    customDays: integer("custom_days"),
    hardStop: boolean("hard_stop").notNull().default(true),
    thresholds: integer("thresholds").array().notNull().default(sql`'{50,80,100}'::int[]`),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    /** Set when the team's time zone changed during the current period: that period ends here, not at its usual end (lib/budgets/period.ts transitionEnd). Cleared when it rolls. */
    periodEndsAt: timestamp("period_ends_at", { withTimezone: true }),
    spentMicros: bigint("spent_micros", { mode: "number" }).notNull().default(0),
    reservedMicros: bigint("reserved_micros", { mode: "number" }).notNull().default(0),
    /**
     * What the period had spent when the limit was last changed (0 at a period's start): a threshold
     * of the new limit that this already passed does not fire; one crossed after the change does.
     */
    limitSetSpentMicros: bigint("limit_set_spent_micros", { mode: "number" }).notNull().default(0),
    webhookUrl: text("webhook_url"),
    webhookSecretEncrypted: text("webhook_secret_encrypted"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("budgets_team_idx").on(t.teamId)],
);

export const budgetReservations = pgTable(
  "budget_reservations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    budgetId: uuid("budget_id").notNull().references(() => budgets.id, { onDelete: "cascade" }),
    requestId: uuid("request_id"),
    /** A lease held by one process (`holder`) rather than one request. */
    holder: text("holder"),
    amountMicros: bigint("amount_micros", { mode: "number" }).notNull(),
    status: reservationStatusEnum("status").notNull().default("held"),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("budget_reservations_open_idx").on(t.budgetId, t.expiresAt).where(sql`status = 'held'`)],
);

export const budgetLedger = pgTable(
  "budget_ledger",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    budgetId: uuid("budget_id").notNull().references(() => budgets.id, { onDelete: "cascade" }),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    requestId: uuid("request_id"),
    reservationId: uuid("reservation_id"),
    kind: ledgerKindEnum("kind").notNull(),
    amountMicros: bigint("amount_micros", { mode: "number" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("budget_ledger_budget_created_idx").on(t.budgetId, t.createdAt)],
);

/** One row per (budget, period, limit, threshold): the unique index is what makes an alert fire once. */
export const budgetAlerts = pgTable(
  "budget_alerts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    budgetId: uuid("budget_id").notNull().references(() => budgets.id, { onDelete: "cascade" }),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    threshold: integer("threshold").notNull(),
    /** The limit the threshold is a share of: a changed limit has thresholds of its own. */
    limitMicros: bigint("limit_micros", { mode: "number" }).notNull(),
    spentMicros: bigint("spent_micros", { mode: "number" }).notNull(),
    webhookStatus: text("webhook_status"),
    webhookAttempts: integer("webhook_attempts").notNull().default(0),
    /**
     * The webhook outbox: when the next delivery attempt is due (NULL = nothing left to do). A
     * process claims an attempt by moving it a lease into the future, so after a restart (or in
     * another process) a pending delivery is picked up again once that lease has run out.
     */
    webhookNextAt: timestamp("webhook_next_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("budget_alerts_once_idx").on(t.budgetId, t.periodStart, t.limitMicros, t.threshold), index("budget_alerts_webhook_due_idx").on(t.webhookNextAt)],
);

export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp("read_at", { withTimezone: true }),
  },
  (t) => [index("notifications_team_created_idx").on(t.teamId, t.createdAt)],
);

export type Budget = typeof budgets.$inferSelect;

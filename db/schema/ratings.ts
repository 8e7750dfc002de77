import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { requests } from "./requests";
import { apiKeys, teams } from "./teams";

export const ratingKindEnum = pgEnum("rating_kind", ["thumbs", "stars"]);

/** A person's verdict on one result: thumbs (value 0/1) or stars (1–5). One per user per request. */
export const ratings = pgTable(
  "ratings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    requestId: uuid("request_id").notNull().references(() => requests.id, { onDelete: "cascade" }),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    /** Set for a rating sent with an API key (POST /api/v1/feedback): the key is the rater. */
    apiKeyId: uuid("api_key_id").references(() => apiKeys.id, { onDelete: "set null" }),
    kind: ratingKindEnum("kind").notNull(),
    value: integer("value").notNull(),
    comment: text("comment"),
    domain: text("domain"),
    model: text("model"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // One rating per request and rater (a person, or an API key); NULLS NOT DISTINCT, so that the
  // ratings of one key — which has no user — replace each other instead of piling up.
  (t) => [index("ratings_team_created_idx").on(t.teamId, t.createdAt), unique("ratings_request_rater_key").on(t.requestId, t.userId, t.apiKeyId).nullsNotDistinct()],
);

/** The learned quality posteriors of one team, as a JSON snapshot (lib/learning). */
export const learningState = pgTable("learning_state", {
  teamId: uuid("team_id").primaryKey().references(() => teams.id, { onDelete: "cascade" }),
  snapshot: jsonb("snapshot").$type<Record<string, unknown>>().notNull(),
  version: integer("version").notNull().default(0),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Rating = typeof ratings.$inferSelect;

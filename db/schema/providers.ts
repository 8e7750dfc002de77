import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const providerKindEnum = pgEnum("provider_kind", ["openai", "anthropic", "xai", "mistral", "ollama", "openai_compatible"]);
export const costTierEnum = pgEnum("cost_tier", ["free", "low", "medium", "high"]);

/** Organisation-wide LLM providers. The key is AES-256-GCM encrypted with MC_ENCRYPTION_KEY. */
export const providers = pgTable(
  "providers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: providerKindEnum("kind").notNull(),
    /** Unique ignoring case ("Acme" and "acme" would be told apart only by a careful reader). */
    name: text("name").notNull(),
    baseUrl: text("base_url").notNull(),
    apiKeyEncrypted: text("api_key_encrypted"),
    /** Last 4 characters of the key, so an admin can recognise it without seeing it. */
    apiKeyHint: text("api_key_hint"),
    local: boolean("local").notNull().default(false),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("providers_name_lower_idx").on(sql`lower(${t.name})`)],
);

export const models = pgTable(
  "models",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    providerId: uuid("provider_id").notNull().references(() => providers.id, { onDelete: "cascade" }),
    /** The name sent to the provider and used in the API (e.g. "gpt-4.1-mini"). Unique across providers. */
    name: text("name").notNull(),
    displayName: text("display_name").notNull(),
    contextWindow: integer("context_window").notNull(),
    /** Most output tokens one answer may have (the vendor's limit); null = unknown, only the window bounds it. The router sends no request that needs more. */
    maxOutputTokens: integer("max_output_tokens"),
    /** Prices in integer micro-dollars per million tokens. */
    inputPriceMicros: bigint("input_price_micros", { mode: "number" }).notNull(),
    outputPriceMicros: bigint("output_price_micros", { mode: "number" }).notNull(),
    cachedInputPriceMicros: bigint("cached_input_price_micros", { mode: "number" }),
    strengths: text("strengths").array().notNull().default(sql`'{}'::text[]`),
    optimalFor: text("optimal_for").array().notNull().default(sql`'{}'::text[]`),
    costTier: costTierEnum("cost_tier").notNull().default("medium"),
    /** Accepts function tools. Off unless the vendor documents it: the router then sends this model no request with tools. */
    toolCalling: boolean("tool_calling").notNull().default(false),
    /** Reads images in user messages (image_url parts). Off unless the vendor documents it. */
    imageInput: boolean("image_input").notNull().default(false),
    /** A reasoning model: takes OpenAI's `reasoning_effort` (Anthropic: extended thinking). Off unless the vendor documents it: the router then sends this model no request with it. */
    reasoningEffort: boolean("reasoning_effort").notNull().default(false),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("models_name_idx").on(t.name), index("models_provider_idx").on(t.providerId)],
);

export type Provider = typeof providers.$inferSelect;
export type Model = typeof models.$inferSelect;
export type ProviderKind = (typeof providerKindEnum.enumValues)[number];

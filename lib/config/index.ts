import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/** The PGlite data folder when MC_DATA_DIR is not set; the request spool sits beside it. */
export const DEFAULT_DATA_DIR = "./.data/pglite";

const emptyAsUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** An optional whole number from `min` up, with what it counts in the message. */
const wholeNumber = (min: number, unit: string) =>
  z.preprocess(emptyAsUndefined, z.coerce.number({ message: `must be a whole number of ${unit}` }).int(`must be a whole number of ${unit}`).min(min, `must be at least ${min} (${unit})`).optional());

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// or postgresql:// connection URL, e.g. postgres://user@127.0.0.1:5432/mission_control — or unset it to use embedded PGlite")
      .optional(),
  ),
  MC_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default(DEFAULT_DATA_DIR)),
  PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int("must be a whole number").min(1).max(65535).default(3000)),
  HOSTNAME: z.preprocess(emptyAsUndefined, z.string().default("0.0.0.0")),
  AUTH_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32, "must be at least 32 characters; generate one with `openssl rand -base64 32`").optional()),
  MC_ENCRYPTION_KEY: z.preprocess(
    emptyAsUndefined,
    z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (32 bytes); generate one with `openssl rand -hex 32`").optional(),
  ),
  MC_DEMO: z.preprocess(emptyAsUndefined, z.enum(["0", "1"], { message: "must be 0 or 1" }).optional()),
  // Unset: where MOCK_FLEET_PORT puts the fleet (a demo started on another port seeds its providers there).
  MOCK_FLEET_URL: z.preprocess(emptyAsUndefined, z.url("must be a URL such as http://127.0.0.1:4010").optional()),
  MOCK_FLEET_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(4010)),
  AUTH_GITHUB_ID: z.preprocess(emptyAsUndefined, z.string().optional()),
  AUTH_GITHUB_SECRET: z.preprocess(emptyAsUndefined, z.string().optional()),
  OPENAI_API_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  ANTHROPIC_API_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  XAI_API_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  MISTRAL_API_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  OLLAMA_BASE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
  // Tuning read where it is used (lib/ratelimit, lib/budgets, lib/pipelines, lib/gateway, lib/alerts);
  // checked here so that a typo stops the app instead of silently meaning "no limit" or the default.
  MC_TEAM_RPM: wholeNumber(1, "requests per minute, e.g. 600"),
  MC_TEAM_TPM: wholeNumber(1, "tokens per minute, e.g. 200000"),
  MC_BUDGET_LEASE_TTL_MS: wholeNumber(1, "milliseconds, e.g. 30000"),
  MC_BUDGET_SETTINGS_TTL_MS: wholeNumber(0, "milliseconds, e.g. 1000 (0 reads the budgets on every call)"),
  MC_PIPELINE_WORKER: z.preprocess(emptyAsUndefined, z.enum(["0", "1"], { message: "must be 0 or 1" }).optional()),
  MC_PIPELINE_CONCURRENCY: wholeNumber(1, "jobs per process, e.g. 4"),
  MC_PIPELINE_LEASE_MS: wholeNumber(1, "milliseconds, e.g. 30000"),
  MC_API_MAX_BODY_BYTES: wholeNumber(1024, "bytes, e.g. 1048576"),
  MC_WEBHOOK_POLL_MS: wholeNumber(1, "milliseconds, e.g. 10000"),
  MC_PIPELINE_RATE_LIMIT_WAIT_MS: wholeNumber(0, "milliseconds, e.g. 120000 (0 fails a rate-limited step at once)"),
  MC_BUDGET_IDLE_MS: wholeNumber(1, "milliseconds, e.g. 2000"),
  MC_MOCK_FLEET: z.preprocess(emptyAsUndefined, z.enum(["0", "1"], { message: "must be 0 or 1" }).optional()),
}).transform((c) => ({ ...c, MOCK_FLEET_URL: c.MOCK_FLEET_URL ?? `http://127.0.0.1:${c.MOCK_FLEET_PORT || 4010}` }));

export type Config = z.infer<typeof schema> & {
  databaseKind: "pglite" | "postgres";
  authSecret: string;
  /** True when the app runs with demo data (embedded database unless MC_DEMO=0). */
  demo: boolean;
};

export class ConfigError extends Error {
  constructor(public readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses an environment; pure except for the embedded-mode secret file (see `loadConfig`). */
export function parseConfig(env: Record<string, string | undefined>): z.infer<typeof schema> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  return parsed.data;
}

/**
 * Reads and checks the configuration once per process (kept on globalThis, since Next bundles its
 * own copy of lib/). In embedded mode a missing AUTH_SECRET is generated and kept beside the data
 * so that sessions survive restarts; with DATABASE_URL in production it must be given.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const g = globalThis as { __mcConfig?: Config };
  if (g.__mcConfig) return g.__mcConfig;
  const base = parseConfig(env);
  const databaseKind = base.DATABASE_URL ? "postgres" : "pglite";
  let authSecret = base.AUTH_SECRET;
  if (!authSecret) {
    if (databaseKind === "postgres" && base.NODE_ENV === "production") {
      throw new ConfigError(["AUTH_SECRET: required when DATABASE_URL is set in production; generate one with `openssl rand -base64 32`"]);
    }
    const file = path.join(path.dirname(path.resolve(base.MC_DATA_DIR)), "auth-secret");
    try {
      authSecret = fs.readFileSync(file, "utf8").trim();
    } catch {
      authSecret = randomBytes(32).toString("base64url");
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, authSecret, { mode: 0o600 });
    }
    env.AUTH_SECRET = authSecret;
  }
  const config: Config = { ...base, databaseKind, authSecret, demo: base.MC_DEMO ? base.MC_DEMO === "1" : databaseKind === "pglite" };
  g.__mcConfig = config;
  return config;
}

export function resetConfigForTests() {
  delete (globalThis as { __mcConfig?: Config }).__mcConfig;
}

/** For entry points (server, worker): the configuration, or exit with a message naming what to fix. */
export function loadConfigOrExit(who: string): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`${who} cannot start.\n${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}

import fs from "node:fs";
import path from "node:path";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { loadConfig } from "@/lib/config";
import * as schema from "./schema";

export { schema };
/** Both drivers expose the same query builder; code is written against this one type. */
export type Db = PostgresJsDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** Rows of `db.execute()`: postgres-js returns an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

type Handle = {
  db: Db;
  kind: "pglite" | "postgres";
  ready: Promise<void>;
  close: () => Promise<void>;
};

type G = { __mcDb?: Handle };
const g = globalThis as G;

export const migrationsFolder = path.join(/* turbopackIgnore: true */ process.cwd(), "db", "migrations");

/** Opens a database handle; callers normally want `getDb()`, which keeps one per process. */
export function openDb(opts: { url?: string; dataDir?: string; migrate?: boolean } = {}): Handle {
  const migrateNow = opts.migrate ?? true;
  if (opts.url) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const postgres = require("postgres") as typeof import("postgres");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { drizzle } = require("drizzle-orm/postgres-js") as typeof import("drizzle-orm/postgres-js");
    const client = postgres(opts.url, { max: 10, onnotice: () => {}, connect_timeout: 5 });
    const db = drizzle(client, { schema });
    const ready = migrateNow
      ? (async () => {
          const { migrate } = await import("drizzle-orm/postgres-js/migrator");
          await migrate(db, { migrationsFolder });
        })()
      : Promise.resolve();
    return { db, kind: "postgres", ready, close: () => client.end({ timeout: 5 }) };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PGlite } = require("@electric-sql/pglite") as typeof import("@electric-sql/pglite");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { drizzle } = require("drizzle-orm/pglite") as typeof import("drizzle-orm/pglite");
  if (opts.dataDir && opts.dataDir !== "memory://") fs.mkdirSync(path.resolve(/* turbopackIgnore: true */ opts.dataDir), { recursive: true });
  const client = new PGlite(opts.dataDir && opts.dataDir !== "memory://" ? path.resolve(/* turbopackIgnore: true */ opts.dataDir) : undefined);
  const pdb = drizzle(client, { schema }) as PgliteDatabase<typeof schema>;
  const ready = migrateNow
    ? (async () => {
        const { migrate } = await import("drizzle-orm/pglite/migrator");
        await migrate(pdb, { migrationsFolder });
      })()
    : client.waitReady;
  return { db: pdb as unknown as Db, kind: "pglite", ready, close: () => client.close() };
}

/** The process-wide handle, created on first use from the configuration (migrations applied). */
export function getDbHandle(): Handle {
  if (!g.__mcDb) {
    const config = loadConfig();
    g.__mcDb = openDb({ url: config.DATABASE_URL, dataDir: config.MC_DATA_DIR });
  }
  return g.__mcDb;
}

/** The database, ready to use (migrated). */
export async function getDb(): Promise<Db> {
  const h = getDbHandle();
  await h.ready;
  return h.db;
}

/** For tests and scripts: make `getDb()` return this handle. */
export function setDbHandle(h: Handle | undefined) {
  g.__mcDb = h;
}

export async function closeDb() {
  const h = g.__mcDb;
  g.__mcDb = undefined;
  if (h) await h.close();
}

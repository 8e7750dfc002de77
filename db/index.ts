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

/**
 * Runs `fn` in one transaction, handing it the transaction typed as a Db so the services written
 * against Db run inside it (a change and its audit row commit together or not at all). In-memory
 * caches must be invalidated after this returns, not inside `fn`: a reader between the
 * invalidation and the commit would cache the old rows again.
 */
export function inTransaction<T>(db: Db, fn: (t: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => fn(tx as unknown as Db));
}

/** Rows of `db.execute()`: postgres-js returns an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

/**
 * Runs one hand-written statement on the driver under drizzle, prepared once and reused: for the
 * few hot statements where drizzle's query building and the server's parse/plan cost more than
 * the work itself. postgres-js prepares it per connection (`prepare: true`). PGlite has no
 * prepared-statement API and parses every `query()` again (0.79 ms for the request recorder's
 * statement vs 0.27 ms prepared), so there it is PREPAREd under `name` and run with EXECUTE over
 * the simple protocol, the parameters quoted as SQL literals.
 *
 * Parameters are strings, finite numbers or null (a string must not contain U+0000, which no
 * Postgres text can hold). Everything else goes through the query builder.
 */
export async function rawQuery<T = Record<string, unknown>>(db: Db, name: string, text: string, params: (string | number | null)[]): Promise<T[]> {
  const client = driverOf(db) as
    | { unsafe: (q: string, p: unknown[], o: { prepare: boolean }) => Promise<T[]> }
    | { exec: (q: string) => Promise<{ rows: T[] }[]> };
  if ("unsafe" in client) return client.unsafe(text, params, { prepare: true });
  // Kept on the PGlite instance itself: Next bundles its own copy of this module beside the one
  // server.ts imports, and both share the one instance (and so its prepared statements).
  const holder = client as unknown as { [PREPARED]?: Set<string> };
  const prepared = (holder[PREPARED] ??= new Set());
  if (!prepared.has(name)) {
    const types = params.map((p) => (typeof p === "number" ? "numeric" : "text"));
    try {
      await client.exec(`prepare ${name}${types.length ? `(${types.join(", ")})` : ""} as ${text}`);
    } catch (e) {
      // 42P05: prepared by a concurrent caller between the check and here; it is the same text.
      if ((e as { code?: string }).code !== "42P05") throw e;
    }
    prepared.add(name);
  }
  const args = params.map(sqlLiteral).join(", ");
  // exec(): the simple protocol, one message into the wasm backend (query() sends five).
  const results = await client.exec(`execute ${name}${args ? `(${args})` : ""}`);
  return results[results.length - 1]?.rows ?? [];
}

const PREPARED = Symbol.for("mission-control.db.prepared");

/** The driver under drizzle: a postgres-js `sql` function (has `unsafe`) or a PGlite instance. */
const driverOf = (db: Db) => (db as unknown as { $client: object }).$client;

/** Is this the embedded PGlite (statements run on this thread) rather than a Postgres server? */
export function isEmbedded(db: Db): boolean {
  return !("unsafe" in driverOf(db));
}

function sqlLiteral(v: string | number | null): string {
  if (v === null) return "null";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`rawQuery: ${v} is not a finite number`);
    return String(v);
  }
  if (v.includes("\u0000")) throw new Error("rawQuery: a text parameter contains U+0000");
  // standard_conforming_strings is on (the default since PostgreSQL 9.1): only ' needs doubling.
  return `'${v.replaceAll("'", "''")}'`;
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
  const onDisk = opts.dataDir && opts.dataDir !== "memory://" ? path.resolve(/* turbopackIgnore: true */ opts.dataDir) : undefined;
  const unlock = onDisk ? lockDataDir(onDisk) : () => {};
  const client = new PGlite(onDisk);
  const pdb = drizzle(client, { schema }) as PgliteDatabase<typeof schema>;
  const ready = migrateNow
    ? (async () => {
        const { migrate } = await import("drizzle-orm/pglite/migrator");
        await migrate(pdb, { migrationsFolder });
      })()
    : client.waitReady;
  return {
    db: pdb as unknown as Db,
    kind: "pglite",
    ready,
    close: async () => {
      await client.close();
      unlock();
    },
  };
}

/**
 * PGlite has no lock between processes and two of them on one folder corrupt it: the first
 * process writes its pid beside the folder, and a second one refuses to open it while that
 * process lives.
 */
function lockDataDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = `${dir}.pid`;
  try {
    const pid = Number(fs.readFileSync(file, "utf8"));
    if (pid && pid !== process.pid) {
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (alive) {
        throw new Error(
          `The embedded database ${dir} is in use by process ${pid}: PGlite allows one process per data folder. Stop that process first, do this from the running app, or use DATABASE_URL.`,
        );
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  fs.writeFileSync(file, String(process.pid));
  const unlock = () => {
    try {
      if (fs.readFileSync(file, "utf8") === String(process.pid)) fs.unlinkSync(file);
    } catch {}
  };
  process.once("exit", unlock);
  return unlock;
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

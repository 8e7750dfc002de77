import { AsyncLocalStorage } from "node:async_hooks";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { rowsOf, type Db } from "@/db";
import { openScratchDb } from "@/db/scratch";

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or — when DATABASE_URL is set —
 * the real Postgres with its schema dropped and migrated again (db tests run one file at a time).
 */
export const freshDb = () => openScratchDb("test");

export const driverName = process.env.DATABASE_URL ? "postgres" : "pglite";

const counting = new AsyncLocalStorage<{ statements: number; sql: string[] }>();

/**
 * Runs `fn` and returns how many statements it sent to the database (either driver), and their SQL.
 * Only `fn`'s own statements count (its async context), not those of a pipeline runner or timer working
 * meanwhile: for tests that check a read does not grow with the rows it lists. `everywhere` counts
 * every statement sent meanwhile instead, for work done in another context (a request to a server).
 */
export async function countStatements<T>(db: Db, fn: () => Promise<T>, opts: { everywhere?: boolean } = {}): Promise<{ result: T; statements: number; sql: string[] }> {
  const client = (db as unknown as { $client: Record<string, (...a: unknown[]) => unknown> }).$client;
  const method = typeof client.unsafe === "function" ? "unsafe" : "query";
  const original = client[method];
  const c = { statements: 0, sql: [] as string[] };
  client[method] = function (this: unknown, ...a: unknown[]) {
    const seen = opts.everywhere ? c : counting.getStore();
    if (seen) {
      seen.statements++;
      seen.sql.push(String(a[0]));
    }
    return original.apply(this, a);
  };
  try {
    return { result: await counting.run(c, fn), statements: c.statements, sql: c.sql };
  } finally {
    client[method] = original;
  }
}

/** Postgres only: how many of this database's backends are waiting for a lock. */
export const lockWaits = async (db: Db) =>
  rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`))[0].n;

/**
 * Postgres only: holds `lock table <table> in share mode` on a connection of its own until the
 * returned `release()`, so writes to the table wait there — to stop a transaction half-way and race
 * another one against it.
 */
export async function holdTable(table: string) {
  const client = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let taken!: () => void;
  const isTaken = new Promise<void>((r) => (taken = r));
  const done = client.begin(async (tx) => {
    await tx.unsafe(`lock table ${table} in share mode`);
    taken();
    await released;
  });
  await isTaken;
  return async () => {
    release();
    await done;
    await client.end();
  };
}

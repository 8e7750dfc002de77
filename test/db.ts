import { AsyncLocalStorage } from "node:async_hooks";
import type { Db } from "@/db";
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

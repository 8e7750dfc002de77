import { AsyncLocalStorage } from "node:async_hooks";
import type { Db } from "@/db";
import { openScratchDb } from "@/db/scratch";

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or — when DATABASE_URL is set —
 * the real Postgres with its schema dropped and migrated again (db tests run one file at a time).
 */
export const freshDb = () => openScratchDb("test");

export const driverName = process.env.DATABASE_URL ? "postgres" : "pglite";

const counting = new AsyncLocalStorage<{ statements: number }>();

/**
 * Runs `fn` and returns how many statements it sent to the database (either driver). Only `fn`'s
 * own statements count (its async context), not those of a pipeline runner or timer working
 * meanwhile: for tests that check a read does not grow with the rows it lists.
 */
export async function countStatements<T>(db: Db, fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const client = (db as unknown as { $client: Record<string, (...a: unknown[]) => unknown> }).$client;
  const method = typeof client.unsafe === "function" ? "unsafe" : "query";
  const original = client[method];
  client[method] = function (this: unknown, ...a: unknown[]) {
    const c = counting.getStore();
    if (c) c.statements++;
    return original.apply(this, a);
  };
  const c = { statements: 0 };
  try {
    return { result: await counting.run(c, fn), statements: c.statements };
  } finally {
    client[method] = original;
  }
}

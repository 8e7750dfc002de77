import { sql } from "drizzle-orm";
import { openDb, setDbHandle } from "@/db";

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or — when DATABASE_URL is set —
 * the real Postgres with its schema dropped and migrated again (db tests run one file at a time).
 */
export async function freshDb() {
  process.env.AUTH_SECRET ??= "test-secret-test-secret-test-secret-test";
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = new URL(url).pathname.slice(1);
    if (!name.includes("test") && process.env.MC_TEST_ALLOW_RESET !== "1") {
      throw new Error(`Refusing to wipe database "${name}": database tests need a throwaway database whose name contains "test".`);
    }
    const reset = openDb({ url, migrate: false });
    await reset.db.execute(sql`drop schema if exists public cascade`);
    await reset.db.execute(sql`drop schema if exists drizzle cascade`);
    await reset.db.execute(sql`create schema public`);
    await reset.close();
  }
  const handle = url ? openDb({ url }) : openDb({ dataDir: "memory://" });
  await handle.ready;
  setDbHandle(handle);
  return handle;
}

export const driverName = process.env.DATABASE_URL ? "postgres" : "pglite";

import { sql } from "drizzle-orm";
import { openDb, setDbHandle } from "./index";

/**
 * Empties a throwaway Postgres database. Refuses unless its name contains `marker` ("test",
 * "bench"), so a test or benchmark pointed at a real database by mistake cannot wipe it.
 */
export async function wipeDatabase(url: string, marker: "test" | "bench") {
  const name = new URL(url).pathname.slice(1);
  if (!name.includes(marker) && process.env.MC_TEST_ALLOW_RESET !== "1") {
    throw new Error(`Refusing to wipe database "${name}": this run empties its database, so the name must contain "${marker}".`);
  }
  const h = openDb({ url, migrate: false });
  try {
    await h.db.execute(sql`drop schema if exists public cascade`);
    await h.db.execute(sql`drop schema if exists drizzle cascade`);
    // pg-boss keeps its queue in its own schema: jobs left by an earlier run would be worked first.
    await h.db.execute(sql`drop schema if exists pgboss cascade`);
    await h.db.execute(sql`create schema public`);
  } finally {
    await h.close();
  }
}

/**
 * A fresh, migrated database that `getDb()` then returns: in-memory PGlite, or — when
 * DATABASE_URL is set — that Postgres database, wiped first (see `wipeDatabase`).
 */
export async function openScratchDb(marker: "test" | "bench") {
  process.env.AUTH_SECRET ??= `${marker}-secret-${marker}-secret-${marker}-secret-00`;
  const url = process.env.DATABASE_URL;
  if (url) await wipeDatabase(url, marker);
  const handle = url ? openDb({ url }) : openDb({ dataDir: "memory://" });
  await handle.ready;
  setDbHandle(handle);
  return handle;
}

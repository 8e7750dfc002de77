import { openScratchDb } from "@/db/scratch";

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or — when DATABASE_URL is set —
 * the real Postgres with its schema dropped and migrated again (db tests run one file at a time).
 */
export const freshDb = () => openScratchDb("test");

export const driverName = process.env.DATABASE_URL ? "postgres" : "pglite";

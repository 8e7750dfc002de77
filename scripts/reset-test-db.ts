import { wipeDatabase } from "@/db/scratch";

/** Empties the throwaway test database named by DATABASE_URL (refuses names without "test"). */
const url = process.env.DATABASE_URL;
if (url) {
  wipeDatabase(url, "test").catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

import postgres from "postgres";

/** Empties the throwaway test database named by DATABASE_URL (refuses other names). */
async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const name = new URL(url).pathname.slice(1);
  if (!name.includes("test") && process.env.MC_TEST_ALLOW_RESET !== "1") {
    console.error(`Refusing to wipe database "${name}": test runs wipe their database, so its name must contain "test" (or set MC_TEST_ALLOW_RESET=1).`);
    process.exit(1);
  }
  const sql = postgres(url, { onnotice: () => {} });
  await sql`drop schema if exists public cascade`;
  await sql`drop schema if exists drizzle cascade`;
  await sql`create schema public`;
  await sql.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

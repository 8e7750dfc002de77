import { closeDb, getDbHandle } from "./index";

async function main() {
  const h = getDbHandle();
  await h.ready;
  console.log(`Migrations applied (${h.kind}).`);
  await closeDb();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

import { loadConfigOrExit } from "../lib/config";
import { closeDb, getDbHandle } from "./index";
import { seedDemoAndSay } from "./seed";

/**
 * `npm run db:seed`: applies the migrations and writes the demo organisation (teams, one user per
 * role, the fleet pointed at MOCK_FLEET_URL, a budget, labelled demo history) into the configured
 * database — PGlite in MC_DATA_DIR, or DATABASE_URL. Does nothing when the demo team exists.
 */
async function main() {
  const config = loadConfigOrExit("db:seed");
  const h = getDbHandle();
  await h.ready;
  await seedDemoAndSay(h.db, config.MOCK_FLEET_URL);
  await closeDb();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

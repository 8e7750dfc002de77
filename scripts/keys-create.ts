import { parseArgs } from "node:util";
import { eq } from "drizzle-orm";
import { closeDb, getDb } from "@/db";
import { teams } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { audit } from "@/lib/teams/service";

/** npm run keys:create -- --team <slug> [--name <name>]: an admin bootstrap that prints a new API key once. */
async function main() {
  const { values } = parseArgs({ options: { team: { type: "string" }, name: { type: "string" } } });
  if (!values.team) {
    console.error("Usage: npm run keys:create -- --team <slug> [--name <name>]");
    process.exit(2);
  }
  const db = await getDb();
  const [team] = await db.select().from(teams).where(eq(teams.slug, values.team));
  if (!team) {
    const known = (await db.select({ slug: teams.slug }).from(teams)).map((t) => t.slug);
    console.error(`No team with slug "${values.team}". Known teams: ${known.join(", ") || "none (start the app once to create the demo)"}.`);
    await closeDb();
    process.exit(1);
  }
  const { key, row } = await createApiKey(db, { teamId: team.id, name: values.name ?? "bootstrap key" });
  await audit(db, { teamId: team.id, actorUserId: null, action: "key.create", target: row.name, details: { via: "cli", prefix: row.prefix } });
  console.log(`Created API key "${row.name}" for team ${team.slug}. It is shown once; store it now:\n\n${key}\n`);
  await closeDb();
}

main().catch(async (e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

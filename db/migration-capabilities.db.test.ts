import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_CATALOG } from "@/lib/providers/catalog";
import { driverName } from "@/test/db";
import { migrationsFolder, openDb, rowsOf } from "./index";
import { wipeDatabase } from "./scratch";

/** The migrations up to and including `lastTag`, as a folder the migrator reads. */
function migrationsUpTo(lastTag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mc-migrations-"));
  fs.cpSync(migrationsFolder, dir, { recursive: true });
  const journalPath = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(fs.readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag === lastTag) + 1);
  fs.writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

let close: (() => Promise<void>) | undefined;
afterAll(async () => close?.());

describe(`migration 0005_model_capabilities on ${driverName}`, () => {
  it("gives the catalog's existing models their documented capabilities and leaves an admin's model without them", async () => {
    const url = process.env.DATABASE_URL;
    if (url) await wipeDatabase(url, "test");
    const h = url ? openDb({ url, migrate: false }) : openDb({ dataDir: "memory://", migrate: false });
    close = h.close;
    await h.ready;
    const migrate = async (folder: string) => {
      if (h.kind === "postgres") await (await import("drizzle-orm/postgres-js/migrator")).migrate(h.db as never, { migrationsFolder: folder });
      else await (await import("drizzle-orm/pglite/migrator")).migrate(h.db as never, { migrationsFolder: folder });
    };
    await migrate(migrationsUpTo("0004_ratings_one_per_rater"));

    // An installation from before: the catalog's rows and a model an admin added, without the columns.
    const [{ id: providerId }] = rowsOf<{ id: string }>(await h.db.execute(sql`insert into providers (kind, name, base_url) values ('openai_compatible', 'Lab', 'http://127.0.0.1:9/v1') returning id`));
    for (const name of [...DEFAULT_CATALOG.map((m) => m.model), "lab-model"]) {
      await h.db.execute(sql`insert into models (provider_id, name, display_name, context_window, input_price_micros, output_price_micros) values (${providerId}, ${name}, ${name}, 8192, 0, 0)`);
    }

    await migrate(migrationsFolder);
    const rows = rowsOf<{ name: string; tool_calling: boolean; image_input: boolean }>(await h.db.execute(sql`select name, tool_calling, image_input from models order by name`));
    const expected = [...DEFAULT_CATALOG.map((m) => ({ name: m.model, tool_calling: m.toolCalling, image_input: m.imageInput })), { name: "lab-model", tool_calling: false, image_input: false }];
    expect(rows.map((r) => ({ ...r }))).toEqual(expected.sort((a, b) => (a.name < b.name ? -1 : 1)));
  });
});

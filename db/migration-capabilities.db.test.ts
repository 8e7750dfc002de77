import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { placeInLine } from "@/lib/pipelines/queue";
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
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** An empty database migrated up to `lastTag`, and a function that applies the rest of the migrations. */
async function databaseAt(lastTag: string) {
  const url = process.env.DATABASE_URL;
  if (url) await wipeDatabase(url, "test");
  const h = url ? openDb({ url, migrate: false }) : openDb({ dataDir: "memory://", migrate: false });
  close = h.close;
  await h.ready;
  const migrate = async (folder: string) => {
    if (h.kind === "postgres") await (await import("drizzle-orm/postgres-js/migrator")).migrate(h.db as never, { migrationsFolder: folder });
    else await (await import("drizzle-orm/pglite/migrator")).migrate(h.db as never, { migrationsFolder: folder });
  };
  await migrate(migrationsUpTo(lastTag));
  return { db: h.db, migrateToLatest: () => migrate(migrationsFolder) };
}

/** An installation from before a migration: the catalog's models and one an admin added ("lab-model"), with only the columns every migration has. */
async function addCatalogAndLabModels(db: Awaited<ReturnType<typeof databaseAt>>["db"]) {
  const [{ id: providerId }] = rowsOf<{ id: string }>(await db.execute(sql`insert into providers (kind, name, base_url) values ('openai_compatible', 'Lab', 'http://127.0.0.1:9/v1') returning id`));
  for (const name of [...DEFAULT_CATALOG.map((m) => m.model), "lab-model"]) {
    await db.execute(sql`insert into models (provider_id, name, display_name, context_window, input_price_micros, output_price_micros) values (${providerId}, ${name}, ${name}, 8192, 0, 0)`);
  }
}

describe(`migration 0005_model_capabilities on ${driverName}`, () => {
  it("gives the catalog's existing models their documented capabilities and leaves an admin's model without them", async () => {
    const { db, migrateToLatest } = await databaseAt("0004_ratings_one_per_rater");

    // An installation from before: the catalog's rows and a model an admin added, without the columns.
    await addCatalogAndLabModels(db);

    await migrateToLatest();
    const rows = rowsOf<{ name: string; tool_calling: boolean; image_input: boolean }>(await db.execute(sql`select name, tool_calling, image_input from models order by name`));
    const expected = [...DEFAULT_CATALOG.map((m) => ({ name: m.model, tool_calling: m.toolCalling, image_input: m.imageInput })), { name: "lab-model", tool_calling: false, image_input: false }];
    expect(rows.map((r) => ({ ...r }))).toEqual(expected.sort((a, b) => (a.name < b.name ? -1 : 1)));
  });
});

describe(`migration 0006_provider_names_ignore_case on ${driverName}`, () => {
  it("keeps the oldest of names differing only in case, gives the others their id's first 8 characters, keeps their models, and then refuses another", async () => {
    const { db, migrateToLatest } = await databaseAt("0005_model_capabilities");
    const add = async (name: string, createdAt: string) =>
      rowsOf<{ id: string }>(await db.execute(sql`insert into providers (kind, name, base_url, created_at) values ('openai_compatible', ${name}, 'http://127.0.0.1:9/v1', ${createdAt}) returning id`))[0].id;
    const newer = await add("openai", "2026-02-01T00:00:00Z");
    const older = await add("OpenAI", "2026-01-01T00:00:00Z");
    const other = await add("Mistral", "2026-03-01T00:00:00Z");
    await db.execute(sql`insert into models (provider_id, name, display_name, context_window, input_price_micros, output_price_micros) values (${newer}, 'lab-model', 'Lab model', 8192, 0, 0)`);

    await migrateToLatest();
    const rows = rowsOf<{ id: string; name: string }>(await db.execute(sql`select id, name from providers`));
    expect(Object.fromEntries(rows.map((r) => [r.id, r.name]))).toEqual({ [older]: "OpenAI", [newer]: `openai (${newer.slice(0, 8)})`, [other]: "Mistral" });
    expect(rowsOf<{ provider_id: string }>(await db.execute(sql`select provider_id from models where name = 'lab-model'`))[0].provider_id).toBe(newer);
    await expect(db.execute(sql`insert into providers (kind, name, base_url) values ('openai_compatible', 'MISTRAL', 'http://127.0.0.1:9/v1')`)).rejects.toThrow();
  });
});

describe(`migration 0007_alerts_per_limit_key_lineage on ${driverName}`, () => {
  it("gives the alerts already fired their budget's limit, so they still fire once, and a changed limit can fire again", async () => {
    const { db, migrateToLatest } = await databaseAt("0006_provider_names_ignore_case");
    const [{ id: teamId }] = rowsOf<{ id: string }>(await db.execute(sql`insert into teams (slug, name) values ('old', 'Old') returning id`));
    const [{ id: budgetId }] = rowsOf<{ id: string }>(await db.execute(sql`insert into budgets (team_id, name, limit_micros, period_start, spent_micros) values (${teamId}, 'b', 10000, '2026-11-01T00:00:00Z', 8000) returning id`));
    await db.execute(sql`insert into budget_alerts (budget_id, team_id, period_start, threshold, spent_micros) values (${budgetId}, ${teamId}, '2026-11-01T00:00:00Z', 80, 8000)`);

    await migrateToLatest();
    expect(rowsOf<{ limit_micros: string | number }>(await db.execute(sql`select limit_micros from budget_alerts`)).map((r) => Number(r.limit_micros))).toEqual([10000]);
    expect(rowsOf<{ s: string | number }>(await db.execute(sql`select limit_set_spent_micros as s from budgets`)).map((r) => Number(r.s))).toEqual([0]);
    const again = (limit: number) => db.execute(sql`insert into budget_alerts (budget_id, team_id, period_start, threshold, limit_micros, spent_micros) values (${budgetId}, ${teamId}, '2026-11-01T00:00:00Z', 80, ${limit}, 8000) on conflict do nothing returning id`);
    expect(rowsOf(await again(10000))).toHaveLength(0);
    expect(rowsOf(await again(40000))).toHaveLength(1);
  });
});

describe(`migration 0008_team_zone on ${driverName}`, () => {
  it("files the usage of a team already set to another zone under that zone's days, and leaves UTC teams' rows as they were", async () => {
    const { db, migrateToLatest } = await databaseAt("0007_alerts_per_limit_key_lineage");
    const team = async (slug: string, tz: string) => rowsOf<{ id: string }>(await db.execute(sql`insert into teams (slug, name, timezone) values (${slug}, ${slug}, ${tz}) returning id`))[0].id;
    const tokyo = await team("tokyo", "Asia/Tokyo");
    const utc = await team("utc", "UTC");
    // As the recorder filed them before: by UTC day. 20 Nov 15:10 UTC is 21 Nov in Tokyo.
    for (const [t, at, cost] of [[tokyo, "2026-11-20T14:30:00Z", 1], [tokyo, "2026-11-20T15:10:00Z", 10], [utc, "2026-11-20T15:10:00Z", 100]] as const) {
      await db.execute(sql`insert into requests (team_id, source, model, status, cost_micros, created_at) values (${t}, 'api', 'm', 'ok', ${cost}, ${at})`);
      await db.execute(sql`insert into usage_daily (day, team_id, model, requests, cost_micros) values (${at.slice(0, 10)}, ${t}, 'm', 1, ${cost})
        on conflict (team_id, day, model, user_id, api_key_id) do update set requests = usage_daily.requests + 1, cost_micros = usage_daily.cost_micros + excluded.cost_micros`);
    }
    // A UTC team's row the requests no longer explain (earlier days keep their figures): untouched.
    await db.execute(sql`insert into usage_daily (day, team_id, model, requests, cost_micros) values ('2026-10-01', ${utc}, 'm', 5, 5000)`);

    await migrateToLatest();
    const days = async (t: string) =>
      Object.fromEntries(rowsOf<{ day: string; cost: string | number }>(await db.execute(sql`select day::text as day, cost_micros as cost from usage_daily where team_id = ${t} order by day`)).map((r) => [r.day, Number(r.cost)]));
    expect(await days(tokyo)).toEqual({ "2026-11-20": 1, "2026-11-21": 10 });
    expect(await days(utc)).toEqual({ "2026-10-01": 5000, "2026-11-20": 100 });
    expect(rowsOf(await db.execute(sql`select period_ends_at from budgets`))).toEqual([]);
  });
});

describe(`migration 0009_model_reasoning_effort on ${driverName}`, () => {
  it("ticks reasoning effort for the models the name rule gave it (OpenAI o-series and gpt-5, xAI grok-3-mini) and for no other", async () => {
    const { db, migrateToLatest } = await databaseAt("0008_team_zone");
    const provider = async (kind: string) => rowsOf<{ id: string }>(await db.execute(sql`insert into providers (kind, name, base_url) values (${kind}, ${kind}, 'http://127.0.0.1:9/v1') returning id`))[0].id;
    const byKind: Record<string, string[]> = {
      openai: ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4o-mini", "omni-moderation"],
      xai: ["grok-3-mini", "grok-3-mini-fast", "grok-3", "grok-4"],
      anthropic: ["claude-sonnet-4-20250514"],
      // The rule looked at the kind: an OpenAI-compatible endpoint's "o3" was not taken for OpenAI's.
      openai_compatible: ["deepseek-r1", "o3-lab"],
    };
    for (const [kind, names] of Object.entries(byKind)) {
      const id = await provider(kind);
      for (const name of names) await db.execute(sql`insert into models (provider_id, name, display_name, context_window, input_price_micros, output_price_micros) values (${id}, ${name}, ${name}, 8192, 0, 0)`);
    }

    await migrateToLatest();
    const on = rowsOf<{ name: string }>(await db.execute(sql`select name from models where reasoning_effort order by name`)).map((r) => r.name);
    expect(on).toEqual(["gpt-5", "gpt-5-mini", "grok-3-mini", "grok-3-mini-fast", "o1", "o3-mini", "o4-mini"]);
    // A new installation's seed also ticks Claude Sonnet 4 (extended thinking); the migration left
    // Anthropic's rows as they were, for an admin to tick.
    expect(DEFAULT_CATALOG.filter((m) => m.reasoningEffort).map((m) => m.model)).toEqual(["claude-sonnet-4-20250514", "grok-3-mini"]);
  });
});

describe(`migration 0010_pipeline_runs_active_idx on ${driverName}`, () => {
  it("counts a queued run's place in line from the runs waiting or running, not by reading every finished run", async () => {
    const { db, migrateToLatest } = await databaseAt("0009_model_reasoning_effort");
    const [{ id: teamId }] = rowsOf<{ id: string }>(await db.execute(sql`insert into teams (slug, name) values ('busy', 'Busy') returning id`));
    const [{ id: pipelineId }] = rowsOf<{ id: string }>(await db.execute(sql`insert into pipelines (team_id, name, steps) values (${teamId}, 'p', '[]') returning id`));
    // A long history of finished runs; then one running and three waiting, oldest first.
    await db.execute(sql`insert into pipeline_runs (pipeline_id, team_id, status, input, created_at)
      select ${pipelineId}, ${teamId}, 'succeeded', 'x', now() - make_interval(secs => g) from generate_series(1, 5000) g`);
    const add = async (status: string, secondsFromNow: number) =>
      rowsOf<{ id: string }>(await db.execute(sql`insert into pipeline_runs (pipeline_id, team_id, status, input, created_at) values (${pipelineId}, ${teamId}, ${status}, 'x', now() + make_interval(secs => ${secondsFromNow})) returning id`))[0].id;
    await add("running", 1);
    const waiting = [await add("queued", 2), await add("queued", 3), await add("queued", 4)];

    const plan = async () => {
      await db.execute(sql`analyze pipeline_runs`);
      const { sql: text, params } = placeInLine(db, teamId, waiting).toSQL();
      const client = (db as unknown as { $client: { unsafe?: (q: string, p: unknown[]) => Promise<unknown>; query?: (q: string, p: unknown[]) => Promise<unknown> } }).$client;
      const explained = client.unsafe ? await client.unsafe(`explain ${text}`, params) : await client.query!(`explain ${text}`, params);
      return rowsOf<{ "QUERY PLAN": string }>(explained).map((r) => r["QUERY PLAN"]).join("\n");
    };
    const before = await plan();
    expect(before).toContain("Seq Scan on pipeline_runs");

    await migrateToLatest();
    const after = await plan();
    expect(after).toContain("pipeline_runs_active_idx");
    expect(after).not.toContain("Seq Scan on pipeline_runs");
    const rows = await placeInLine(db, teamId, waiting);
    expect(waiting.map((id) => rows.find((r) => r.id === id)?.ahead)).toEqual([0, 1, 2]);
    expect(rows.every((r) => r.running === 1 && r.mine === 1)).toBe(true);
  });
});

describe(`migration 0012_model_max_output_tokens on ${driverName}`, () => {
  it("gives the catalog's existing models their documented output limits, never above a window an admin lowered, and leaves the rest unknown (null)", async () => {
    const { db, migrateToLatest } = await databaseAt("0011_thinking_blocks");
    await addCatalogAndLabModels(db);
    for (const m of DEFAULT_CATALOG) await db.execute(sql`update models set context_window = ${m.contextWindow} where name = ${m.model}`);
    // An admin had lowered Sonnet 4's window below its 64,000-token output limit.
    await db.execute(sql`update models set context_window = 32000 where name = 'claude-sonnet-4-20250514'`);

    await migrateToLatest();
    const rows = rowsOf<{ name: string; max_output_tokens: number | null }>(await db.execute(sql`select name, max_output_tokens from models`));
    const limits = Object.fromEntries(rows.map((r) => [r.name, r.max_output_tokens]));
    expect(limits).toEqual({ ...Object.fromEntries(DEFAULT_CATALOG.map((m) => [m.model, m.maxOutputTokens])), "claude-sonnet-4-20250514": 32000, "lab-model": null });
    expect(Object.values(limits).filter((v) => v !== null)).toHaveLength(5);
  });
});

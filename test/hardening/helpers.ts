import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { returnLeases } from "@/lib/budgets";

export const ROOT = path.resolve(__dirname, "../..");

type Rows = Record<string, unknown>[];
/** db.execute answers `{ rows }` on PGlite and an array on postgres-js. */
export async function rowsOf(db: Db, q: ReturnType<typeof sql>): Promise<Rows> {
  const r = (await db.execute(q)) as unknown as { rows?: Rows } | Rows;
  return Array.isArray(r) ? r : (r.rows ?? []);
}

let tableCache: { name: string; teamScoped: boolean }[] | null = null;
export async function publicTables(db: Db) {
  if (tableCache) return tableCache;
  const rows = await rowsOf(
    db,
    sql`select t.table_name as name, exists (select 1 from information_schema.columns c where c.table_schema = 'public' and c.table_name = t.table_name and c.column_name = 'team_id') as team_scoped
        from information_schema.tables t where t.table_schema = 'public' and t.table_type = 'BASE TABLE' order by 1`,
  );
  tableCache = rows.map((r) => ({ name: String(r.name), teamScoped: r.team_scoped === true || r.team_scoped === "t" }));
  return tableCache;
}
export function resetTableCache() {
  tableCache = null;
}

/**
 * A fingerprint (api_keys.last_used_at aside: the gateway touches it in the background every few seconds) of every row of every table in the public schema (or, with `teamId`, of the
 * rows of team-scoped tables that belong to that team): equal fingerprints mean nothing was
 * written. Used to prove a refused call changed nothing.
 */
export async function snapshot(db: Db, opts: { teamId?: string } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of await publicTables(db)) {
    if (opts.teamId && !t.teamScoped) continue;
    const where = opts.teamId ? sql` where x.team_id = ${opts.teamId}` : sql``;
    const [r] = await rowsOf(db, sql`select count(*)::int as n, md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at')::text, '|' order by (to_jsonb(x) - 'last_used_at')::text), '')) as h from ${sql.identifier(t.name)} x${where}`);
    out[t.name] = `${r.n}:${r.h}`;
  }
  return out;
}

export function diff(a: Record<string, string>, b: Record<string, string>): string[] {
  return Object.keys({ ...a, ...b }).filter((k) => a[k] !== b[k]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until no background write (learning signals, key touches, grouped writers) is still landing. */
export async function quiet(db: Db, opts: { teamId?: string } = {}) {
  // This process's budget leases go back first: the 1 s maintenance tick returns idle ones (a write
  // to budgets, their leases and the ledger) at a moment no 25 ms wait can foresee.
  await returnLeases(db);
  let prev = await snapshot(db, opts);
  for (let i = 0; i < 40; i++) {
    await sleep(25);
    const next = await snapshot(db, opts);
    if (!diff(prev, next).length) return next;
    prev = next;
  }
  return prev;
}

/** Files under `dir` (relative to the repo) whose name matches. */
export function walk(dir: string, match: (file: string) => boolean): string[] {
  const out: string[] = [];
  const abs = path.join(ROOT, dir);
  for (const name of readdirSync(abs)) {
    const rel = path.join(dir, name);
    const st = statSync(path.join(ROOT, rel));
    if (st.isDirectory()) {
      if (name === "node_modules" || name.startsWith(".")) continue;
      out.push(...walk(rel, match));
    } else if (match(rel)) out.push(rel);
  }
  return out.sort();
}

/** Every module of lib/ and app/ that starts with the "use server" directive. */
export function serverActionModules(): string[] {
  return [...walk("lib", (f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f)), ...walk("app", (f) => /\.tsx?$/.test(f))].filter((f) =>
    /^\s*(\/\/[^\n]*\n\s*)*["']use server["']/.test(readFileSync(path.join(ROOT, f), "utf8")),
  );
}

/** Every Next route handler under app/api with the methods it exports, as `METHOD /api/…`. */
export function nextApiRoutes(): string[] {
  const out: string[] = [];
  for (const f of walk("app/api", (x) => x.endsWith("/route.ts"))) {
    const text = readFileSync(path.join(ROOT, f), "utf8");
    const methods = new Set<string>();
    for (const line of text.split("\n").filter((l) => l.startsWith("export "))) for (const m of line.matchAll(/\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b/g)) methods.add(m[1]);
    const route = "/" + path.dirname(f).split(path.sep).slice(1).join("/");
    for (const m of methods) out.push(`${m} ${route}`);
  }
  return out.sort();
}

import fs from "node:fs";
import path from "node:path";
import type { Db } from "@/db";
import { DEFAULT_DATA_DIR } from "@/lib/config";
import { insertRequestRecords, type RequestRecord } from "./record";

/**
 * The request spool: where a finished request's row goes when the database cannot take it (down,
 * restarting, connection lost). The provider has been paid by then and its answer is in hand, so
 * the caller gets the answer and the row waits in a local file, one JSON line per request
 * (appended synchronously, so it survives this process), until `replaySpool` writes it.
 *
 * Replaying is idempotent: insertRequestRecords skips a row whose id is already there, with its
 * payload and rollup share. The row's cost stays pending in lib/budgets' memory and is written by
 * the next settlement, as for any row. If this process also stops before the database comes back,
 * the rows are written by the next process to start, but those costs reach no budget's `spent`
 * (the lease they were held on expires instead): the spool keeps the record, not the settlement.
 *
 * A row the database refuses for its data (a constraint, a malformed value) is not spooled: it
 * would fail the same way forever. See `isTransient`.
 */

type SpoolState = { file: string | null; timer: NodeJS.Timeout | null; replaying: Promise<number> | null };
const g = globalThis as { __mcSpool?: SpoolState };
const st: SpoolState = (g.__mcSpool ??= { file: null, timer: null, replaying: null });
const CHUNK = 500;
const FILE = /^requests-(\d+)-[0-9a-f]{8}\.jsonl$/;

/** `MC_SPOOL_DIR`, else `spool/` beside the PGlite data folder (./.data/spool). */
export function spoolDir(): string {
  return path.resolve(process.env.MC_SPOOL_DIR || path.join(path.dirname(path.resolve(process.env.MC_DATA_DIR || DEFAULT_DATA_DIR)), "spool"));
}

const retryMs = () => Number(process.env.MC_SPOOL_RETRY_MS) || 5_000;

/**
 * Whether a failed write may succeed later. A Postgres error carries a five-character SQLSTATE:
 * connection (08), resources (53), operator intervention such as a shutdown (57), system (58, XX)
 * and serialization (40) are transient; data (22), constraints (23), syntax or a missing object
 * (42) are not. An error without one (connection refused or reset, a closed client) is transient.
 */
export function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return /^(08|40|53|57|58|XX)/.test(code);
  return true;
}

/** Appends rows the database could not take now; a timer writes them once it can. */
export function spoolRequests(db: Db, recs: RequestRecord[]): void {
  const dir = spoolDir();
  fs.mkdirSync(dir, { recursive: true });
  st.file ??= path.join(dir, `requests-${process.pid}-${crypto.randomUUID().slice(0, 8)}.jsonl`);
  // createdAt is fixed now, so the row keeps the time of the call, not of the replay.
  const lines = recs.map((r) => JSON.stringify({ ...r, createdAt: (r.createdAt ?? new Date()).toISOString() }) + "\n").join("");
  fs.appendFileSync(st.file, lines);
  console.warn(`[spool] the database could not take ${recs.length} request row(s); kept in ${st.file} until it can`);
  schedule(db);
}

/** Replays now, and again after `retryMs` while rows are still waiting. */
function replayAndRetry(db: Db): void {
  replaySpool(db).then(
    (left) => left > 0 && schedule(db),
    (e) => {
      console.error("[spool] could not replay", e);
      schedule(db);
    },
  );
}

function schedule(db: Db) {
  if (st.timer) return;
  st.timer = setTimeout(() => {
    st.timer = null;
    replayAndRetry(db);
  }, retryMs());
  st.timer.unref();
}

/** Writes what an earlier run of this process or a stopped one left in the spool (server start). */
export function startRequestSpool(db: Db): void {
  replayAndRetry(db);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Writes the spooled rows of this process and of processes that no longer run, and deletes each
 * file once all its rows are in. Returns how many rows are still waiting (the database is still
 * down). One replay at a time per process.
 */
export function replaySpool(db: Db): Promise<number> {
  return (st.replaying ??= replay(db).finally(() => {
    st.replaying = null;
  }));
}

async function replay(db: Db): Promise<number> {
  const dir = spoolDir();
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return 0;
  }
  let left = 0;
  for (const name of names) {
    const m = FILE.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    const pid = Number(m[1]);
    if (file === st.file) st.file = null; // rows spooled from now on go to a new file
    else if (pid !== process.pid && alive(pid)) continue; // a running process replays its own
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue; // replayed and removed by another process meanwhile
    }
    const recs: RequestRecord[] = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as RequestRecord & { createdAt: string };
        recs.push({ ...r, createdAt: new Date(r.createdAt) });
      } catch {
        // A line cut short by a crash during the append: nothing to write.
        console.error(`[spool] skipped an unreadable line in ${file}`);
      }
    }
    let done = 0;
    let refused = 0;
    try {
      while (done < recs.length) {
        const chunk = recs.slice(done, done + CHUNK);
        refused += await writeChunk(db, chunk, file);
        done += chunk.length;
      }
    } catch (e) {
      if (!isTransient(e)) throw e;
      // Still down: keep the file (rows already in are skipped next time) and stop here.
      left += recs.length - done;
      break;
    }
    fs.rmSync(file, { force: true });
    console.log(`[spool] replayed ${recs.length - refused} spooled request row(s) from ${name}${refused ? `; ${refused} refused (see ${name}.refused)` : ""}`);
  }
  return left;
}

/**
 * One chunk in one statement; if the database refuses it for its data, row by row, setting aside
 * the rows it refuses. Returns how many it set aside.
 */
async function writeChunk(db: Db, chunk: RequestRecord[], file: string): Promise<number> {
  try {
    await insertRequestRecords(db, chunk);
    return 0;
  } catch (e) {
    if (isTransient(e)) throw e;
  }
  let refused = 0;
  for (const rec of chunk) {
    try {
      await insertRequestRecords(db, [rec]);
    } catch (e) {
      if (isTransient(e)) throw e;
      fs.appendFileSync(`${file}.refused`, JSON.stringify({ error: (e as Error).message, row: rec }) + "\n");
      console.error(`[spool] the database refused a spooled row (${(e as Error).message}); kept in ${file}.refused`);
      refused++;
    }
  }
  return refused;
}

/** For tests: forget the current file and stop the retry timer. */
export function resetSpoolState() {
  if (st.timer) clearTimeout(st.timer);
  st.timer = null;
  st.file = null;
}

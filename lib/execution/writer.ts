import { isEmbedded, type Db } from "@/db";
import { flushBudgets, writeWithSettlements } from "@/lib/budgets";
import { insertRequestRecords, type RequestRecord } from "./record";
import { isTransient, spoolRequests } from "./spool";

type Pending = { rec: RequestRecord; resolve: () => void; reject: (e: unknown) => void };
type WriterState = { queue: Pending[]; draining: boolean; db: Db | null };
const g = globalThis as { __mcWriter?: WriterState };
const MAX_GROUP = 500;

async function writeGroup(db: Db, group: Pending[]) {
  try {
    // The group's rows and every budget settlement pending in this process, in one statement.
    await writeWithSettlements(db, (settlements) => insertRequestRecords(db, group.map((p) => p.rec), settlements));
    for (const p of group) p.resolve();
    return;
  } catch (e) {
    // The database cannot take anything now: keep the rows in the spool (the answers go out; the
    // costs stay pending in memory until a settlement can be written).
    if (isTransient(e) && spool(db, group)) return;
  }
  // One bad row must not lose the others: fall back to one statement per row, and let the
  // budget flusher write the settlements (awaited, so each cost is durable before its answer).
  for (const p of group) {
    try {
      await insertRequestRecords(db, [p.rec]);
      p.resolve();
    } catch (e) {
      if (!(isTransient(e) && spool(db, [p]))) p.reject(e);
    }
  }
  await flushBudgets().catch(() => {});
}

/** Spools the rows and resolves their promises; false (nothing done) if even the spool file cannot be written. */
function spool(db: Db, group: Pending[]): boolean {
  try {
    spoolRequests(db, group.map((p) => p.rec));
  } catch (e) {
    console.error("[spool] could not write the spool file", e);
    return false;
  }
  for (const p of group) p.resolve();
  return true;
}

async function drain(state: WriterState) {
  try {
    while (state.queue.length && state.db) await writeGroup(state.db, state.queue.splice(0, MAX_GROUP));
  } finally {
    state.draining = false;
  }
}

/**
 * Records one finished request (group commit). When the writer is idle the row is written at
 * once on Postgres (after the current microtasks — not after the next event-loop turn, which
 * under load waits behind every pending I/O callback) and at the end of this turn on PGlite;
 * while a write is in flight, new rows queue and go together in the next statement. The promise
 * resolves once this row is committed, so a caller can answer its client knowing it exists — or,
 * when the database cannot be reached, once the row is in the local spool (spool.ts), from which
 * it is written when the database is back. It rejects only for a row the database refuses.
 */
export function recordRequest(db: Db, rec: RequestRecord): Promise<void> {
  const state = (g.__mcWriter ??= { queue: [], draining: false, db: null });
  state.db = db;
  return new Promise((resolve, reject) => {
    state.queue.push({ rec, resolve, reject });
    if (!state.draining) {
      state.draining = true;
      // Postgres: at once — rows arriving while the statement is in flight form the next group.
      // PGlite runs the statement on this thread, so nothing can arrive meanwhile: wait for the
      // end of this event-loop turn instead, so the rows of every response read in it share one.
      if (isEmbedded(db)) setImmediate(() => void drain(state));
      else queueMicrotask(() => void drain(state));
    }
  });
}

import type { Db } from "@/db";
import { insertRequestRecords, type RequestRecord } from "./record";

type Pending = { rec: RequestRecord; resolve: () => void; reject: (e: unknown) => void };
type WriterState = { queue: Pending[]; timer: NodeJS.Timeout | null; db: Db | null };
const g = globalThis as { __mcWriter?: WriterState };
const WINDOW_MS = 2;
const MAX_GROUP = 500;

async function flush(state: WriterState) {
  state.timer = null;
  const group = state.queue.splice(0, MAX_GROUP);
  if (state.queue.length) state.timer = setTimeout(() => void flush(state), 0);
  if (!group.length || !state.db) return;
  try {
    await insertRequestRecords(state.db, group.map((p) => p.rec));
    for (const p of group) p.resolve();
  } catch {
    // One bad row must not lose the others: fall back to one transaction per row.
    for (const p of group) {
      try {
        await insertRequestRecords(state.db, [p.rec]);
        p.resolve();
      } catch (e) {
        p.reject(e);
      }
    }
  }
}

/**
 * Records one finished request. Rows of concurrent requests are grouped into one INSERT every
 * couple of milliseconds; the returned promise resolves once this row is committed, so a caller
 * can answer its client knowing the record exists.
 */
export function recordRequest(db: Db, rec: RequestRecord): Promise<void> {
  const state = (g.__mcWriter ??= { queue: [], timer: null, db: null });
  state.db = db;
  return new Promise((resolve, reject) => {
    state.queue.push({ rec, resolve, reject });
    if (state.queue.length >= MAX_GROUP) {
      if (state.timer) clearTimeout(state.timer);
      void flush(state);
    } else if (!state.timer) {
      state.timer = setTimeout(() => void flush(state), WINDOW_MS);
    }
  });
}

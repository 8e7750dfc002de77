import path from "node:path";
import { Worker } from "node:worker_threads";

type Result<T = unknown> = { rows: T[]; fields: { name: string; dataTypeID: number }[]; affectedRows?: number };
type QueryOptions = { rowMode?: "array" | "object"; parsers?: Record<number, (v: string) => unknown> };
type Message = { op: string; tx?: number; sql?: string; params?: unknown[]; rowMode?: string; rawTypes?: number[] };

const WORKER_FILE = path.join(/* turbopackIgnore: true */ process.cwd(), "db", "pglite-thread-worker.cjs");

/**
 * PGlite on its own thread. The embedded database is Postgres compiled to WebAssembly: in the
 * app's thread its work (about a third of the gateway's CPU under load) competed with everything
 * else there, and the process could use one core. Here it runs in a worker thread of the same
 * process (still one process per data folder) and the app's thread only posts statements.
 *
 * It offers what drizzle's PGlite driver and `rawQuery` use — `query`, `exec`, `transaction`,
 * `waitReady`, `close` — with PGlite's own semantics: one statement at a time, and an open
 * transaction holds the database until it ends. Type parsers cannot cross threads; the only ones
 * passed (drizzle's) keep values as text, so they are sent as a list of type ids to keep as text.
 */
export class PGliteThread {
  readonly waitReady: Promise<void>;
  #worker: Worker;
  #seq = 0;
  #tx = 0;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #dead: Error | null = null;
  #closed = false;

  constructor(dataDir?: string) {
    this.#worker = new Worker(WORKER_FILE, { workerData: { dataDir } });
    this.#worker.unref();
    this.#worker.on("message", (m: { id: number; result?: unknown; error?: Record<string, unknown> }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (!this.#pending.size) this.#worker.unref();
      if (m.error) p.reject(Object.assign(new Error(String(m.error.message)), m.error));
      else p.resolve(m.result);
    });
    const die = (e: Error) => {
      this.#dead = e;
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    this.#worker.on("error", die);
    this.#worker.on("exit", (code) => die(this.#closed ? new Error("The embedded database is closed.") : new Error(`The embedded database's thread exited (code ${code}).`)));
    this.waitReady = this.#call({ op: "ready" }) as Promise<void>;
  }

  #call(m: Message): Promise<unknown> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      // Keep the process alive while a statement is out; an idle database does not hold it open.
      if (!this.#pending.size) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...m });
    });
  }

  #query(tx: number | undefined, sql: string, params: unknown[] = [], opts: QueryOptions = {}): Promise<Result> {
    const rawTypes = opts.parsers ? Object.keys(opts.parsers).map(Number) : undefined;
    return this.#call({ op: "query", tx, sql, params, rowMode: opts.rowMode, rawTypes }) as Promise<Result>;
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[], opts?: QueryOptions): Promise<Result<T>> {
    return this.#query(undefined, sql, params, opts) as Promise<Result<T>>;
  }

  exec(sql: string): Promise<Result[]> {
    return this.#call({ op: "exec", sql }) as Promise<Result[]>;
  }

  async transaction<T>(fn: (tx: { query: PGliteThread["query"]; exec: PGliteThread["exec"]; rollback: () => Promise<void>; readonly closed: boolean }) => Promise<T>): Promise<T> {
    const tx = ++this.#tx;
    await this.#call({ op: "begin", tx });
    let closed = false;
    const handle = {
      query: <R,>(sql: string, params?: unknown[], opts?: QueryOptions) => this.#query(tx, sql, params, opts) as Promise<Result<R>>,
      exec: (sql: string) => this.#call({ op: "exec", tx, sql }) as Promise<Result[]>,
      rollback: async () => {
        closed = true;
        await this.#call({ op: "rollback", tx });
      },
      get closed() {
        return closed;
      },
    };
    try {
      const result = await fn(handle);
      if (!closed) {
        closed = true;
        await this.#call({ op: "commit", tx });
      }
      return result;
    } catch (e) {
      if (!closed) {
        closed = true;
        await this.#call({ op: "rollback", tx });
      }
      throw e;
    }
  }

  async close() {
    if (this.#dead) return;
    await this.#call({ op: "close" });
    this.#closed = true;
    await this.#worker.terminate();
  }
}

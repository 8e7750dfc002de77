import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGliteThread } from "./pglite-thread";

let pg: PGliteThread;
beforeAll(async () => {
  pg = new PGliteThread();
  await pg.waitReady;
  await pg.exec("create table t (id int primary key, note text, at timestamptz default '2026-01-02T03:04:05Z')");
});
afterAll(async () => pg?.close());

const ids = async () => (await pg.query<{ id: number }>("select id from t order by id")).rows.map((r) => r.id);

describe("PGlite on its own thread", () => {
  it("runs statements with parameters, in object or array rows, and keeps drizzle's text-typed values as text", async () => {
    await pg.query("insert into t (id, note) values ($1, $2), ($3, $4)", [1, "one", 2, "two"]);
    expect((await pg.query("select id, note from t where id = $1", [2])).rows).toEqual([{ id: 2, note: "two" }]);
    expect((await pg.query("select id, note from t order by id", [], { rowMode: "array" })).rows).toEqual([
      [1, "one"],
      [2, "two"],
    ]);
    // 1184 = timestamptz: drizzle passes a parser that keeps the text; without one PGlite gives a Date.
    const raw = (await pg.query<{ at: unknown }>("select at from t where id = 1", [], { parsers: { 1184: (v: string) => v } })).rows[0].at;
    expect(typeof raw).toBe("string");
    expect((await pg.query<{ at: unknown }>("select at from t where id = 1")).rows[0].at).toBeInstanceOf(Date);
    const results = await pg.exec("select 1 as a; select 2 as b");
    expect(results.map((r) => r.rows)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
  });

  it("rejects with Postgres' error code and message", async () => {
    const err = (await pg.query("insert into t (id) values (1)").catch((e: unknown) => e)) as { code?: string; message: string; constraint?: string };
    expect(err.code).toBe("23505");
    expect(err.constraint).toBe("t_pkey");
    expect(err.message).toMatch(/duplicate key/);
  });

  it("commits a transaction, rolls one back when its callback throws, and holds other statements until it ends", async () => {
    await pg.transaction(async (tx) => {
      await tx.query("insert into t (id) values (10)");
    });
    expect(await ids()).toContain(10);

    await expect(
      pg.transaction(async (tx) => {
        await tx.query("insert into t (id) values (11)");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await ids()).not.toContain(11);

    const order: string[] = [];
    let outside: Promise<unknown> = Promise.resolve();
    await pg.transaction(async (tx) => {
      await tx.query("insert into t (id) values (12)");
      outside = pg.query("insert into t (id) values (13)").then(() => order.push("outside"));
      await new Promise((r) => setTimeout(r, 50));
      expect((await tx.query<{ id: number }>("select id from t where id = 13")).rows).toEqual([]);
      order.push("tx end");
    });
    await outside;
    expect(order).toEqual(["tx end", "outside"]);
    expect(await ids()).toEqual(expect.arrayContaining([12, 13]));
  });

  it("a failed statement inside a transaction rolls the whole transaction back", async () => {
    const err = await pg
      .transaction(async (tx) => {
        await tx.query("insert into t (id) values (20)");
        await tx.query("insert into t (id) values (1)");
      })
      .catch((e: { code?: string }) => e);
    expect((err as { code?: string }).code).toBe("23505");
    expect(await ids()).not.toContain(20);
  });

  it("a long statement does not hold up the app's thread: timers and other work go on meanwhile", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const t0 = performance.now();
    // A statement that keeps the database busy for 400 ms (pg_sleep runs inside the WebAssembly backend).
    await pg.query("select pg_sleep(0.4)");
    clearInterval(timer);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
    // In the app's thread this would be 0 ticks (the thread would be blocked); here the 10 ms timer kept firing.
    expect(ticks).toBeGreaterThanOrEqual(20);
  });

  it("refuses statements once closed, with a clear error", async () => {
    const other = new PGliteThread();
    await other.waitReady;
    await other.close();
    await expect(other.query("select 1")).rejects.toThrow("The embedded database is closed.");
  });
});

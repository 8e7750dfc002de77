import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, rawQuery, type Db } from "@/db";
import { driverName, freshDb } from "@/test/db";

let db: Db;
beforeAll(async () => {
  db = (await freshDb()).db;
});
afterAll(closeDb);

describe(`rawQuery (${driverName})`, () => {
  it("runs a prepared statement with text and number parameters, quotes included, many times", async () => {
    for (const [t, n] of [["it's", 1], ["a 'quoted' \\\\ text", 2.5], ["", -3]] as const) {
      const rows = await rawQuery<{ t: string; n: string | number }>(db, "raw_test_echo", "select $1::text as t, $2::numeric as n", [t, n]);
      expect(rows).toHaveLength(1);
      expect(rows[0].t).toBe(t);
      expect(Number(rows[0].n)).toBe(n);
    }
  });

  it("works when another copy of the module (Next's bundle) prepared the same statement first", async () => {
    await rawQuery(db, "raw_test_shared", "select 1 as one", []);
    // What a second copy of db/index.ts sees: its own (empty) memory of what was prepared.
    const client = (db as unknown as { $client: Record<symbol, Set<string> | undefined> }).$client;
    client[Symbol.for("mission-control.db.prepared")]?.clear();
    const rows = await rawQuery<{ one: number }>(db, "raw_test_shared", "select 1 as one", []);
    expect(Number(rows[0].one)).toBe(1);
  });

  it("refuses a text parameter holding U+0000 instead of sending it", async () => {
    await expect(rawQuery(db, "raw_test_nul", "select $1::text as t", ["a\u0000b"])).rejects.toThrow(/U\+0000|0x00|null character/i);
  });
});

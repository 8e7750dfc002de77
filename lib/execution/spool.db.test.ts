import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeDb, openDb, type Db } from "@/db";
import { requestPayloads, requests, usageDaily } from "@/db/schema";
import { createUser } from "@/lib/auth/users";
import { createTeam } from "@/lib/teams/service";
import { driverName, freshDb } from "@/test/db";
import { insertRequestRecords, type RequestRecord } from "./record";
import { replaySpool, resetSpoolState, spoolDir, spoolRequests } from "./spool";
import { recordRequest } from "./writer";

let db: Db;
let teamId: string;
// A database that cannot be reached: nothing listens on port 1.
const down = openDb({ url: "postgres://postgres@127.0.0.1:1/unreachable", migrate: false });
down.ready.catch(() => {});

beforeAll(async () => {
  db = (await freshDb()).db;
  const user = await createUser(db, { name: "Spool", email: `spool-${Date.now()}@t.test`, password: "password-123" });
  teamId = (await createTeam(db, { name: "Spool", slug: `spool-${Date.now()}`, ownerId: user.id })).id;
});
afterAll(async () => {
  await down.close().catch(() => {});
  await closeDb();
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mc-spool-test-"));
  process.env.MC_SPOOL_DIR = dir;
  process.env.MC_SPOOL_RETRY_MS = "3600000"; // the test replays by hand
  resetSpoolState();
});
afterEach(() => {
  resetSpoolState();
  fs.rmSync(dir, { recursive: true, force: true });
});

const spooled = () => fs.readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
const row = (over: Partial<RequestRecord> = {}): RequestRecord => ({
  id: crypto.randomUUID(),
  teamId,
  source: "api",
  status: "ok",
  model: "gpt-4.1-mini",
  inputTokens: 10,
  outputTokens: 20,
  costMicros: 30,
  latencyMs: 40,
  createdAt: new Date("2026-05-06T07:08:09.000Z"),
  prompt: "Summarise the minutes.",
  response: "They agreed.",
  ...over,
});
const usage = async (model: string) => (await db.select().from(usageDaily).where(eq(usageDaily.model, model)))[0];

describe(`request spool (${driverName})`, () => {
  it("keeps a finished call's row when the database cannot be reached, and writes it once it can", async () => {
    expect(spoolDir()).toBe(dir);
    const rec = row({ model: "spool-a" });
    // The caller is not failed: its answer was paid for; the row waits in the spool.
    await expect(recordRequest(down.db, rec)).resolves.toBeUndefined();
    const files = spooled();
    expect(files).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, files[0]), "utf8").trim().split("\n")).toHaveLength(1);
    expect(await db.select().from(requests).where(eq(requests.id, rec.id!))).toEqual([]);

    expect(await replaySpool(down.db)).toBe(1); // still down: kept
    expect(spooled()).toHaveLength(1);

    expect(await replaySpool(db)).toBe(0);
    expect(spooled()).toEqual([]);
    const [written] = await db.select().from(requests).where(eq(requests.id, rec.id!));
    expect(written).toMatchObject({ teamId, model: "spool-a", costMicros: 30, status: "ok", createdAt: rec.createdAt });
    expect(await db.select().from(requestPayloads).where(eq(requestPayloads.requestId, rec.id!))).toEqual([
      { requestId: rec.id, prompt: "Summarise the minutes.", response: "They agreed." },
    ]);
    expect(await usage("spool-a")).toMatchObject({ requests: 1, costMicros: 30 });
  });

  it("writes a row only once: one already in the database is skipped with its payload and rollup share", async () => {
    const rec = row({ model: "spool-b" });
    await insertRequestRecords(db, [rec]);
    spoolRequests(db, [rec, row({ model: "spool-b", costMicros: 5 })]);
    expect(await replaySpool(db)).toBe(0);
    expect(spooled()).toEqual([]);
    expect(await db.select().from(requests).where(eq(requests.model, "spool-b"))).toHaveLength(2);
    expect(await usage("spool-b")).toMatchObject({ requests: 2, costMicros: 35 });
  });

  it("does not spool a row the database refuses for its data; the caller gets the error", async () => {
    const orphan = row({ teamId: crypto.randomUUID(), model: "spool-c" }); // no such team
    await expect(recordRequest(db, orphan)).rejects.toMatchObject({ code: "23503" });
    expect(spooled()).toEqual([]);
  });

  it("replays what a stopped process left, not the spool of one still running", async () => {
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const stopped = path.join(dir, `requests-${gone}-0123abcd.jsonl`);
    const running = path.join(dir, `requests-${process.ppid}-4567cdef.jsonl`);
    const a = row({ model: "spool-d" });
    const b = row({ model: "spool-e" });
    fs.writeFileSync(stopped, JSON.stringify({ ...a, createdAt: a.createdAt!.toISOString() }) + "\n" + '{"id":"cut sh'); // last line torn by a crash
    fs.writeFileSync(running, JSON.stringify({ ...b, createdAt: b.createdAt!.toISOString() }) + "\n");
    expect(await replaySpool(db)).toBe(0);
    expect(fs.existsSync(stopped)).toBe(false);
    expect(fs.existsSync(running)).toBe(true);
    expect(await db.select().from(requests).where(eq(requests.model, "spool-d"))).toHaveLength(1);
    expect(await db.select().from(requests).where(eq(requests.model, "spool-e"))).toHaveLength(0);
  });

  it("sets aside a spooled row the database refuses, and writes the others", async () => {
    const good = row({ model: "spool-f" });
    spoolRequests(db, [row({ teamId: crypto.randomUUID(), model: "spool-g" }), good]);
    expect(await replaySpool(db)).toBe(0);
    expect(spooled()).toEqual([]);
    const refused = fs.readdirSync(dir).filter((f) => f.endsWith(".refused"));
    expect(refused).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, refused[0]), "utf8")).toContain("spool-g");
    expect(await db.select().from(requests).where(eq(requests.model, "spool-f"))).toHaveLength(1);
  });
});

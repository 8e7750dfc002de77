import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db";
import { requestPayloads, requests } from "@/db/schema";
import { createUser } from "@/lib/auth/users";
import { emptySnapshot } from "@/lib/learning";
import { loadSnapshot } from "@/lib/learning/store";
import { createTeam } from "@/lib/teams/service";
import { driverName, freshDb } from "@/test/db";
import { rateRequest, warmStartTeam } from "./service";

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let teamId: string;
let userId: string;

beforeAll(async () => {
  db = (await freshDb()).db;
  userId = (await createUser(db, { name: "w", email: "w@ws.test", password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "WS", slug: "ws", ownerId: userId })).id;
});
afterAll(async () => {
  await closeDb();
});

describe(`warm start on ${driverName}`, () => {
  it("restarts the router from the file's snapshot and applies the team's own ratings again on top", async () => {
    const [r] = await db.insert(requests).values({ teamId, source: "playground", userId, status: "ok", model: "codestral-latest", domain: "code" }).returning();
    await db.insert(requestPayloads).values({ requestId: r.id, prompt: "Write a function that reverses a list.", response: "def rev(xs): return xs[::-1]" });
    await rateRequest(db, { teamId, requestId: r.id, userId, rating: { kind: "thumbs", value: 1 } });
    expect((await loadSnapshot(db, teamId)).arms.code?.["codestral-latest"]).toEqual({ a: 1, b: 0 });

    // The file knows another model only; the team's rating of codestral survives the warm start.
    const file = emptySnapshot();
    file.arms.code = { "gpt-4.1": { a: 8, b: 2 } };
    expect(await warmStartTeam(db, teamId, file)).toEqual({ ratingsKept: 1 });
    const after = await loadSnapshot(db, teamId);
    expect(after.arms.code).toEqual({ "gpt-4.1": { a: 8, b: 2 }, "codestral-latest": { a: 1, b: 0 } });
    expect(file.arms.code["codestral-latest"]).toBeUndefined(); // the caller's snapshot is not changed
  });
});

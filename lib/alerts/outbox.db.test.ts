/**
 * Budget webhooks as a durable outbox (budget_alerts.webhook_next_at): a delivery whose process
 * stopped is taken up again, two processes never send the same attempt, and every attempt's
 * outcome is on the row.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeDb, type Db } from "@/db";
import { budgetAlerts, budgets } from "@/db/schema";
import { createUser } from "@/lib/auth/users";
import { encryptSecret } from "@/lib/crypto/secrets";
import { createTeam } from "@/lib/teams/service";
import { driverName, freshDb } from "@/test/db";
import { deliverAlert, resumeDeliveries, settleDeliveries, verifySignature } from ".";

let db: Db;
let teamId: string;
let url: string;
let hook: http.Server;
let received: { id: string; body: string; sig: string }[] = [];
let answer = 204;

beforeAll(async () => {
  process.env.MC_WEBHOOK_RETRY_MS = "20";
  db = (await freshDb()).db;
  const owner = (await createUser(db, { name: "o", email: "o@t.test", password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "Outbox", slug: "outbox", ownerId: owner })).id;
  hook = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ id: String(req.headers["x-mc-delivery"]), body, sig: String(req.headers["x-mc-signature"]) });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await settleDeliveries();
  hook.close();
  await closeDb();
});
beforeEach(() => {
  received = [];
  answer = 204;
});

let n = 0;
/** An alert whose delivery is pending and due `dueInMs` from now (negative: overdue, as after a crash). */
async function pendingAlert(dueInMs: number, webhookUrl: string | null = url) {
  const [b] = await db
    .insert(budgets)
    .values({ teamId, name: `b${++n}`, limitMicros: 1_000, periodStart: new Date(), webhookUrl, webhookSecretEncrypted: encryptSecret("whsec-outbox") })
    .returning();
  const [a] = await db
    .insert(budgetAlerts)
    .values({ budgetId: b.id, teamId, periodStart: b.periodStart, threshold: 80, limitMicros: b.limitMicros, spentMicros: 800, webhookStatus: "pending", webhookNextAt: sql`now() + ${dueInMs} * interval '1 millisecond'` })
    .returning();
  return a.id;
}
const row = async (id: string) => (await db.select().from(budgetAlerts).where(eq(budgetAlerts.id, id)))[0];

describe(`webhook outbox (${driverName})`, () => {
  it("a delivery left pending by a process that stopped is sent once, even when two processes take it up together", async () => {
    const id = await pendingAlert(-1_000);
    await Promise.all([deliverAlert(db, id), deliverAlert(db, id)]);
    expect(received.map((r) => r.id)).toEqual([id]);
    expect(verifySignature("whsec-outbox", received[0].body, received[0].sig)).toBe(true);
    expect(JSON.parse(received[0].body)).toMatchObject({ type: "budget.threshold", id, threshold: 80, spentMicros: 800 });
    expect(await row(id)).toMatchObject({ webhookStatus: "delivered", webhookAttempts: 1, webhookNextAt: null });
  });

  it("resumeDeliveries (run at start-up and every few seconds) leaves an attempt alone while another process's claim lasts", async () => {
    const claimed = await pendingAlert(20_000);
    const due = await pendingAlert(-1);
    expect(await resumeDeliveries(db)).toBe(1);
    await settleDeliveries();
    expect(received.map((r) => r.id)).toEqual([due]);
    expect((await row(claimed)).webhookStatus).toBe("pending");
    await db.update(budgetAlerts).set({ webhookNextAt: sql`now() - interval '1 second'` }).where(eq(budgetAlerts.id, claimed)); // the claim ran out
    expect(await resumeDeliveries(db)).toBe(1);
    await settleDeliveries();
    expect(received.map((r) => r.id)).toEqual([due, claimed]);
    expect((await row(claimed)).webhookStatus).toBe("delivered");
  });

  it("after a failed attempt the row is pending with its next time, and whoever takes it up goes on counting", async () => {
    process.env.MC_WEBHOOK_RETRY_MS = "3000";
    try {
      answer = 503;
      const id = await pendingAlert(-1);
      const first = deliverAlert(db, id); // this "process" sends attempt 1, then sleeps 3 s
      await expect.poll(() => received.length).toBe(1);
      await expect.poll(async () => (await row(id)).webhookAttempts).toBe(1);
      const mid = await row(id);
      expect(mid.webhookStatus).toBe("pending");
      expect(mid.webhookNextAt!.getTime()).toBeGreaterThan(Date.now() + 1_000);
      // It "dies"; once its next time has come, another process takes the delivery up.
      answer = 204;
      await db.update(budgetAlerts).set({ webhookNextAt: sql`now() - interval '1 second'` }).where(eq(budgetAlerts.id, id));
      await deliverAlert(db, id);
      expect(await row(id)).toMatchObject({ webhookStatus: "delivered", webhookAttempts: 2, webhookNextAt: null });
      await first; // the first one wakes up, finds it delivered and sends nothing more
      expect(received).toHaveLength(2);
    } finally {
      process.env.MC_WEBHOOK_RETRY_MS = "20";
    }
  });

  it("gives up after four attempts, or at once when the receiver refuses with a 4xx", async () => {
    answer = 503;
    const a = await pendingAlert(-1);
    await deliverAlert(db, a);
    expect(await row(a)).toMatchObject({ webhookStatus: "failed: HTTP 503", webhookAttempts: 4, webhookNextAt: null });
    answer = 410;
    const b = await pendingAlert(-1);
    await deliverAlert(db, b);
    expect(await row(b)).toMatchObject({ webhookStatus: "failed: HTTP 410", webhookAttempts: 1, webhookNextAt: null });
    expect(received).toHaveLength(5);
  });

  it("a budget whose webhook was removed meanwhile is not called", async () => {
    const id = await pendingAlert(-1, null);
    await deliverAlert(db, id);
    expect(received).toHaveLength(0);
    expect((await row(id)).webhookStatus).toMatch(/^cancelled/);
  });
});

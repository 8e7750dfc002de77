import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb } from "@/db";
import { budgets, memberships, requests } from "@/db/schema";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { decryptSecret } from "@/lib/crypto/secrets";
import { createTeam } from "@/lib/teams/service";
import { driverName, freshDb } from "@/test/db";
import { createBudgetAction, deleteBudgetAction, updateBudgetAction } from "./actions";
import { listBudgets } from "./service";

vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let teamId: string;
const u: Record<string, string> = {};

beforeAll(async () => {
  db = (await freshDb()).db;
  for (const r of ["owner", "admin", "member", "viewer", "outsider"]) u[r] = (await createUser(db, { name: r, email: `${r}@t.test`, password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "A", slug: "a", ownerId: u.owner })).id;
  await db.insert(memberships).values(["admin", "member", "viewer"].map((r) => ({ teamId, userId: u[r], role: r as "admin" })));
});
afterAll(async () => {
  setTestSession(undefined);
  await closeDb();
});

const form = (o: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(o)) f.set(k, v);
  return f;
};

describe(`budget actions on ${driverName}`, () => {
  it("only owners and admins may create budgets; input is validated with field errors", async () => {
    for (const who of ["member", "viewer"]) {
      setTestSession(u[who]);
      expect(await createBudgetAction({ teamId, name: "x", limitUsd: 5, period: "monthly" })).toMatchObject({ ok: false, error: expect.stringContaining("budgets:write") });
    }
    setTestSession(u.outsider);
    expect(await createBudgetAction({ teamId, name: "x", limitUsd: 5, period: "monthly" })).toMatchObject({ ok: false, error: "You are not a member of this team." });
    setTestSession(u.admin);
    const bad = await createBudgetAction(null, form({ teamId, name: "", limitUsd: "-1", period: "monthly" }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(Object.keys(bad.fieldErrors ?? {})).toEqual(expect.arrayContaining(["name", "limitUsd"]));
    // Each bad threshold is named, and the summary names the field by its label.
    const badThresholds = await createBudgetAction(null, form({ teamId, name: "t", limitUsd: "5", period: "monthly", thresholds: "150, -5, abc" }));
    expect(badThresholds).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Alert thresholds \(%\): "abc" is not a number; "-5" is not a whole percentage from 1 to 1,000\. Enter whole percentages/),
      fieldErrors: { thresholds: [expect.stringContaining('"abc" is not a number')] },
    });
    const noDays = await createBudgetAction(null, form({ teamId, name: "c", limitUsd: "5", period: "custom" }));
    expect(noDays).toMatchObject({ ok: false, fieldErrors: { customDays: [expect.any(String)] } });
    const notMember = await createBudgetAction(null, form({ teamId, name: "m", limitUsd: "5", period: "daily", scope: "member", userId: u.outsider }));
    expect(notMember).toMatchObject({ ok: false, error: "That person is not a member of this team." });
  });

  it("a budget created, re-periodised or pointed at someone else mid-period starts from what the period has already spent", async () => {
    setTestSession(u.admin);
    const team = (await createTeam(db, { name: "Spent", slug: "spent", ownerId: u.admin })).id;
    const now = Date.now();
    await db.insert(requests).values([
      { teamId: team, source: "api", status: "ok", costMicros: 1_500, createdAt: new Date(now - 60_000) },
      { teamId: team, source: "playground", userId: u.admin, status: "ok", costMicros: 700, createdAt: new Date(now - 30_000) },
      { teamId: team, source: "api", status: "ok", costMicros: 9_999, createdAt: new Date(now - 3 * 86_400_000) }, // an earlier day: not in a daily period
    ]);
    expect((await createBudgetAction(null, form({ teamId: team, name: "today", limitUsd: "1", period: "daily" }))).ok).toBe(true);
    expect((await createBudgetAction(null, form({ teamId: team, name: "mine", limitUsd: "1", period: "daily", scope: "member", userId: u.admin }))).ok).toBe(true);
    expect((await createBudgetAction(null, form({ teamId: team, name: "fresh", limitUsd: "1", period: "custom", customDays: "3" }))).ok).toBe(true);
    const spent = async () => Object.fromEntries((await db.select().from(budgets).where(eq(budgets.teamId, team))).map((b) => [b.name, b.spentMicros]));
    expect(await spent()).toEqual({ today: 2_200, mine: 700, fresh: 0 });
    // Changing a custom budget to a calendar period counts that period's spend too.
    const [fresh] = await db.select().from(budgets).where(eq(budgets.name, "fresh"));
    expect((await updateBudgetAction(null, form({ teamId: team, budgetId: fresh.id, name: "fresh", limitUsd: "1", period: "daily" }))).ok).toBe(true);
    expect((await spent()).fresh).toBe(2_200);
    // Pointing a budget at someone else counts what they spent this period, not the old target's spend.
    const [today] = await db.select().from(budgets).where(eq(budgets.name, "today"));
    const retarget = (scope: string, extra: Record<string, string> = {}) => updateBudgetAction(null, form({ teamId: team, budgetId: today.id, name: "today", limitUsd: "1", period: "daily", scope, ...extra }));
    expect((await retarget("member", { userId: u.admin })).ok).toBe(true);
    expect((await spent()).today).toBe(700);
    expect((await retarget("team")).ok).toBe(true);
    expect((await spent()).today).toBe(2_200);
  });

  it("creates, edits and deletes a budget from form data; the webhook secret is stored encrypted", async () => {
    setTestSession(u.admin);
    const res = await createBudgetAction(
      null,
      form({ teamId, name: "Team monthly", limitUsd: "12.5", period: "monthly", hardStop: "hard", thresholds: "80, 50,100", webhookUrl: "https://hooks.example.com/x", webhookSecret: "s3cret" }),
    );
    expect(res.ok).toBe(true);
    const [b] = await db.select().from(budgets).where(eq(budgets.teamId, teamId));
    expect(b).toMatchObject({ limitMicros: 12_500_000, thresholds: [50, 80, 100], hardStop: true, scope: "team" });
    expect(decryptSecret(b.webhookSecretEncrypted!)).toBe("s3cret");
    expect(b.periodStart.getUTCDate()).toBe(1);

    const upd = await updateBudgetAction(null, form({ teamId, budgetId: b.id, name: "Member daily", limitUsd: "1", period: "daily", hardStop: "warn", scope: "member", userId: u.member, webhookUrl: "https://hooks.example.com/x" }));
    expect(upd.ok).toBe(true);
    const [after] = await db.select().from(budgets).where(eq(budgets.id, b.id));
    expect(after).toMatchObject({ name: "Member daily", scope: "member", userId: u.member, hardStop: false, limitMicros: 1_000_000 });
    expect(decryptSecret(after.webhookSecretEncrypted!)).toBe("s3cret"); // empty secret keeps the stored one
    const [view] = await listBudgets(db, teamId);
    expect(view).toMatchObject({ targetLabel: "member@t.test", hasWebhookSecret: true });
    expect("webhookSecretEncrypted" in view).toBe(false);

    setTestSession(u.member);
    expect((await deleteBudgetAction({ teamId, budgetId: b.id })).ok).toBe(false);
    setTestSession(u.owner);
    expect((await deleteBudgetAction({ teamId, budgetId: b.id })).ok).toBe(true);
    expect(await db.select().from(budgets).where(eq(budgets.teamId, teamId))).toHaveLength(0);
  });
});

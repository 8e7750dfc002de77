import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb, rowsOf } from "@/db";
import { auditLog, budgets, memberships, teams } from "@/db/schema";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { rollPeriod } from "@/lib/budgets";
import { startOfPeriod } from "@/lib/budgets/period";
import { listBudgets } from "@/lib/budgets/service";
import { insertRequestRecords } from "@/lib/execution/record";
import { lastDays, spendByDay, spendSinceInstant, usageTotals } from "@/lib/usage/queries";
import { driverName, freshDb } from "@/test/db";
import { setTeamTimezoneAction } from "./actions";
import { createTeam, setTeamTimezone } from "./service";

vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

let db: Awaited<ReturnType<typeof freshDb>>["db"];
const u: Record<string, string> = {};

beforeAll(async () => {
  db = (await freshDb()).db;
  for (const r of ["owner", "admin", "member", "viewer"]) u[r] = (await createUser(db, { name: r, email: `${r}@zone.test`, password: "password-123" })).id;
});
afterAll(async () => {
  setTestSession(undefined);
  await closeDb();
});

const newTeam = async (slug: string) => {
  const t = await createTeam(db, { name: slug, slug, ownerId: u.owner });
  await db.insert(memberships).values(["admin", "member", "viewer"].map((r) => ({ teamId: t.id, userId: u[r], role: r as "admin" })));
  return t.id;
};
const call = (teamId: string, at: string, costMicros: number) => ({ teamId, source: "api" as const, model: "m", status: "ok" as const, costMicros, createdAt: new Date(at) });
const byDay = async (teamId: string) => Object.fromEntries((await spendByDay(db, [teamId], "2026-01-01", "2027-12-31", "team")).map((r) => [r.day, r.costMicros]));

describe(`the team's time zone on ${driverName}`, () => {
  it("only owners and admins set it; an unknown zone is refused saying what to enter; a change is audited", async () => {
    const teamId = await newTeam("zone-perm");
    for (const who of ["member", "viewer"]) {
      setTestSession(u[who]);
      expect(await setTeamTimezoneAction({ teamId, timezone: "Asia/Tokyo" })).toMatchObject({ ok: false, error: expect.stringContaining("settings:write") });
    }
    setTestSession(u.admin);
    const bad = await setTeamTimezoneAction({ teamId, timezone: "Mars/Olympus_Mons" });
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/^"Mars\/Olympus_Mons" is not a time zone: choose one from the list, .*Asia\/Tokyo/), fieldErrors: { timezone: [expect.any(String)] } });
    expect((await db.select({ tz: teams.timezone }).from(teams).where(eq(teams.id, teamId)))[0].tz).toBe("UTC");
    // Spelled in any case, it is stored as the zone's own name.
    expect(await setTeamTimezoneAction({ teamId, timezone: "asia/kathmandu" })).toMatchObject({ ok: true, data: { timezone: "Asia/Kathmandu", changed: true } });
    expect((await db.select({ tz: teams.timezone }).from(teams).where(eq(teams.id, teamId)))[0].tz).toBe("Asia/Kathmandu");
    const audit = await db.select().from(auditLog).where(and(eq(auditLog.teamId, teamId), eq(auditLog.action, "team.timezone")));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorUserId: u.admin, target: "Asia/Kathmandu", details: { from: "UTC", to: "Asia/Kathmandu" } });
    // Setting the same zone again changes nothing and is not audited again.
    expect(await setTeamTimezoneAction({ teamId, timezone: "Asia/Kathmandu" })).toMatchObject({ ok: true, data: { changed: false } });
    expect(await db.select().from(auditLog).where(and(eq(auditLog.teamId, teamId), eq(auditLog.action, "team.timezone")))).toHaveLength(1);
  });

  it("days in the charts are the team's days, filed again when the zone changes; the windows agree with the requests", async () => {
    const teamId = await newTeam("zone-days");
    await insertRequestRecords(db, [
      call(teamId, "2026-11-20T14:30:00Z", 1), // Tokyo 20 Nov 23:30 · Kathmandu 20 Nov 20:15
      call(teamId, "2026-11-20T15:10:00Z", 10), // Tokyo 21 Nov 00:10 · Kathmandu 20 Nov 20:55
      call(teamId, "2026-11-20T18:20:00Z", 100), // Tokyo 21 Nov 03:20 · Kathmandu 21 Nov 00:05
    ]);
    expect(await byDay(teamId)).toEqual({ "2026-11-20": 111 });
    await setTeamTimezone(db, { teamId, timezone: "Asia/Tokyo", actorUserId: u.owner });
    expect(await byDay(teamId)).toEqual({ "2026-11-20": 1, "2026-11-21": 110 });
    // Calls recorded after the change go to the new zone's days too, to the minute around midnight.
    await insertRequestRecords(db, [call(teamId, "2026-11-21T14:59:59.999Z", 1_000), call(teamId, "2026-11-21T15:00:00Z", 10_000)]);
    expect(await byDay(teamId)).toEqual({ "2026-11-20": 1, "2026-11-21": 1_110, "2026-11-22": 10_000 });
    // "Today" at 01:00 in Tokyo on 22 Nov: the rollup's day and the requests since the zone's midnight say the same.
    const now = new Date("2026-11-21T16:00:00Z");
    const { day, since } = lastDays(1, "Asia/Tokyo", now);
    expect((await usageTotals(db, teamId, day)).costMicros).toBe(10_000);
    expect(await spendSinceInstant(db, teamId, since)).toBe(10_000);
    await setTeamTimezone(db, { teamId, timezone: "Asia/Kathmandu", actorUserId: u.owner });
    expect(await byDay(teamId)).toEqual({ "2026-11-20": 11, "2026-11-21": 11_100 });
    const k = lastDays(2, "Asia/Kathmandu", now);
    expect(k).toEqual({ day: "2026-11-20", since: new Date("2026-11-19T18:15:00Z") });
    expect((await usageTotals(db, teamId, k.day)).costMicros).toBe(await spendSinceInstant(db, teamId, k.since));
  });

  it("a budget's period under way is not reset by a change: it keeps its spend and ends at the new zone's midnight", async () => {
    const teamId = await newTeam("zone-budget");
    const now = new Date();
    const periodStart = startOfPeriod("monthly", now, "UTC");
    const [b] = await db.insert(budgets).values({ teamId, name: "Monthly", limitMicros: 10_000_000, period: "monthly", periodStart, spentMicros: 7_000_000 }).returning();
    // Los Angeles' month began eight hours after UTC's: read in that zone alone, the period would start again now with nothing spent.
    await setTeamTimezone(db, { teamId, timezone: "America/Los_Angeles", actorUserId: u.owner });
    const [view] = await listBudgets(db, teamId, now);
    expect(view).toMatchObject({ periodStart, spentMicros: 7_000_000 });
    const p = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Los_Angeles", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(view.periodEnd);
    expect(p).toMatch(/^\d{4}-\d{2}-01, 00:00$/); // the 1st, at midnight in Los Angeles
    expect(view.periodEnd.getTime() - startOfPeriod("monthly", new Date(periodStart.getTime() + 40 * 86_400_000), "UTC").getTime()).toBe(8 * 3_600_000);
    expect(await rollPeriod(db, b.id, new Date(view.periodEnd.getTime() - 1))).toBe(false);
    expect(await rollPeriod(db, b.id, view.periodEnd)).toBe(true);
    const [after] = await db.select().from(budgets).where(eq(budgets.id, b.id));
    expect(after).toMatchObject({ periodStart: view.periodEnd, periodEndsAt: null, spentMicros: 0 });
  });

  it("calls recorded while the zone changes are each filed once, under the new zone's day", async () => {
    const teamId = await newTeam("zone-race");
    const at = (i: number) => new Date(Date.parse("2026-11-20T12:00:00Z") + i * 7 * 60_000).toISOString(); // 12:00 to 23:39 UTC, across Tokyo's midnight
    const batches = Array.from({ length: 20 }, (_, g) => Array.from({ length: 5 }, (_, i) => call(teamId, at(g * 5 + i), 1 + g)));
    await insertRequestRecords(db, batches[0]);
    await Promise.all([...batches.slice(1).map((rows) => insertRequestRecords(db, rows)), setTeamTimezone(db, { teamId, timezone: "Asia/Tokyo", actorUserId: u.owner })]);
    const truth = rowsOf<{ day: string; cost: number }>(
      await db.execute(sql`select ((created_at at time zone 'Asia/Tokyo')::date)::text as day, sum(cost_micros)::int as cost from requests where team_id = ${teamId} group by 1`),
    );
    expect(await byDay(teamId)).toEqual(Object.fromEntries(truth.map((r) => [r.day, Number(r.cost)])));
    expect(Object.keys(await byDay(teamId))).toEqual(["2026-11-20", "2026-11-21"]);
  });
});

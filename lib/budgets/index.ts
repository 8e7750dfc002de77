import os from "node:os";
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import { rawQuery, type Db } from "@/db";
import { ttlCache } from "@/db/cache";
import { apiKeys, budgetLedger, budgetReservations, budgets, teams, type Budget } from "@/db/schema";
import { forgetApiKey, KEY_CACHE_TTL_MS } from "@/lib/auth/api-keys";
import { formatUsd } from "@/lib/format";
import { BudgetExceededError, KeyRevokedError } from "@/lib/execution/errors";
import { checkThresholds } from "@/lib/alerts";
import { crossedThresholds } from "@/lib/alerts/thresholds";
import { currentPeriodEnd, currentPeriodStart, type Period } from "./period";

/**
 * Budget enforcement with per-process leases (see README.md in this folder).
 *
 * A process reserves budget from the database in chunks (a lease: one `budget_reservations` row
 * with `holder` = this process, counted in `budgets.reserved_micros`) and serves calls from it in
 * memory. Grants are conditional UPDATEs under a row lock, so the leases of every process together
 * never exceed what is left. Settlements are grouped into one transaction every few milliseconds
 * and awaited, so a finished call's cost is in `spent_micros` before its response ends.
 */

export type Payer = { teamId: string; userId?: string | null; apiKeyId?: string | null };
export type Reservation = {
  budgetIds: string[];
  amountMicros: number;
  /** The subset of `budgetIds` (hard-stop budgets) that hold `amountMicros` from a lease. */
  held?: string[];
  /** Set by settle/release: a reservation is closed once, never twice. */
  closed?: boolean;
};

type BudgetCfg = Pick<Budget, "id" | "teamId" | "scope" | "userId" | "apiKeyId" | "name" | "limitMicros" | "hardStop" | "period" | "customDays" | "periodStart" | "periodEndsAt"> & {
  timeZone: string;
  nextReset: Date;
};

type Account = {
  budgetId: string;
  leaseId: string | null;
  /** What this process holds in the database (the lease row's amount, part of reserved_micros). */
  granted: number;
  /** Holds of calls in flight. */
  inflight: number;
  /** Settled in memory, not yet written to spent_micros. */
  pending: number;
  lastUsed: number;
  renewedAt: number;
  acquiring: Promise<boolean> | null;
  refusedAt: number;
  refusedNeed: number;
  /** The limit the lease was last grown under: when the budget's limit drops below it, the unused part goes back. */
  limitSeen: number;
};

type State = {
  holder: string;
  db: Db | null;
  accounts: Map<string, Account>;
  rolling: Map<string, Promise<void>>;
  nextFlush: Promise<void> | null;
  running: Promise<void> | null;
  timer: NodeJS.Timeout | null;
  lastSweep: number;
};

const g = globalThis as { __mcBudgets?: State };
const st: State = (g.__mcBudgets ??= {
  holder: `${os.hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`,
  db: null,
  accounts: new Map(),
  rolling: new Map(),
  nextFlush: null,
  running: null,
  timer: null,
  lastSweep: 0,
});

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
/** How long a lease survives its process: a crashed process's reservations come back after this. */
export const LEASE_TTL_MS = num("MC_BUDGET_LEASE_TTL_MS", 30_000);
const IDLE_RETURN_MS = num("MC_BUDGET_IDLE_MS", 2_000);
/** How long a process trusts its cached copy of a team's budget settings. */
export const SETTINGS_TTL_MS = process.env.MC_BUDGET_SETTINGS_TTL_MS === "0" ? 0 : num("MC_BUDGET_SETTINGS_TTL_MS", 1_000);
/** A lease aims to cover this many calls of the current size… */
const LEASE_CALLS = 20;
/** …but never more than this share of what is still free, so leases shrink as the budget runs out. */
const FREE_SHARE = 4;
/** A team's budgets, and its keys revoked lately (another process may still trust them for KEY_CACHE_TTL_MS). */
type TeamBudgets = { budgets: BudgetCfg[]; revokedKeys: Set<string> };
const budgetCache = ttlCache<TeamBudgets>("__mcBudgetSettings", () => SETTINGS_TTL_MS);
const avail = (a: Account) => a.granted - a.inflight - a.pending;
/** What a budget row has that no lease holds: a grant must fit in it. */
const freeOf = (row: Pick<Budget, "limitMicros" | "spentMicros" | "reservedMicros">) => row.limitMicros - row.spentMicros - row.reservedMicros;
/** Revocations stay in the budget read a minute longer than a key cache trusts a key: clocks differ. */
const REVOKED_MARGIN_MS = 60_000;

/** This process's lease holder name (written to budget_reservations.holder). */
export function leaseHolder() {
  return st.holder;
}

function applies(b: BudgetCfg, p: Payer) {
  if (b.scope === "team") return true;
  if (b.scope === "member") return !!p.userId && b.userId === p.userId;
  return !!p.apiKeyId && b.apiKeyId === p.apiKeyId;
}

function toCfg(b: Budget, timeZone: string): BudgetCfg {
  return {
    id: b.id,
    teamId: b.teamId,
    scope: b.scope,
    userId: b.userId,
    apiKeyId: b.apiKeyId,
    name: b.name,
    limitMicros: b.limitMicros,
    hardStop: b.hardStop,
    period: b.period,
    customDays: b.customDays,
    periodStart: b.periodStart,
    periodEndsAt: b.periodEndsAt,
    timeZone,
    nextReset: currentPeriodEnd({ period: b.period as Period, customDays: b.customDays, periodStart: b.periodStart, periodEndsAt: b.periodEndsAt }, b.periodStart, timeZone),
  };
}

/**
 * The team's budgets, kept in memory for `SETTINGS_TTL_MS` so the hot path does no query for them.
 * An edit in this process applies at once (the budget service calls `invalidateBudgets`); an edit
 * made by another process applies within the TTL. Limits stay safe meanwhile: what a process may
 * spend is what the database granted its lease, whatever its cached settings say.
 * Single-flight: calls that arrive while a read is in flight share it.
 */
function teamBudgets(db: Db, teamId: string): Promise<TeamBudgets> {
  return budgetCache.get(teamId, async () => {
    // One statement, so one snapshot: a rotation moves the key's budget to the new key and revokes
    // the old key in one transaction, so a read that sees the budget moved sees the revocation too
    // — and a gateway that still trusts the old key cannot spend outside the budget.
    const revoked = sql<string[] | string | null>`(select array_agg(${apiKeys.id}) from ${apiKeys} where ${apiKeys.teamId} = ${teams.id} and ${apiKeys.revokedAt} > now() - ${KEY_CACHE_TTL_MS + REVOKED_MARGIN_MS} * interval '1 millisecond')`;
    const rows = await db.select({ b: budgets, tz: teams.timezone, revoked }).from(teams).leftJoin(budgets, eq(budgets.teamId, teams.id)).where(eq(teams.id, teamId));
    return {
      budgets: rows.flatMap((r) => (r.b ? [toCfg(r.b, r.tz)] : [])),
      revokedKeys: new Set(parseUuidArray(rows[0]?.revoked ?? null)),
    };
  });
}

/** Forget cached budget settings of a team (after an edit in this process), and any remembered refusal. */
export function invalidateBudgets(teamId?: string) {
  if (teamId) budgetCache.delete(teamId);
  else budgetCache.clear();
  // A raised limit must be tried at once, not after the refusal memory runs out.
  for (const a of st.accounts.values()) {
    a.refusedAt = 0;
    a.refusedNeed = Infinity;
  }
}

function account(budgetId: string): Account {
  let a = st.accounts.get(budgetId);
  if (!a) {
    a = { budgetId, leaseId: null, granted: 0, inflight: 0, pending: 0, lastUsed: Date.now(), renewedAt: 0, acquiring: null, refusedAt: 0, refusedNeed: Infinity, limitSeen: 0 };
    st.accounts.set(budgetId, a);
  }
  return a;
}

/**
 * Moves a budget into its current period when the boundary (in the team's time zone) has passed:
 * spent goes to zero under the row lock, once, however many processes notice at the same time.
 * Reservations carry over: the calls they cover settle into the new period.
 */
export async function rollPeriod(db: Db, budgetId: string, now = new Date()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ b: budgets, tz: teams.timezone }).from(budgets).innerJoin(teams, eq(teams.id, budgets.teamId)).where(eq(budgets.id, budgetId)).for("no key update", { of: budgets });
    if (!row) return false;
    const start = currentPeriodStart({ period: row.b.period as Period, customDays: row.b.customDays, periodStart: row.b.periodStart, periodEndsAt: row.b.periodEndsAt }, now, row.tz);
    if (start.getTime() <= row.b.periodStart.getTime()) return false;
    await tx.update(budgets).set({ spentMicros: 0, limitSetSpentMicros: 0, periodStart: start, periodEndsAt: null, updatedAt: new Date() }).where(eq(budgets.id, budgetId));
    await tx.insert(budgetLedger).values({ budgetId, teamId: row.b.teamId, kind: "reset", amountMicros: -row.b.spentMicros });
    return true;
  });
}

async function ensurePeriod(db: Db, b: BudgetCfg) {
  if (Date.now() < b.nextReset.getTime()) return;
  let p = st.rolling.get(b.id);
  if (!p) {
    p = rollPeriod(db, b.id)
      .then(() => invalidateBudgets(b.teamId))
      .finally(() => st.rolling.delete(b.id));
    st.rolling.set(b.id, p);
  }
  await p;
  // Refresh in place so the caller's copy stops asking.
  const fresh = (await teamBudgets(db, b.teamId)).budgets.find((x) => x.id === b.id);
  if (fresh) Object.assign(b, fresh);
  else b.nextReset = new Date(Date.now() + 1_000);
}

/**
 * Grows this process's lease on one budget by at least `need`. One conditional UPDATE under the
 * row lock: the grant is between `need` and the lease target, at most a quarter of what is free,
 * and only if spent + reserved + grant ≤ limit. Returns false when even `need` does not fit.
 */
async function acquire(db: Db, b: BudgetCfg, a: Account, need: number, perCall: number): Promise<boolean> {
  // Enough for LEASE_CALLS more calls, and at least four times what the calls in flight hold: with
  // 50 calls at once a lease of 20 calls' holds was used up by the holds alone and re-acquired
  // every few calls (one transaction per ~20 requests). FREE_SHARE still caps every grant.
  const want = Math.max(need, perCall * LEASE_CALLS, 4 * (a.inflight + need));
  let lost = false;
  const granted = await db.transaction(async (tx) => {
    const [row] = await tx.select().from(budgets).where(eq(budgets.id, b.id)).for("no key update");
    if (!row) return 0;
    const free = freeOf(row);
    const grant = Math.min(want, Math.max(need, Math.floor(free / FREE_SHARE)));
    if (grant > free) return 0;
    await tx
      .update(budgets)
      .set({ reservedMicros: sql`${budgets.reservedMicros} + ${grant}`, updatedAt: new Date() })
      .where(eq(budgets.id, b.id));
    let leaseId = a.leaseId;
    if (leaseId) {
      const kept = await tx
        .update(budgetReservations)
        .set({ amountMicros: sql`${budgetReservations.amountMicros} + ${grant}`, expiresAt: sql`now() + ${LEASE_TTL_MS} * interval '1 millisecond'` })
        .where(and(eq(budgetReservations.id, leaseId), eq(budgetReservations.status, "held")))
        .returning({ id: budgetReservations.id });
      if (!kept.length) {
        lost = true;
        leaseId = null;
      }
    }
    if (!leaseId) {
      const [ins] = await tx
        .insert(budgetReservations)
        .values({ budgetId: b.id, holder: st.holder, amountMicros: grant, periodStart: row.periodStart, expiresAt: sql`now() + ${LEASE_TTL_MS} * interval '1 millisecond'` })
        .returning({ id: budgetReservations.id });
      leaseId = ins.id;
    }
    await tx.insert(budgetLedger).values({ budgetId: b.id, teamId: b.teamId, reservationId: leaseId, kind: "reserve", amountMicros: grant });
    a.leaseId = leaseId;
    a.limitSeen = row.limitMicros;
    return grant;
  });
  if (lost) a.granted = 0; // the sweeper took the old lease back; its holds are no longer backed
  if (!granted) return false;
  a.granted += granted;
  a.renewedAt = Date.now();
  return true;
}

/** Takes `amount` from this process's lease on `b`, growing the lease when needed. */
async function hold(db: Db, b: BudgetCfg, a: Account, amount: number): Promise<boolean> {
  let swept = false;
  for (;;) {
    if (b.limitMicros < a.limitSeen && !a.acquiring) {
      // The limit was lowered (here, or in another process: settings are re-read every
      // SETTINGS_TTL_MS): what this lease holds unused goes back, and the call asks for a grant
      // under the new limit instead of spending money granted under the old one.
      a.limitSeen = b.limitMicros;
      await returnLease(db, a);
      continue;
    }
    if (avail(a) >= amount) {
      a.inflight += amount;
      a.lastUsed = Date.now();
      return true;
    }
    if (a.acquiring) {
      await a.acquiring;
      continue;
    }
    // Refused a moment ago for as much or less: refuse without another round trip.
    if (Date.now() - a.refusedAt < 100 && amount >= a.refusedNeed) return false;
    const p = acquire(db, b, a, amount - avail(a), amount);
    a.acquiring = p;
    let ok: boolean;
    try {
      ok = await p;
    } finally {
      a.acquiring = null;
    }
    if (ok) continue;
    // Remember the refusal first, so calls waiting on this acquire do not all retry it.
    a.refusedAt = Date.now();
    a.refusedNeed = Math.min(a.refusedNeed, amount);
    if (!swept) {
      // Maybe a crashed process still holds part of it.
      swept = true;
      if ((await expireReservations(db, b.id)) > 0) {
        a.refusedAt = 0;
        a.refusedNeed = Infinity;
        continue;
      }
    }
    return false;
  }
}

/** The team's budget read, refusing (`KeyRevokedError`) a key it lists as revoked or rotated. */
async function payerBudgets(db: Db, payer: Payer): Promise<TeamBudgets> {
  const team = await teamBudgets(db, payer.teamId);
  if (payer.apiKeyId && team.revokedKeys.has(payer.apiKeyId)) {
    forgetApiKey(payer.apiKeyId); // this process's gateway refuses it from now on, before any work
    throw new KeyRevokedError();
  }
  return team;
}

/**
 * Refuses (`KeyRevokedError`, 401) a key revoked or rotated in any process, from the read `reserve`
 * uses: at most `SETTINGS_TTL_MS` old, where a key cache may trust a key for `KEY_CACHE_TTL_MS`.
 * The gateway calls it on every route, so routes that spend nothing refuse such a key as soon.
 */
export async function refuseRevokedKey(db: Db, payer: Payer): Promise<void> {
  await payerBudgets(db, payer);
}

/**
 * Holds `amountMicros` (the most this call can cost) on every budget that applies to the payer.
 * A hard-stop budget that cannot fit it refuses the whole reservation with `BudgetExceededError`
 * (HTTP 402); warn-only budgets never refuse. A key revoked or rotated in any process is refused
 * (`KeyRevokedError`, 401) within the settings TTL. Usually served from this process's lease in memory.
 */
export async function reserve(db: Db, payer: Payer, amountMicros: number): Promise<Reservation> {
  st.db = db;
  startMaintenance();
  const team = await payerBudgets(db, payer);
  const list = team.budgets.filter((b) => applies(b, payer));
  const held: string[] = [];
  const undo = () => {
    for (const id of held) account(id).inflight -= amountMicros;
  };
  for (const b of list) {
    try {
      await ensurePeriod(db, b);
    } catch (e) {
      undo();
      throw e;
    }
    if (!b.hardStop) continue;
    const a = account(b.id);
    let ok: boolean;
    try {
      ok = await hold(db, b, a, amountMicros);
    } catch (e) {
      undo();
      throw e;
    }
    if (!ok) {
      undo();
      throw await exceeded(db, b, amountMicros);
    }
    held.push(b.id);
  }
  return { budgetIds: list.map((b) => b.id), amountMicros, held };
}

/**
 * Would `reserve(db, payer, amountMicros)` fit now? Throws the `BudgetExceededError` (402) or
 * `KeyRevokedError` it would throw, and holds nothing: for refusing work up front (a pipeline run
 * whose first step the budget cannot hold). A hard-stop budget fits what this process's lease has
 * free plus what no lease holds — the rule `hold` and `acquire` apply. Like `reserve`, it moves a
 * budget into a new period when one began and, before refusing, expires crashed processes' leases.
 */
export async function checkReserve(db: Db, payer: Payer, amountMicros: number): Promise<void> {
  const team = await payerBudgets(db, payer);
  for (const b of team.budgets.filter((x) => applies(x, payer))) {
    await ensurePeriod(db, b);
    if (!b.hardStop) continue;
    const have = Math.max(0, st.accounts.has(b.id) ? avail(account(b.id)) : 0);
    const fits = async () => {
      const [row] = await db.select().from(budgets).where(eq(budgets.id, b.id));
      return !row || freeOf(row) >= amountMicros - have;
    };
    if (have >= amountMicros || (await fits()) || ((await expireReservations(db, b.id)) > 0 && (await fits()))) continue;
    throw await exceeded(db, b, amountMicros);
  }
}

async function exceeded(db: Db, b: BudgetCfg, amount: number) {
  const [row] = await db.select().from(budgets).where(eq(budgets.id, b.id));
  const left = row ? Math.max(0, freeOf(row)) : 0;
  if (row) await checkThresholds(db, row, { refused: true }).catch((e) => console.error("[budgets] alert failed", e));
  return new BudgetExceededError(
    `Budget "${b.name}" exceeded: ${formatUsd(left)} of ${formatUsd(b.limitMicros)} is left this period and this call may cost up to ${formatUsd(amount)}. Ask an admin to raise the budget, or lower max_tokens.`,
  );
}

/**
 * Replaces the hold with the actual cost. Resolves once the cost is committed to `spent_micros`
 * (grouped with the settlements of concurrent calls). Settling a reservation twice is a no-op.
 */
export async function settle(db: Db, r: Reservation, actualMicros: number) {
  if (settleInMemory(db, r, actualMicros)) await requestFlush();
}

/**
 * The in-memory half of `settle`: the hold becomes the actual cost, pending until written.
 * Returns whether there is something to write. The request writer (lib/execution/writer.ts)
 * writes it in its own statement through `writeWithSettlements`, so a delegated call commits its
 * row and its cost together — one statement, one round trip.
 */
export function settleInMemory(db: Db, r: Reservation, actualMicros: number): boolean {
  if (r.closed) return false;
  r.closed = true;
  st.db = db;
  const held = new Set(r.held ?? []);
  const now = Date.now();
  for (const id of r.budgetIds) {
    const a = account(id);
    if (held.has(id)) a.inflight -= r.amountMicros;
    a.pending += actualMicros;
    a.lastUsed = now;
    a.refusedAt = 0;
    a.refusedNeed = Infinity;
  }
  return actualMicros > 0 && r.budgetIds.length > 0;
}

/** Gives the hold back after a call that cost nothing (in memory: the lease keeps it). */
export async function release(db: Db, r: Reservation) {
  await settle(db, r, 0);
}

/**
 * Group commit: when no write is in flight, settlements made in this tick are written at once;
 * while one is in flight, new ones wait and go together in the next write.
 */
function requestFlush(): Promise<void> {
  st.nextFlush ??= new Promise<void>((resolve) => {
    // After the current microtasks (settlements finishing together share the write), not after
    // the next event-loop turn, which under load waits behind every pending I/O callback.
    queueMicrotask(() => {
      st.nextFlush = null;
      void inTurn(flushOnce).then(resolve);
    });
  });
  return st.nextFlush;
}

/**
 * Runs `write` after the settlement write in flight (if any), and makes it the one later writes
 * wait for: the flusher and the request writer take pending amounts one at a time, so no amount is
 * written twice or by two statements at once.
 */
function inTurn(write: () => Promise<void>): Promise<void> {
  const run = (st.running ?? Promise.resolve()).then(write);
  const tail = run.catch(() => {});
  st.running = tail;
  void tail.then(() => {
    if (st.running === tail) st.running = null;
  });
  return run;
}

/**
 * The settlement statement's parts (see flushOnce). Items arrive as one JSON array, so one prepared
 * statement serves any number of budgets. `locked` takes the budget rows' locks first, in id
 * order — the order `acquire` and the sweeper use — so processes settling and growing leases at
 * once cannot deadlock: both updates wait on it through a one-time filter before touching a row.
 */
export function settlementCtes(param: string) {
  return `items as (
  select * from jsonb_to_recordset(${param}::text::jsonb) as i(budget_id uuid, lease_id uuid, x bigint, from_lease bigint)),
locked as materialized (
  select id from budgets where id in (select budget_id from items) order by id for no key update),
kept as (
  update budget_reservations r
     set amount_micros = r.amount_micros - i.from_lease,
         expires_at = now() + ${LEASE_TTL_MS} * interval '1 millisecond'
    from items i
   where r.id = i.lease_id and r.status = 'held' and exists (select 1 from locked)
  returning r.id),
upd as (
  update budgets b
     set spent_micros = b.spent_micros + i.x,
         reserved_micros = b.reserved_micros - case when i.lease_id in (select id from kept) then i.from_lease else 0 end,
         updated_at = now()
    from items i
   where b.id = i.budget_id and exists (select 1 from locked)
  returning b.id, b.team_id, b.spent_micros, b.limit_micros, b.thresholds, b.limit_set_spent_micros),
led as (
  insert into budget_ledger (budget_id, team_id, reservation_id, kind, amount_micros)
  select i.budget_id, u.team_id, i.lease_id, 'settle', i.x from items i join upd u on u.id = i.budget_id where i.x <> 0)`;
}

/** The settlement statement's result: one row per budget written. */
export const SETTLEMENT_SELECT = "select u.id, u.spent_micros, u.limit_micros, u.thresholds, u.limit_set_spent_micros, (select array_agg(id) from kept) as kept from upd u";
const SETTLE_SQL = `with ${settlementCtes("$1")}\n${SETTLEMENT_SELECT}`;

export type SettlementRow = { id: string; spent_micros: string | number; limit_micros: string | number; thresholds: number[] | string; limit_set_spent_micros: string | number; kept: string[] | string | null };

/**
 * Writes pending settlements in ONE statement: per budget, spent += X, and the lease (and
 * reserved) shrink by the part of X the lease covered — unless the sweeper already expired that
 * lease, whose money is then back in the budget. A ledger row per settlement goes in the same
 * statement. Retries a failed write a few times; the amounts stay pending in memory until written.
 */
async function flushOnce(): Promise<void> {
  const db = st.db;
  if (!db) return;
  for (let attempt = 0; attempt < 5; attempt++) {
    const items = pendingItems();
    if (!items.length) return;
    try {
      const rows = await rawQuery<SettlementRow>(db, "mc_budget_settle", SETTLE_SQL, [settlementJson(items)]);
      await applySettled(db, items, rows);
      if (!items.some((it) => it.a.pending !== 0)) return;
    } catch (e) {
      console.error(`[budgets] could not write settlements (attempt ${attempt + 1})`, e);
      await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
    }
  }
}

type SettleItem = { a: Account; x: number; fromLease: number; leaseId: string | null };

function pendingItems(): SettleItem[] {
  return [...st.accounts.values()]
    .filter((a) => a.pending !== 0)
    .map((a) => ({ a, x: a.pending, fromLease: a.leaseId ? Math.max(0, Math.min(a.pending, a.granted - a.inflight)) : 0, leaseId: a.leaseId }));
}

const settlementJson = (items: SettleItem[]) => JSON.stringify(items.map((it) => ({ budget_id: it.a.budgetId, lease_id: it.leaseId, x: it.x, from_lease: it.fromLease })));

/** After a settlement statement committed: the amounts are no longer pending; leases shrink; alerts. */
async function applySettled(db: Db, items: SettleItem[], rows: SettlementRow[]) {
  const kept = new Set(parseUuidArray(rows[0]?.kept ?? null));
  const now = Date.now();
  for (const it of items) {
    it.a.pending -= it.x;
    if (it.leaseId && !kept.has(it.leaseId)) {
      // The sweeper expired our lease: what it held is back in the budget.
      if (it.a.leaseId === it.leaseId) {
        it.a.leaseId = null;
        it.a.granted = 0;
      }
    } else {
      it.a.granted -= it.fromLease;
      if (it.leaseId) it.a.renewedAt = now;
    }
  }
  // Alerts: only a budget that crossed a threshold costs a read of its full row.
  for (const r of rows) {
    const thresholds = typeof r.thresholds === "string" ? r.thresholds.replace(/[{}]/g, "").split(",").filter(Boolean).map(Number) : r.thresholds;
    if (!crossedThresholds(thresholds, Number(r.spent_micros), Number(r.limit_micros), false, Number(r.limit_set_spent_micros)).length) continue;
    const [b] = await db.select().from(budgets).where(eq(budgets.id, r.id));
    if (b) await checkThresholds(db, b).catch((e) => console.error("[budgets] alert failed", e));
  }
}

/**
 * Runs `write` — a statement of the caller's that also carries the pending settlements (JSON for
 * `settlementCtes`, or null when nothing is pending) and returns `SETTLEMENT_SELECT`'s rows —
 * in turn with the settlement flusher, so no amount is written twice or by two statements at
 * once. When the statement fails, the amounts stay pending and the flusher writes them;
 * `flushBudgets()` waits for that.
 */
export function writeWithSettlements(db: Db, write: (settlementsJson: string | null) => Promise<SettlementRow[]>): Promise<void> {
  st.db = db;
  return inTurn(async () => {
    const items = pendingItems();
    let rows: SettlementRow[];
    try {
      rows = await write(items.length ? settlementJson(items) : null);
    } catch (e) {
      if (items.length) void requestFlush();
      throw e;
    }
    if (items.length) await applySettled(db, items, rows);
  });
}

/** Postgres uuid[] arrives as an array (postgres-js) or as its text form (PGlite). */
function parseUuidArray(v: string[] | string | null): string[] {
  if (!v) return [];
  return Array.isArray(v) ? v : v.replace(/[{}]/g, "").split(",").filter(Boolean);
}

/** Waits until every settlement made so far is written (tests, shutdown). */
export async function flushBudgets() {
  await requestFlush();
  while (st.running) await st.running;
}

/**
 * Gives back the unused part of this process's leases: those idle for `idleMs`, or all of them.
 * The amount leaves `available` before the write, so no call can be served from it meanwhile.
 */
export async function returnLeases(db: Db | null = st.db, opts: { idleMs?: number } = {}) {
  if (!db) return;
  await flushBudgets();
  const now = Date.now();
  for (const a of st.accounts.values()) {
    if (opts.idleMs !== undefined && now - a.lastUsed < opts.idleMs) continue;
    await returnLease(db, a);
  }
}

/** Gives back the unused part of this process's lease on one budget (none while it is being grown). */
async function returnLease(db: Db, a: Account) {
  const give = avail(a);
  const leaseId = a.leaseId;
  if (!leaseId || give <= 0 || a.acquiring) return;
  a.granted -= give;
  let released = false;
  try {
    await db.transaction(async (tx) => {
      const [b] = await tx.select({ teamId: budgets.teamId }).from(budgets).where(eq(budgets.id, a.budgetId)).for("no key update");
      const kept = await tx
        .update(budgetReservations)
        .set({
          amountMicros: sql`${budgetReservations.amountMicros} - ${give}`,
          // Released only when nothing is left on it (an acquire may have just grown it).
          status: sql`case when ${budgetReservations.amountMicros} - ${give} <= 0 then 'released' else 'held' end::reservation_status`,
        })
        .where(and(eq(budgetReservations.id, leaseId), eq(budgetReservations.status, "held")))
        .returning({ id: budgetReservations.id, status: budgetReservations.status });
      released = kept[0]?.status === "released";
      if (!kept.length || !b) return;
      await tx.update(budgets).set({ reservedMicros: sql`${budgets.reservedMicros} - ${give}`, updatedAt: new Date() }).where(eq(budgets.id, a.budgetId));
      await tx.insert(budgetLedger).values({ budgetId: a.budgetId, teamId: b.teamId, reservationId: leaseId, kind: "release", amountMicros: give });
    });
    if (released && a.leaseId === leaseId) a.leaseId = null;
  } catch (e) {
    a.granted += give;
    console.error("[budgets] could not return a lease", e);
  }
}

/**
 * Expires reservations whose holder stopped renewing them (a crashed or frozen process): marks
 * them expired and takes their amount out of `reserved_micros`, in one transaction with the budget
 * rows locked first. Returns how many were expired. Safe to run from any number of processes.
 */
export async function expireReservations(db: Db, budgetId?: string): Promise<number> {
  st.lastSweep = Date.now();
  const due = and(eq(budgetReservations.status, "held"), lt(budgetReservations.expiresAt, sql`now()`), budgetId ? eq(budgetReservations.budgetId, budgetId) : undefined);
  const any = await db.select({ id: budgetReservations.id }).from(budgetReservations).where(due).limit(1);
  if (!any.length) return 0;
  return db.transaction(async (tx) => {
    const ids = await tx.selectDistinct({ id: budgetReservations.budgetId }).from(budgetReservations).where(due);
    if (!ids.length) return 0;
    const locked = await tx
      .select({ id: budgets.id, teamId: budgets.teamId })
      .from(budgets)
      .where(inArray(budgets.id, ids.map((r) => r.id)))
      .orderBy(asc(budgets.id))
      .for("no key update");
    const expired = await tx
      .update(budgetReservations)
      .set({ status: "expired" })
      .where(and(due, inArray(budgetReservations.budgetId, locked.map((b) => b.id))))
      .returning({ id: budgetReservations.id, budgetId: budgetReservations.budgetId, amount: budgetReservations.amountMicros });
    const sums = new Map<string, number>();
    for (const e of expired) sums.set(e.budgetId, (sums.get(e.budgetId) ?? 0) + e.amount);
    for (const [id, amt] of sums) {
      await tx.update(budgets).set({ reservedMicros: sql`greatest(0, ${budgets.reservedMicros} - ${amt})`, updatedAt: new Date() }).where(eq(budgets.id, id));
    }
    const team = new Map(locked.map((b) => [b.id, b.teamId]));
    if (expired.length) await tx.insert(budgetLedger).values(expired.map((e) => ({ budgetId: e.budgetId, teamId: team.get(e.budgetId)!, reservationId: e.id, kind: "expire" as const, amountMicros: e.amount })));
    return expired.length;
  });
}

/** Keeps leases alive while used, returns idle ones, expires dead ones. Unref'd: never keeps a process up. */
function startMaintenance() {
  if (st.timer) return;
  st.timer = setInterval(() => void maintain(), Math.min(1_000, LEASE_TTL_MS / 4));
  st.timer.unref();
}

async function maintain() {
  const db = st.db;
  if (!db) return;
  try {
    await returnLeases(db, { idleMs: IDLE_RETURN_MS });
    const stale = [...st.accounts.values()].filter((a) => a.leaseId && Date.now() - a.renewedAt > LEASE_TTL_MS / 3);
    if (stale.length) {
      await db
        .update(budgetReservations)
        .set({ expiresAt: sql`now() + ${LEASE_TTL_MS} * interval '1 millisecond'` })
        .where(and(inArray(budgetReservations.id, stale.map((a) => a.leaseId!)), eq(budgetReservations.status, "held")));
      for (const a of stale) a.renewedAt = Date.now();
    }
    if (Date.now() - st.lastSweep > LEASE_TTL_MS / 2) await expireReservations(db);
  } catch (e) {
    console.error("[budgets] maintenance failed", e);
  }
}

/** For tests: forget this process's in-memory leases and caches (after a fresh database). */
export function resetBudgetState() {
  st.accounts.clear();
  budgetCache.clear();
  st.rolling.clear();
}

/** In-memory view of this process's leases (for the README's numbers and tests). */
export function leaseSnapshot() {
  return [...st.accounts.values()].map((a) => ({ budgetId: a.budgetId, leaseId: a.leaseId, granted: a.granted, inflight: a.inflight, pending: a.pending, available: avail(a) }));
}

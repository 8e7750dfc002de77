import { createHmac } from "node:crypto";
import { and, eq, lte, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { budgetAlerts, budgets, notifications, teams, type Budget } from "@/db/schema";
import { decryptSecret } from "@/lib/crypto/secrets";
import { formatUsd } from "@/lib/format";
import { crossedThresholds } from "./thresholds";

export { crossedThresholds } from "./thresholds";

type G = { __mcAlerts?: { fired: Set<string>; deliveries: Set<Promise<void>>; inFlight: Set<string>; poller?: ReturnType<typeof setInterval> } };
const g = globalThis as G;
const state = (g.__mcAlerts ??= { fired: new Set(), deliveries: new Set(), inFlight: new Set() });
state.inFlight ??= new Set();

const key = (b: Budget, t: number) => `${b.id}|${b.periodStart.toISOString()}|${b.limitMicros}|${t}`;

/** Delays before each webhook attempt; tests shorten them with MC_WEBHOOK_RETRY_MS. */
function retryDelays(): number[] {
  const base = Number(process.env.MC_WEBHOOK_RETRY_MS) || 1_000;
  return [0, base, base * 4, base * 16];
}
/** How long a claimed attempt is reserved for its process: the request's timeout and then some. */
const CLAIM_MS = 30_000;
/** A delivery whose next attempt is due (and not claimed by a live process). */
const due = () => and(eq(budgetAlerts.webhookStatus, "pending"), lte(budgetAlerts.webhookNextAt, sql`now()`));

/**
 * Fires every threshold the budget has reached in its current period, exactly once per
 * (budget, period, limit, threshold): the unique index on budget_alerts decides, so concurrent
 * processes that notice together still write one alert. A changed limit has thresholds of its own,
 * which fire when spend crosses them after the change (not at once for spend already past them).
 * A refusal counts as reaching 100 %: a hard-stop budget refuses before spent itself touches the
 * limit. New alerts go to the notification centre and, when configured, to the budget's webhook
 * (signed, retried, in the background).
 */
export async function checkThresholds(db: Db, b: Budget, opts: { refused?: boolean } = {}) {
  const due = crossedThresholds(b.thresholds, b.spentMicros, b.limitMicros, opts.refused ?? false, b.limitSetSpentMicros).filter((t) => !state.fired.has(key(b, t)));
  if (!due.length) return [];
  const fired: number[] = [];
  for (const t of due) {
    const [row] = await db
      .insert(budgetAlerts)
      .values({ budgetId: b.id, teamId: b.teamId, periodStart: b.periodStart, threshold: t, limitMicros: b.limitMicros, spentMicros: b.spentMicros, webhookStatus: b.webhookUrl ? "pending" : null, webhookNextAt: b.webhookUrl ? new Date() : null })
      .onConflictDoNothing()
      .returning();
    state.fired.add(key(b, t));
    if (!row) continue;
    fired.push(t);
    const byRefusal = opts.refused === true && t === 100 && b.spentMicros * 100 < t * b.limitMicros;
    const of = `of its ${formatUsd(b.limitMicros)} limit`;
    const title = t >= 100 ? `Budget "${b.name}" reached ${t} % ${of}${byRefusal ? ": a call was refused" : ""}` : `Budget "${b.name}" passed ${t} % ${of}`;
    const body = byRefusal
      ? `${formatUsd(b.spentMicros)} of ${formatUsd(b.limitMicros)} spent this period, and a call that could have cost more than what is left was refused. Raise the limit, or send smaller calls (lower max_tokens).`
      : `${formatUsd(b.spentMicros)} of ${formatUsd(b.limitMicros)} spent this period${opts.refused && t >= 100 ? "; calls that do not fit are refused" : ""}.`;
    await db.insert(notifications).values({ teamId: b.teamId, kind: "budget.threshold", title, body, data: { budgetId: b.id, alertId: row.id, threshold: t, spentMicros: b.spentMicros, limitMicros: b.limitMicros } });
    if (b.webhookUrl) deliverInBackground(db, row.id);
  }
  return fired;
}

function track(p: Promise<void>) {
  state.deliveries.add(p);
  void p.finally(() => state.deliveries.delete(p));
}

/** Waits for webhook deliveries in flight (tests, shutdown). */
export async function settleDeliveries() {
  while (state.deliveries.size) await Promise.all([...state.deliveries]);
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe signs its webhooks. */
export function signPayload(secret: string, body: string, at = Math.floor(Date.now() / 1000)): string {
  return `t=${at},v1=${createHmac("sha256", secret).update(`${at}.${body}`).digest("hex")}`;
}

/** Checks a signature header against the body (for receivers, and the tests). */
export function verifySignature(secret: string, body: string, header: string, toleranceS = 300): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=") as [string, string]));
  const at = Number(parts.t);
  if (!Number.isFinite(at) || Math.abs(Date.now() / 1000 - at) > toleranceS) return false;
  return signPayload(secret, body, at) === header;
}

/**
 * Webhook deliveries live in budget_alerts (the outbox): `webhook_status` 'pending' with
 * `webhook_next_at` = when the next attempt is due. Before each attempt a process claims it with
 * one UPDATE that moves `webhook_next_at` CLAIM_MS ahead, so two processes never send the same
 * attempt, and an attempt whose process died is taken up again once the claim runs out. After
 * each attempt the row says what happened (delivered / failed: … / pending with the next time), so
 * a restart loses nothing. Delivery is at least once: a receiver should de-duplicate on the
 * `x-mc-delivery` header (the alert's id).
 */
export async function deliverAlert(db: Db, alertId: string): Promise<void> {
  const delays = retryDelays();
  for (;;) {
    const [a] = await db
      .update(budgetAlerts)
      .set({ webhookNextAt: sql`now() + ${CLAIM_MS} * interval '1 millisecond'` })
      .where(and(eq(budgetAlerts.id, alertId), due()))
      .returning();
    if (!a) return; // done, or claimed by someone else, or not due yet
    const [b] = await db.select().from(budgets).where(eq(budgets.id, a.budgetId));
    if (!b?.webhookUrl) {
      await db.update(budgetAlerts).set({ webhookStatus: "cancelled: the budget has no webhook any more", webhookNextAt: null }).where(eq(budgetAlerts.id, alertId));
      return;
    }
    const { status, retry } = await attempt(db, b, a);
    const attempts = a.webhookAttempts + 1;
    const wait = retry && attempts < delays.length ? delays[attempts] : undefined;
    await db
      .update(budgetAlerts)
      .set(
        wait === undefined
          ? { webhookStatus: status, webhookAttempts: attempts, webhookNextAt: null }
          : { webhookAttempts: attempts, webhookNextAt: sql`now() + ${wait} * interval '1 millisecond'` },
      )
      .where(eq(budgetAlerts.id, alertId));
    if (wait === undefined) return;
    await new Promise((r) => setTimeout(r, wait + 5)); // a timer may fire a hair early; the claim checks the database's clock
  }
}

/** One POST of the alert to the budget's webhook; `retry` when another attempt could help. */
async function attempt(db: Db, b: Budget, a: typeof budgetAlerts.$inferSelect): Promise<{ status: string; retry: boolean }> {
  const [team] = await db.select({ slug: teams.slug, name: teams.name }).from(teams).where(eq(teams.id, b.teamId));
  const payload = JSON.stringify({
    type: "budget.threshold",
    id: a.id,
    team: team ? { id: b.teamId, slug: team.slug, name: team.name } : { id: b.teamId },
    budget: { id: b.id, name: b.name, scope: b.scope, period: b.period, periodStart: a.periodStart.toISOString(), limitMicros: b.limitMicros, hardStop: b.hardStop },
    threshold: a.threshold,
    /** The limit the threshold is a share of (the budget's limit when the alert fired). */
    limitMicros: a.limitMicros,
    spentMicros: a.spentMicros,
    firedAt: a.createdAt.toISOString(),
  });
  let secret = "";
  try {
    secret = b.webhookSecretEncrypted ? decryptSecret(b.webhookSecretEncrypted) : "";
  } catch {
    secret = "";
  }
  try {
    const res = await fetch(b.webhookUrl!, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "mission-control-webhooks/1", "x-mc-event": "budget.threshold", "x-mc-delivery": a.id, ...(secret ? { "x-mc-signature": signPayload(secret, payload) } : {}) },
      body: payload,
      signal: AbortSignal.timeout(5_000),
    });
    if (res.ok) return { status: "delivered", retry: false };
    // A 4xx other than 408/429: the receiver said no; retrying will not help.
    return { status: `failed: HTTP ${res.status}`, retry: !(res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) };
  } catch (e) {
    return { status: `failed: ${(e as Error).message}`.slice(0, 200), retry: true };
  }
}

/** Runs the delivery of an alert in the background, once per process at a time. */
function deliverInBackground(db: Db, alertId: string) {
  if (state.inFlight.has(alertId)) return;
  state.inFlight.add(alertId);
  track(
    deliverAlert(db, alertId)
      .catch((e) => console.error("[alerts] webhook delivery stopped; it stays pending and is taken up again", e))
      .finally(() => state.inFlight.delete(alertId)),
  );
}

/** Takes up every due delivery (left by a restart, a crash, or another process that stopped). */
export async function resumeDeliveries(db: Db): Promise<number> {
  const rows = await db.select({ id: budgetAlerts.id }).from(budgetAlerts).where(due()).limit(100);
  for (const r of rows) deliverInBackground(db, r.id);
  return rows.length;
}

/** Looks for due deliveries now and then every `everyMs` (unref'd: never keeps a process up). */
export function startWebhookOutbox(db: Db, everyMs = Number(process.env.MC_WEBHOOK_POLL_MS) || 10_000) {
  if (state.poller) return;
  const tick = () => void resumeDeliveries(db).catch((e) => console.error("[alerts] could not look for pending webhooks", e));
  tick();
  state.poller = setInterval(tick, everyMs);
  state.poller.unref();
}

/** For tests: forget which alerts this process already knows were fired. */
export function resetAlertState() {
  state.fired.clear();
}

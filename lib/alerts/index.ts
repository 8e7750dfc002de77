import { createHmac } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { budgetAlerts, notifications, teams, type Budget } from "@/db/schema";
import { decryptSecret } from "@/lib/crypto/secrets";
import { formatUsd } from "@/lib/format";
import { crossedThresholds } from "./thresholds";

export { crossedThresholds } from "./thresholds";

type G = { __mcAlerts?: { fired: Set<string>; deliveries: Set<Promise<void>> } };
const g = globalThis as G;
const state = (g.__mcAlerts ??= { fired: new Set(), deliveries: new Set() });

const key = (budgetId: string, periodStart: Date, t: number) => `${budgetId}|${periodStart.toISOString()}|${t}`;

/** Delays between webhook attempts; tests shorten them with MC_WEBHOOK_RETRY_MS. */
function retryDelays(): number[] {
  const base = Number(process.env.MC_WEBHOOK_RETRY_MS) || 1_000;
  return [0, base, base * 4, base * 16];
}

/**
 * Fires every threshold the budget has reached in its current period, exactly once per
 * (budget, period, threshold): the unique index on budget_alerts decides, so concurrent processes
 * that notice together still write one alert. A refusal counts as reaching 100 %: a hard-stop
 * budget refuses before spent itself touches the limit. New alerts go to the notification centre
 * and, when configured, to the budget's webhook (signed, retried, in the background).
 */
export async function checkThresholds(db: Db, b: Budget, opts: { refused?: boolean } = {}) {
  const due = crossedThresholds(b.thresholds, b.spentMicros, b.limitMicros, opts.refused ?? false).filter((t) => !state.fired.has(key(b.id, b.periodStart, t)));
  if (!due.length) return [];
  const fired: number[] = [];
  for (const t of due) {
    const [row] = await db
      .insert(budgetAlerts)
      .values({ budgetId: b.id, teamId: b.teamId, periodStart: b.periodStart, threshold: t, spentMicros: b.spentMicros, webhookStatus: b.webhookUrl ? "pending" : null })
      .onConflictDoNothing()
      .returning();
    state.fired.add(key(b.id, b.periodStart, t));
    if (!row) continue;
    fired.push(t);
    const title = t >= 100 ? `Budget "${b.name}" reached ${t} %` : `Budget "${b.name}" passed ${t} %`;
    const body = `${formatUsd(b.spentMicros)} of ${formatUsd(b.limitMicros)} spent this period${opts.refused && t >= 100 ? "; calls that do not fit are refused" : ""}.`;
    await db.insert(notifications).values({ teamId: b.teamId, kind: "budget.threshold", title, body, data: { budgetId: b.id, alertId: row.id, threshold: t, spentMicros: b.spentMicros, limitMicros: b.limitMicros } });
    if (b.webhookUrl) track(deliver(db, b, row.id, t));
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

async function deliver(db: Db, b: Budget, alertId: string, threshold: number) {
  const [team] = await db.select({ slug: teams.slug, name: teams.name }).from(teams).where(eq(teams.id, b.teamId));
  const payload = JSON.stringify({
    type: "budget.threshold",
    id: alertId,
    team: team ? { id: b.teamId, slug: team.slug, name: team.name } : { id: b.teamId },
    budget: { id: b.id, name: b.name, scope: b.scope, period: b.period, periodStart: b.periodStart.toISOString(), limitMicros: b.limitMicros, hardStop: b.hardStop },
    threshold,
    spentMicros: b.spentMicros,
    firedAt: new Date().toISOString(),
  });
  let secret = "";
  try {
    secret = b.webhookSecretEncrypted ? decryptSecret(b.webhookSecretEncrypted) : "";
  } catch {
    secret = "";
  }
  let status = "failed";
  let attempts = 0;
  for (const wait of retryDelays()) {
    if (wait) await new Promise((r) => setTimeout(r, wait));
    attempts++;
    try {
      const res = await fetch(b.webhookUrl!, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "mission-control-webhooks/1", "x-mc-event": "budget.threshold", "x-mc-delivery": alertId, ...(secret ? { "x-mc-signature": signPayload(secret, payload) } : {}) },
        body: payload,
        signal: AbortSignal.timeout(5_000),
      });
      if (res.ok) {
        status = "delivered";
        break;
      }
      status = `failed: HTTP ${res.status}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) break; // the receiver said no; retrying will not help
    } catch (e) {
      status = `failed: ${(e as Error).message}`.slice(0, 200);
    }
  }
  await db
    .update(budgetAlerts)
    .set({ webhookStatus: status, webhookAttempts: attempts })
    .where(eq(budgetAlerts.id, alertId))
    .catch((e) => console.error("[alerts] could not record a webhook delivery", e));
}

/** For tests: forget which alerts this process already knows were fired. */
export function resetAlertState() {
  state.fired.clear();
}

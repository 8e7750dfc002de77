import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { requestPayloads, requests, usageDaily } from "@/db/schema";

export type RequestRecord = typeof requests.$inferInsert & { prompt?: string; response?: string | null };

/**
 * Writes finished requests and folds them into the daily rollup in ONE statement (data-modifying
 * CTEs run atomically), so the dashboards — which read only `usage_daily` — always agree with the
 * raw table, at one database round trip per group of rows.
 */
export async function insertRequestRecords(db: Db, records: RequestRecord[]) {
  if (!records.length) return;
  const rows = records.map(({ prompt: _p, response: _r, ...row }) => ({ ...row, id: row.id ?? crypto.randomUUID(), createdAt: row.createdAt ?? new Date() }));
  const payloads = records
    .map((r, i) => (r.prompt !== undefined ? { requestId: rows[i].id!, prompt: r.prompt, response: r.response ?? null } : null))
    .filter((p): p is NonNullable<typeof p> => p !== null);

  // Aggregate in memory first: one upsert row per rollup key for the whole group.
  const agg = new Map<string, typeof usageDaily.$inferInsert>();
  for (const r of rows) {
    const day = r.createdAt!.toISOString().slice(0, 10);
    const k = [r.teamId, day, r.model ?? "", r.userId ?? "", r.apiKeyId ?? ""].join("|");
    const a = agg.get(k) ?? { day, teamId: r.teamId, model: r.model ?? "", userId: r.userId ?? "", apiKeyId: r.apiKeyId ?? "", requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, costMicros: 0, latencyMsSum: 0 };
    a.requests! += 1;
    a.errors! += r.status === "ok" ? 0 : 1;
    a.inputTokens! += r.inputTokens ?? 0;
    a.outputTokens! += r.outputTokens ?? 0;
    a.costMicros! += r.costMicros ?? 0;
    a.latencyMsSum! += r.latencyMs ?? 0;
    agg.set(k, a);
  }
  const r = db.$with("r").as(db.insert(requests).values(rows).returning({ id: requests.id }));
  const withRows = payloads.length ? db.with(r, db.$with("p").as(db.insert(requestPayloads).values(payloads).returning({ id: requestPayloads.requestId }))) : db.with(r);
  await withRows
    .insert(usageDaily)
    .values([...agg.values()])
    .onConflictDoUpdate({
      target: [usageDaily.teamId, usageDaily.day, usageDaily.model, usageDaily.userId, usageDaily.apiKeyId],
      set: {
        requests: sql`${usageDaily.requests} + excluded.requests`,
        errors: sql`${usageDaily.errors} + excluded.errors`,
        inputTokens: sql`${usageDaily.inputTokens} + excluded.input_tokens`,
        outputTokens: sql`${usageDaily.outputTokens} + excluded.output_tokens`,
        costMicros: sql`${usageDaily.costMicros} + excluded.cost_micros`,
        latencyMsSum: sql`${usageDaily.latencyMsSum} + excluded.latency_ms_sum`,
      },
    });
}

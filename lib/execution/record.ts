import { sql } from "drizzle-orm";
import { rawQuery, type Db } from "@/db";
import { SETTLEMENT_SELECT, settlementCtes, type SettlementRow } from "@/lib/budgets";
import type { requests } from "@/db/schema";

/** Half of a UTF-16 surrogate pair: jsonb refuses its "\udxxx" escape, so no row can hold one. */
export const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "gu");

export type RequestRecord = typeof requests.$inferInsert & { prompt?: string; response?: string | null };

/**
 * The rows travel as one JSON array ($1) and are expanded by `jsonb_to_recordset`, so the same
 * prepared statement serves a group of any size. The requests rows, their payloads and the
 * rollup (grouped by the day in the team's time zone, team, model, user and key; a refused call, which reached no model,
 * under no model though its row names the one routed to) are written by ONE statement —
 * data-modifying CTEs commit atomically — so the dashboards, which read only `usage_daily`,
 * always agree with the raw table, at one round trip per group of rows.
 *
 * A row whose id is already there is skipped, with its payload and its share of the rollup, so a
 * group can be written again after a failure whose outcome was unknown (spool.ts replays rows the
 * database could not take).
 *
 * Written by hand rather than with drizzle's builder: on the hot path (one row per call) building
 * the three-table CTE cost about as much as the database took to run it (0.97 ms vs 0.45 ms
 * p50 on Postgres here; see docs/benchmarks.md). Column lists follow
 * db/schema/requests.ts; record.db.test.ts writes and reads back every column.
 */
const RECORD_CTES = `x as (
  select * from jsonb_to_recordset($1::text::jsonb) as x(
    id uuid, team_id uuid, user_id text, api_key_id uuid, source request_source, task_profile jsonb,
    domain text, requested_model text, model text, provider_kind text, selection_reason text,
    confidence real, fallbacks_tried jsonb, input_tokens integer, output_tokens integer,
    cost_micros bigint, latency_ms integer, status request_status, error_kind text,
    error_message text, pipeline_run_id uuid, created_at timestamptz, prompt text, response text,
    has_payload boolean)
),
r as (
  insert into requests (id, team_id, user_id, api_key_id, source, task_profile, domain, requested_model,
    model, provider_kind, selection_reason, confidence, fallbacks_tried, input_tokens, output_tokens,
    cost_micros, latency_ms, status, error_kind, error_message, pipeline_run_id, created_at)
  select id, team_id, user_id, api_key_id, source, task_profile, domain, requested_model,
    model, provider_kind, selection_reason, confidence, coalesce(fallbacks_tried, '[]'::jsonb),
    coalesce(input_tokens, 0), coalesce(output_tokens, 0), coalesce(cost_micros, 0), coalesce(latency_ms, 0),
    status, error_kind, error_message, pipeline_run_id, created_at
  from x
  on conflict (id) do nothing
  returning id
),
z as (
  -- The team's zone names the rollup day. FOR KEY SHARE (as the foreign key check takes anyway)
  -- waits for a zone change in progress and then reads the new zone (setTeamTimezone).
  select id, timezone from teams where id in (select team_id from x) for key share
),
p as (
  insert into request_payloads (request_id, prompt, response)
  select x.id, x.prompt, x.response from x join r on r.id = x.id where x.has_payload
  returning request_id
)`;

const USAGE_UPSERT = `insert into usage_daily as u (day, team_id, model, user_id, api_key_id, requests, errors, input_tokens,
  output_tokens, cost_micros, latency_ms_sum)
select (x.created_at at time zone z.timezone)::date, x.team_id, case when status = 'refused' then '' else coalesce(model, '') end, coalesce(user_id, ''),
  coalesce(api_key_id::text, ''), count(*), count(*) filter (where status <> 'ok'),
  sum(coalesce(input_tokens, 0)), sum(coalesce(output_tokens, 0)), sum(coalesce(cost_micros, 0)),
  sum(coalesce(latency_ms, 0))
from x join z on z.id = x.team_id where x.id in (select id from r)
group by 1, 2, 3, 4, 5
on conflict (team_id, day, model, user_id, api_key_id) do update set
  requests = u.requests + excluded.requests,
  errors = u.errors + excluded.errors,
  input_tokens = u.input_tokens + excluded.input_tokens,
  output_tokens = u.output_tokens + excluded.output_tokens,
  cost_micros = u.cost_micros + excluded.cost_micros,
  latency_ms_sum = u.latency_ms_sum + excluded.latency_ms_sum`;

const RECORD_SQL = `with ${RECORD_CTES}\n${USAGE_UPSERT}`;
/** The same, with the budget settlements pending in this process ($2) committed by the same statement. */
const RECORD_AND_SETTLE_SQL = `with ${RECORD_CTES},\nud as (${USAGE_UPSERT} returning 1),\n${settlementCtes("$2")}\n${SETTLEMENT_SELECT}`;

/**
 * Files a team's requests in usage_daily again, under their days in the team's zone now: after
 * its zone changed. Run under the team row's FOR UPDATE lock, so no writer adds to the rollup
 * meanwhile; statements after the lock see every request committed before it.
 */
export async function rebuildTeamRollup(db: Db, teamId: string) {
  await db.execute(sql`delete from usage_daily where team_id = ${teamId}`);
  await db.execute(sql`insert into usage_daily (day, team_id, model, user_id, api_key_id, requests, errors, input_tokens, output_tokens, cost_micros, latency_ms_sum)
    select (r.created_at at time zone t.timezone)::date, r.team_id, case when r.status = 'refused' then '' else coalesce(r.model, '') end,
      coalesce(r.user_id, ''), coalesce(r.api_key_id::text, ''), count(*), count(*) filter (where r.status <> 'ok'),
      sum(r.input_tokens), sum(r.output_tokens), sum(r.cost_micros), sum(r.latency_ms)
    from requests r join teams t on t.id = r.team_id
    where r.team_id = ${teamId}
    group by 1, 2, 3, 4, 5`);
}

/**
 * Writes finished requests with their payloads and folds them into the daily rollup, in one
 * statement; with `settlementsJson` (from lib/budgets' `writeWithSettlements`) the same statement
 * also commits those budget settlements and returns their rows.
 */
export async function insertRequestRecords(db: Db, records: RequestRecord[], settlementsJson: string | null = null): Promise<SettlementRow[]> {
  if (!records.length) return [];
  // Absent keys are NULL to jsonb_to_recordset: leaving them out keeps the parameter short.
  const rows = records.map((r) => ({
    id: r.id ?? crypto.randomUUID(),
    team_id: r.teamId,
    user_id: r.userId ?? undefined,
    api_key_id: r.apiKeyId ?? undefined,
    source: r.source,
    task_profile: r.taskProfile ?? undefined,
    domain: r.domain ?? undefined,
    requested_model: r.requestedModel ?? undefined,
    model: r.model ?? undefined,
    provider_kind: r.providerKind ?? undefined,
    selection_reason: r.selectionReason ?? undefined,
    confidence: r.confidence ?? undefined,
    fallbacks_tried: r.fallbacksTried ?? undefined,
    input_tokens: r.inputTokens ?? undefined,
    output_tokens: r.outputTokens ?? undefined,
    cost_micros: r.costMicros ?? undefined,
    latency_ms: r.latencyMs ?? undefined,
    status: r.status,
    error_kind: r.errorKind ?? undefined,
    error_message: noNul(r.errorMessage),
    pipeline_run_id: r.pipelineRunId ?? undefined,
    created_at: (r.createdAt ?? new Date()).toISOString(),
    prompt: r.prompt ?? undefined,
    response: noNul(r.response),
    has_payload: r.prompt !== undefined,
  }));
  let json = JSON.stringify(rows);
  // Half a surrogate pair (a provider's answer may hold one) is escaped as "\udxxx", which jsonb
  // refuses, failing the whole group: store U+FFFD in its place rather than lose the rows.
  if (json.includes("\\ud")) json = JSON.stringify(rows, (_k, v: unknown) => (typeof v === "string" ? v.replace(LONE_SURROGATES, "\ufffd") : v));
  if (settlementsJson === null) {
    await rawQuery(db, "mc_record_requests", RECORD_SQL, [json]);
    return [];
  }
  return rawQuery<SettlementRow>(db, "mc_record_requests_settle", RECORD_AND_SETTLE_SQL, [json, settlementsJson]);
}

/** Postgres text cannot hold U+0000; a provider's answer or error may. Drop it rather than lose the row. */
function noNul(s: string | null | undefined): string | undefined {
  if (s == null) return undefined;
  return s.includes("\u0000") ? s.replaceAll("\u0000", "") : s;
}

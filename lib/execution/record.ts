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

/** The failed attempts of a row billed for output they had begun (the entries of its fallbacks_tried with costMicros), as rows `a`: SQL text to follow `from`. */
export const billedAttempts = (fallbacksTried: string) => `jsonb_array_elements(${fallbacksTried}) a where a->>'costMicros' is not null`;

/**
 * How request rows are filed in usage_daily, by the writer (below) and by rebuildTeamRollup alike:
 * grouped by the row's day in its team's zone (`zone`), team, model, user and key. The call counts
 * once — one request, an error unless it is ok, its latency — under the model that answered it (a
 * failed call: the last one tried; a refused call, which reached no model, none, though its row
 * names the one routed to). Its tokens and cost are split by the model that spent them: each
 * failed attempt billed for output it had begun (an entry of fallbacks_tried with costMicros) under
 * that attempt's model, and the rest of the row's under the row's model. An attempt that failed
 * before any output was billed nothing and adds nothing (the Models page counts it as its model's
 * error from fallbacks_tried itself, lib/usage/model-stats.ts).
 */
function rollupInsert(row: string, zone: string, from: string, where: string) {
  const billed = billedAttempts(`${row}.fallbacks_tried`);
  return `insert into usage_daily as u (day, team_id, model, user_id, api_key_id, requests, errors, input_tokens, output_tokens, cost_micros, latency_ms_sum)
select (${row}.created_at at time zone ${zone})::date, ${row}.team_id, s.model, coalesce(${row}.user_id, ''), coalesce(${row}.api_key_id::text, ''),
  sum(s.requests), sum(s.errors), sum(s.input_tokens), sum(s.output_tokens), sum(s.cost_micros), sum(s.latency_ms)
from ${from} cross join lateral (
  select case when ${row}.status = 'refused' then '' else coalesce(${row}.model, '') end as model, 1 as requests, (${row}.status <> 'ok')::int as errors,
    coalesce(${row}.input_tokens, 0) - b.input_tokens as input_tokens, coalesce(${row}.output_tokens, 0) - b.output_tokens as output_tokens,
    coalesce(${row}.cost_micros, 0) - b.cost_micros as cost_micros, coalesce(${row}.latency_ms, 0) as latency_ms
  from (select coalesce(sum((a->>'inputTokens')::int), 0) as input_tokens, coalesce(sum((a->>'outputTokens')::int), 0) as output_tokens,
    coalesce(sum((a->>'costMicros')::bigint), 0)::bigint as cost_micros from ${billed}) b
  union all
  select a->>'model', 0, 0, coalesce((a->>'inputTokens')::bigint, 0), coalesce((a->>'outputTokens')::bigint, 0), (a->>'costMicros')::bigint, 0 from ${billed}
) s
where ${where}
group by 1, 2, 3, 4, 5`;
}

const USAGE_UPSERT = `${rollupInsert("x", "z.timezone", "x join z on z.id = x.team_id", "x.id in (select id from r)")}
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

/** rebuildTeamRollup's statement, in two halves around the team's id (a parameter). */
const REBUILD = rollupInsert("r", "t.timezone", "requests r join teams t on t.id = r.team_id", "r.team_id = $team").split("$team");

/**
 * Files a team's requests in usage_daily again, under their days in the team's zone now: after
 * its zone changed. Run under the team row's FOR UPDATE lock, so no writer adds to the rollup
 * meanwhile; statements after the lock see every request committed before it.
 */
export async function rebuildTeamRollup(db: Db, teamId: string) {
  await db.execute(sql`delete from usage_daily where team_id = ${teamId}`);
  await db.execute(sql`${sql.raw(REBUILD[0])}${teamId}${sql.raw(REBUILD[1])}`);
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

import { and, eq, gt, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { thinkingBlocks } from "@/db/schema";
import type { ThinkingBlock } from "@/lib/providers/call";
import { THINKING_KEPT_HOURS } from "@/lib/providers/reasoning";

/**
 * The thinking of Claude answers that called tools, kept for the conversation's next turn: Anthropic
 * wants a tool loop's thinking back first in its turn, and the OpenAI-shaped messages callers send
 * cannot carry it. Kept per team (another team's thinking is its prompt's reasoning, never sent for
 * anyone else) by the tool call ids the caller received, for THINKING_KEPT_HOURS.
 */

const kept = sql.raw(`interval '${THINKING_KEPT_HOURS} hours'`);

/**
 * Keeps `blocks` under each of the answer's tool call ids, in one statement that also deletes the
 * rows past the limit (only these writes pay for the pruning, and it stays small: what expired since
 * the last such answer, found by the created_at index). An id kept before is kept anew (ids are the
 * vendor's, so this is a loop re-sent, or a restarted test fleet's); the pruning leaves those rows to
 * the insert, as one statement may not both delete and update a row.
 */
export async function keepThinking(db: Db, row: { teamId: string; model: string; toolCallIds: string[]; blocks: ThinkingBlock[] }): Promise<void> {
  if (!row.toolCallIds.length || !row.blocks.length) return;
  const ids = sql.join(
    row.toolCallIds.map((id) => sql`${id}`),
    sql`, `,
  );
  await db.execute(sql`
    with pruned as (delete from ${thinkingBlocks} where ${thinkingBlocks.createdAt} < now() - ${kept} and not (${thinkingBlocks.teamId} = ${row.teamId} and ${thinkingBlocks.toolCallId} in (${ids})))
    insert into ${thinkingBlocks} (team_id, tool_call_id, model, blocks)
    select ${row.teamId}, id, ${row.model}, ${JSON.stringify(row.blocks)}::jsonb from unnest(array[${ids}]::text[]) as id
    on conflict (team_id, tool_call_id) do update set model = excluded.model, blocks = excluded.blocks, created_at = excluded.created_at`);
}

/** The thinking kept for this team under any of these tool call ids, younger than the limit: one indexed read. */
export async function findThinking(db: Db, teamId: string, toolCallIds: string[]): Promise<{ toolCallId: string; model: string; blocks: ThinkingBlock[] }[]> {
  if (!toolCallIds.length) return [];
  return db
    .select({ toolCallId: thinkingBlocks.toolCallId, model: thinkingBlocks.model, blocks: thinkingBlocks.blocks })
    .from(thinkingBlocks)
    .where(and(eq(thinkingBlocks.teamId, teamId), inArray(thinkingBlocks.toolCallId, toolCallIds), gt(thinkingBlocks.createdAt, sql`now() - ${kept}`)));
}

/**
 * The rows `findThinking` returned that `model` made, as `CallOptions.thinkingBlocks`: a signature is
 * its model's, and another model's thinking would be refused by the vendor rather than answered.
 */
export function thinkingOf(rows: Awaited<ReturnType<typeof findThinking>>, model: string): Map<string, ThinkingBlock[]> {
  return new Map(rows.filter((r) => r.model === model).map((r) => [r.toolCallId, r.blocks]));
}

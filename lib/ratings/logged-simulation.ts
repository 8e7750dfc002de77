import { and, desc, eq, gte, isNotNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { ratings, requests } from "@/db/schema";
import { fleetCandidates, loadFleet, teamLatencies } from "@/lib/execution/fleet";
import { billedAttempts } from "@/lib/execution/record";
import { routeSettingsOf, teamRoutingSettings } from "@/lib/execution/delegate";
import { ratingOutcome } from "@/lib/learning";
import { MIN_MATCHED, profileFromRow, replayLogged, type LoggedEvent, type LoggedReplayResult } from "@/lib/routing/logged-replay";
import { SIMULATOR_KNOBS } from "@/lib/routing/replay";
import { lastDays } from "@/lib/usage/queries";
import { learnerRating } from "./service";

/** The window the simulator reads the team's rated results from. */
export const LOGGED_DAYS = 90;
/** At most this many of the latest rated results are replayed (about 0.3 s on this machine). */
export const LOGGED_MAX_EVENTS = 2_000;
const SEED = 7;

export type LoggedSimulation = LoggedReplayResult & { days: number; maxEvents: number; minMatched: number };

/**
 * The team's rated, answered results of the last `LOGGED_DAYS` days in the team's time zone, oldest
 * first (the latest `limit`): one per result, its rating the mean of its raters' (each normalised
 * as the learner reads it), its cost the answer's own — without failed attempts billed before it,
 * which a router choosing this model directly would not have paid.
 */
export async function loggedEvents(db: Db, teamId: string, since: Date, limit = LOGGED_MAX_EVENTS): Promise<LoggedEvent[]> {
  const rows = await db
    .select({
      model: requests.model,
      domain: requests.domain,
      profile: requests.taskProfile,
      cost: sql<number | string>`${requests.costMicros} - (select coalesce(sum((a->>'costMicros')::bigint), 0) from ${sql.raw(billedAttempts('"requests"."fallbacks_tried"'))})`,
      rated: sql<{ kind: "thumbs" | "stars"; value: number }[]>`jsonb_agg(jsonb_build_object('kind', ${ratings.kind}, 'value', ${ratings.value}))`,
    })
    .from(requests)
    .innerJoin(ratings, and(eq(ratings.requestId, requests.id), eq(ratings.teamId, teamId)))
    .where(and(eq(requests.teamId, teamId), eq(requests.status, "ok"), isNotNull(requests.model), gte(requests.createdAt, since)))
    .groupBy(requests.id)
    .orderBy(desc(requests.createdAt), desc(requests.id))
    .limit(limit);
  return rows.reverse().map((r) => {
    const rated = typeof r.rated === "string" ? (JSON.parse(r.rated) as typeof r.rated) : r.rated;
    const rating = rated.reduce((s, x) => s + ratingOutcome(learnerRating(x.kind, Number(x.value))).y, 0) / rated.length;
    return { model: r.model!, profile: profileFromRow(r.profile, r.domain), rating, costMicros: Number(r.cost) };
  });
}

/**
 * The routing simulator on the team's logged ratings (lib/routing/logged-replay.ts): the fleet as
 * delegate() sees it for this team — its allow-list, exploration cap and measured latencies — over
 * the simulator's knob settings.
 */
export async function simulateLogged(db: Db, teamId: string, timeZone: string, now = new Date()): Promise<LoggedSimulation> {
  const { since } = lastDays(LOGGED_DAYS, timeZone, now);
  const [events, fleet, settings, latency] = await Promise.all([loggedEvents(db, teamId, since), loadFleet(db), teamRoutingSettings(db, teamId), teamLatencies(db, teamId)]);
  const { qualityVsCost: _k, ...rest } = routeSettingsOf(settings);
  const result = replayLogged(events, fleetCandidates(fleet, latency), { knobs: SIMULATOR_KNOBS, seed: SEED, settings: rest });
  return { ...result, days: LOGGED_DAYS, maxEvents: LOGGED_MAX_EVENTS, minMatched: MIN_MATCHED };
}

import { eq, sql } from "drizzle-orm";
import { rowsOf, type Db } from "@/db";
import { ttlCache } from "@/db/cache";
import { models, providers, type Model, type Provider } from "@/db/schema";
import { decryptSecret } from "@/lib/crypto/secrets";
import type { ProviderConfig } from "@/lib/providers/client";
import { takesReasoningEffort } from "@/lib/providers/reasoning";
import type { RouteCandidate } from "@/lib/routing";

export type FleetModel = { model: Model; provider: Provider; config: ProviderConfig; candidate: RouteCandidate };
export type Fleet = { byName: Map<string, FleetModel>; loadedAt: number };

type G = { __mcFleet?: { fleet?: Fleet; pending?: Promise<Fleet>; version: number } };
const g = globalThis as G;
const TTL_MS = 5_000;

/**
 * Every model with its provider and decrypted key, cached in memory for a few seconds so the hot
 * path does no query for it; admin changes call `invalidateFleet()` to see them at once.
 */
export async function loadFleet(db: Db): Promise<Fleet> {
  const state = (g.__mcFleet ??= { version: 0 });
  if (state.fleet && Date.now() - state.fleet.loadedAt < TTL_MS) return state.fleet;
  if (state.pending) return state.pending;
  const version = state.version;
  state.pending = (async () => {
    const rows = await db.select({ m: models, p: providers }).from(models).innerJoin(providers, eq(providers.id, models.providerId));
    const byName = new Map<string, FleetModel>();
    for (const { m, p } of rows) {
      byName.set(m.name, {
        model: m,
        provider: p,
        config: { kind: p.kind === "openai_compatible" ? "openai" : p.kind, baseUrl: p.baseUrl, apiKey: p.apiKeyEncrypted ? decryptSecret(p.apiKeyEncrypted) : "none" },
        candidate: {
          id: m.name,
          provider: p.kind,
          local: p.local,
          enabled: m.enabled && p.enabled,
          contextWindow: m.contextWindow,
          maxOutputTokens: m.maxOutputTokens,
          inputPerMTokMicros: m.inputPriceMicros,
          outputPerMTokMicros: m.outputPriceMicros,
          strengths: m.strengths,
          costTier: m.costTier,
          toolCalling: m.toolCalling,
          imageInput: m.imageInput,
          // A flag ticked before Mistral's was refused (Admin → Models) sends it nothing either.
          reasoningEffort: m.reasoningEffort && takesReasoningEffort(p.kind),
        },
      });
    }
    const fleet = { byName, loadedAt: Date.now() };
    if (state.version === version) state.fleet = fleet;
    return fleet;
  })().finally(() => {
    state.pending = undefined;
  });
  return state.pending;
}

/** Every model of the fleet as a route candidate, with the team's measured p50 latency where known (`teamLatencies`). */
export function fleetCandidates(fleet: Fleet, latency: Map<string, number>): RouteCandidate[] {
  return [...fleet.byName.values()].map((f) => (latency.has(f.model.name) ? { ...f.candidate, p50LatencyMs: latency.get(f.model.name) } : f.candidate));
}

export function invalidateFleet() {
  const state = (g.__mcFleet ??= { version: 0 });
  state.version++;
  state.fleet = undefined;
}

/** How many of a model's latest answered calls its p50 latency is read from. */
const LATENCY_SAMPLE = 50;
const latencyCache = ttlCache<Map<string, number>>("__mcLatency", () => 30_000);

/**
 * Each model's p50 latency (ms) over the team's last 50 answered calls to it, cached for 30 s: what
 * the router holds `max_time` against (a model no call has measured passes) and urgent tasks are
 * steered by. One index range read per model (requests by team, model, created_at).
 */
export function teamLatencies(db: Db, teamId: string): Promise<Map<string, number>> {
  return latencyCache.get(teamId, async () => {
    const rows = rowsOf<{ model: string; p50: number | string | null }>(
      await db.execute(sql`
        select m.name as model,
          (select percentile_cont(0.5) within group (order by x.latency_ms)
             from (select r.latency_ms from requests r
                   where r.team_id = ${teamId} and r.model = m.name and r.status = 'ok'
                   order by r.created_at desc limit ${LATENCY_SAMPLE}) x) as p50
        from models m`),
    );
    return new Map(rows.filter((r) => r.p50 !== null).map((r) => [r.model, Math.round(Number(r.p50))]));
  });
}

export function invalidateLatencies() {
  latencyCache.clear();
}

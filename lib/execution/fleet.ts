import { eq } from "drizzle-orm";
import type { Db } from "@/db";
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

export function invalidateFleet() {
  const state = (g.__mcFleet ??= { version: 0 });
  state.version++;
  state.fleet = undefined;
}

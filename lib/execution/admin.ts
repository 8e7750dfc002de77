import { and, eq, ne, sql } from "drizzle-orm";
import { inTransaction, type Db } from "@/db";
import { models, providers, type ProviderKind } from "@/db/schema";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secrets";
import { NotFoundError, UserError } from "@/lib/errors";
import { testConnection } from "@/lib/providers/call";
import { reasoningEffortHelp, takesReasoningEffort } from "@/lib/providers/reasoning";
import { audit } from "@/lib/teams/service";
import { invalidateFleet } from "./fleet";
import { apiKeyHint, storedBaseUrl } from "./schemas";

type Actor = { teamId: string; userId: string };

/** Providers as the admin pages see them: never the key, only the last four characters of a long one. */
export async function listProviders(db: Db) {
  const rows = await db.select().from(providers).orderBy(providers.name);
  return rows.map(({ apiKeyEncrypted, ...p }) => ({ ...p, hasKey: !!apiKeyEncrypted }));
}

/** Names are unique ignoring case: "Acme" and "acme" would be told apart only by a careful reader. */
async function refuseTakenName(db: Db, name: string, exceptId?: string) {
  const [taken] = await db
    .select({ name: providers.name })
    .from(providers)
    .where(and(sql`lower(${providers.name}) = lower(${name})`, exceptId ? ne(providers.id, exceptId) : undefined))
    .limit(1);
  if (taken?.name === name) throw new UserError(`A provider named "${name}" already exists.`, { name: ["Choose another name."] });
  if (taken) throw new UserError(`A provider named "${taken.name}" already exists.`, { name: [`Choose another name: "${taken.name}" exists, and names may not differ only in case.`] });
}

/** The database's own guard on provider names (migration 0006), for writes that raced past `refuseTakenName`. */
const NAME_INDEX = "providers_name_lower_idx";

function isNameTaken(e: unknown): boolean {
  // drizzle wraps the driver's error in `cause`; postgres-js names the index `constraint_name`, PGlite `constraint`.
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const err = c as { code?: string; constraint_name?: string; constraint?: string };
    if (err.code === "23505" && (err.constraint_name ?? err.constraint) === NAME_INDEX) return true;
  }
  return false;
}

/**
 * Runs `write` (which gives a provider `name`) after checking the name is free. A concurrent write
 * of the same name can pass the check too; the unique index then refuses one of them, and its
 * caller gets the same error the check gives, naming the provider that won.
 */
async function withFreeName<T>(db: Db, name: string, exceptId: string | undefined, write: () => Promise<T>): Promise<T> {
  await refuseTakenName(db, name, exceptId);
  try {
    return await write();
  } catch (e) {
    if (!isNameTaken(e)) throw e;
    await refuseTakenName(db, name, exceptId);
    throw new UserError(`A provider named "${name}" already exists.`, { name: ["Choose another name."] });
  }
}

export async function createProvider(db: Db, actor: Actor, input: { kind: ProviderKind; name: string; baseUrl: string; apiKey?: string; local: boolean }) {
  input = { ...input, baseUrl: storedBaseUrl(input.kind, input.baseUrl) };
  const write = () =>
    inTransaction(db, async (t) => {
      const [row] = await t
        .insert(providers)
        .values({
          kind: input.kind,
          name: input.name,
          baseUrl: input.baseUrl,
          local: input.local,
          apiKeyEncrypted: input.apiKey ? encryptSecret(input.apiKey) : null,
          apiKeyHint: input.apiKey ? apiKeyHint(input.apiKey) : null,
        })
        .returning({ id: providers.id, name: providers.name, baseUrl: providers.baseUrl });
      await audit(t, { teamId: actor.teamId, actorUserId: actor.userId, action: "provider.create", target: input.name, details: { kind: input.kind, baseUrl: input.baseUrl } });
      return row;
    });
  const row = await withFreeName(db, input.name, undefined, write);
  invalidateFleet();
  return row;
}

/**
 * Changes a provider's name, base URL, key or enabled flag. Renaming touches nothing else: models,
 * request rows (`provider_kind`) and the API (`owned_by` is the kind) refer to a provider by id or kind.
 */
export async function updateProvider(db: Db, actor: Actor, input: { providerId: string; name?: string; baseUrl?: string; apiKey?: string; enabled?: boolean }) {
  const [before] = await db.select().from(providers).where(eq(providers.id, input.providerId));
  if (!before) throw new NotFoundError("That provider does not exist.");
  const patch: Partial<typeof providers.$inferInsert> = { updatedAt: new Date() };
  const renamed = input.name !== undefined && input.name !== before.name;
  if (renamed) patch.name = input.name;
  if (input.baseUrl !== undefined) patch.baseUrl = storedBaseUrl(before.kind, input.baseUrl);
  if (input.enabled !== undefined) patch.enabled = input.enabled;
  if (input.apiKey) {
    patch.apiKeyEncrypted = encryptSecret(input.apiKey);
    patch.apiKeyHint = apiKeyHint(input.apiKey);
  }
  const write = () =>
    inTransaction(db, async (t) => {
      await t.update(providers).set(patch).where(eq(providers.id, input.providerId));
      await audit(t, {
        teamId: actor.teamId,
        actorUserId: actor.userId,
        action: "provider.update",
        target: before.name,
        details: { name: renamed ? { from: before.name, to: input.name } : undefined, baseUrl: patch.baseUrl, enabled: input.enabled, keyReplaced: !!input.apiKey },
      });
    });
  await (renamed ? withFreeName(db, input.name!, before.id, write) : write());
  invalidateFleet();
}

export async function checkProvider(db: Db, providerId: string) {
  const [p] = await db.select().from(providers).where(eq(providers.id, providerId));
  if (!p) throw new NotFoundError("That provider does not exist.");
  const res = await testConnection({ kind: p.kind === "openai_compatible" ? "openai" : p.kind, baseUrl: p.baseUrl, apiKey: p.apiKeyEncrypted ? decryptSecret(p.apiKeyEncrypted) : "" });
  return { ok: res.ok, latencyMs: Math.round(res.latencyMs), models: res.models?.length ?? 0, error: res.error ?? null };
}

export async function listModels(db: Db) {
  return db
    .select({ m: models, provider: providers.name, providerKind: providers.kind })
    .from(models)
    .innerJoin(providers, eq(providers.id, models.providerId))
    .orderBy(providers.name, models.name);
}

export type ModelPatch = {
  modelId: string;
  enabled: boolean;
  contextWindow: number;
  /** Null: unknown. Absent: left as it is (a new model's is unknown). */
  maxOutputTokens?: number | null;
  inputPriceMicros: number;
  outputPriceMicros: number;
  cachedInputPriceMicros: number | null;
  strengths: string[];
  optimalFor: string[];
  costTier: "free" | "low" | "medium" | "high";
  toolCalling: boolean;
  imageInput: boolean;
  reasoningEffort: boolean;
};

/** The form disables the box for such a provider; this is the check behind it. */
function refuseReasoningEffort(kind: ProviderKind, on: boolean) {
  if (on && !takesReasoningEffort(kind)) throw new UserError(reasoningEffortHelp(kind), { reasoningEffort: ["Untick reasoning effort for this provider's models."] });
}

/** An answer shares the window with its prompt, so a limit above the window is a typo. */
function refuseOutputOverWindow(input: { contextWindow: number; maxOutputTokens?: number | null }) {
  if (input.maxOutputTokens == null || input.maxOutputTokens <= input.contextWindow) return;
  const n = (x: number) => x.toLocaleString("en-US");
  throw new UserError(`Max output tokens (${n(input.maxOutputTokens)}) cannot be more than the context window (${n(input.contextWindow)}): the answer shares the window with its prompt.`, {
    maxOutputTokens: [`Enter ${n(input.contextWindow)} or less (the model's window), or leave it empty if unknown.`],
  });
}

export async function updateModel(db: Db, actor: Actor, input: ModelPatch) {
  const [found] = await db.select({ m: models, kind: providers.kind }).from(models).innerJoin(providers, eq(providers.id, models.providerId)).where(eq(models.id, input.modelId));
  if (!found) throw new NotFoundError("That model does not exist.");
  const before = found.m;
  refuseReasoningEffort(found.kind, input.reasoningEffort);
  refuseOutputOverWindow(input);
  const { modelId, ...patch } = input;
  const changed = Object.fromEntries(
    Object.entries(patch)
      .filter(([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify((before as Record<string, unknown>)[k]))
      .map(([k, v]) => [k, { from: (before as Record<string, unknown>)[k], to: v }]),
  );
  await inTransaction(db, async (t) => {
    await t.update(models).set({ ...patch, updatedAt: new Date() }).where(eq(models.id, modelId));
    await audit(t, { teamId: actor.teamId, actorUserId: actor.userId, action: "model.update", target: before.name, details: changed });
  });
  invalidateFleet();
}

export async function createModel(db: Db, actor: Actor, input: Omit<ModelPatch, "modelId"> & { providerId: string; name: string; displayName: string }) {
  const [p] = await db.select().from(providers).where(eq(providers.id, input.providerId));
  if (!p) throw new NotFoundError("That provider does not exist.");
  refuseReasoningEffort(p.kind, input.reasoningEffort);
  refuseOutputOverWindow(input);
  const taken = await db.select({ id: models.id }).from(models).where(eq(models.name, input.name));
  if (taken.length) throw new UserError(`A model named "${input.name}" already exists.`, { name: ["Model names are unique across providers."] });
  const row = await inTransaction(db, async (t) => {
    const [row] = await t.insert(models).values(input).returning({ id: models.id });
    await audit(t, { teamId: actor.teamId, actorUserId: actor.userId, action: "model.create", target: input.name, details: { provider: p.name } });
    return row;
  });
  invalidateFleet();
  return { id: row.id, name: input.name, provider: p.name, enabled: input.enabled };
}

import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb, rowsOf } from "@/db";
import { auditLog, memberships, models, providers, routingSettings } from "@/db/schema";
import { seedFleet } from "@/db/seed";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { createTeam } from "@/lib/teams/service";
import { startMockFleet } from "@/mock-fleet/server";
import { driverName, freshDb } from "@/test/db";
import { createModelAction, createProviderAction, testProviderAction, updateModelAction, updateProviderAction } from "./actions";
import { listProviders } from "./admin";
import { invalidateFleet, loadFleet } from "./fleet";
import { updateRoutingSettingsAction } from "./settings";
import { delegate } from "./delegate";

vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

let db: Awaited<ReturnType<typeof freshDb>>["db"];
let fleet: Awaited<ReturnType<typeof startMockFleet>>;
let teamId: string;
let admin: string;
let member: string;

beforeAll(async () => {
  db = (await freshDb()).db;
  fleet = await startMockFleet({ port: 0 });
  await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
  admin = (await createUser(db, { name: "a", email: "a@t.test", password: "password-123" })).id;
  member = (await createUser(db, { name: "m", email: "m@t.test", password: "password-123" })).id;
  teamId = (await createTeam(db, { name: "T", slug: "t", ownerId: admin })).id;
  await db.insert(memberships).values({ teamId, userId: member, role: "member" });
});
afterAll(async () => {
  setTestSession(undefined);
  await fleet.close();
  await closeDb();
});

/**
 * Starts two writes of a provider so that both pass the application's name check before either
 * writes. PGlite runs one statement at a time, so both checks (queued first) always run before
 * both inserts; on Postgres a lock that blocks writes but not reads holds both at their insert.
 */
async function bothPastTheCheck<T>(start: () => Promise<T>[]): Promise<T[]> {
  if (driverName === "pglite") return Promise.all(start());
  let writes: Promise<T>[] = [];
  await db.transaction(async (t) => {
    await t.execute(sql`lock table providers in share row exclusive mode`);
    writes = start();
    for (let waiting = 0; waiting < 2; ) {
      await new Promise((r) => setTimeout(r, 10));
      waiting = Number(rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from pg_locks where relation = 'providers'::regclass and not granted`))[0].n);
    }
  });
  return Promise.all(writes);
}

describe(`providers and models admin on ${driverName}`, () => {
  it("a member cannot change providers or prices", async () => {
    setTestSession(member);
    const [p] = await db.select().from(providers).where(eq(providers.kind, "openai"));
    expect((await updateProviderAction({ teamId, providerId: p.id, enabled: false })).ok).toBe(false);
    expect((await db.select().from(providers).where(eq(providers.id, p.id)))[0].enabled).toBe(true);
  });

  it("stores a new key encrypted, never lists it, and the connection test uses it", async () => {
    setTestSession(admin);
    const [p] = await db.select().from(providers).where(eq(providers.kind, "openai"));
    expect((await updateProviderAction({ teamId, providerId: p.id, apiKey: "bad-key" })).ok).toBe(true);
    const [raw] = await db.select().from(providers).where(eq(providers.id, p.id));
    expect(raw.apiKeyEncrypted).not.toContain("bad-key");
    expect(JSON.stringify(await listProviders(db))).not.toContain(raw.apiKeyEncrypted!);
    const bad = await testProviderAction({ teamId, providerId: p.id });
    expect(bad.ok && bad.data.ok).toBe(false); // the mock refuses "bad-key"
    await updateProviderAction({ teamId, providerId: p.id, apiKey: "good-key" });
    const good = await testProviderAction({ teamId, providerId: p.id });
    expect(good.ok && good.data.ok).toBe(true);
  });

  it("a price change applies to the next call and is audited", async () => {
    setTestSession(admin);
    const [m] = await db.select().from(models).where(eq(models.name, "gpt-4o-mini"));
    const res = await updateModelAction({
      teamId, modelId: m.id, enabled: "on", contextWindow: "128000", inputPrice: "100", outputPrice: "200", cachedInputPrice: "", strengths: "chat, summary", optimalFor: "", costTier: "high",
    });
    expect(res.ok).toBe(true);
    const r = await delegate(db, { teamId, source: "api", task: "hello there", model: "gpt-4o-mini" });
    expect(r.costMicros).toBe(Math.round((r.usage.inputTokens * 100_000_000 + r.usage.outputTokens * 200_000_000) / 1_000_000));
    const log = await db.select().from(auditLog).where(eq(auditLog.action, "model.update"));
    expect(log[0].details).toMatchObject({ outputPriceMicros: { to: 200_000_000 } });
  });

  it("Admin → Models' reasoning effort box sets the model's flag, which the router reads at once, and is audited", async () => {
    setTestSession(admin);
    const [m] = await db.select().from(models).where(eq(models.name, "gpt-4.1"));
    const form = { teamId, modelId: m.id, enabled: "on", contextWindow: String(m.contextWindow), inputPrice: "2", outputPrice: "8", cachedInputPrice: "", strengths: m.strengths.join(", "), optimalFor: "", costTier: "medium", toolCalling: "on", imageInput: "on" };
    const takes = async () => (await loadFleet(db)).byName.get("gpt-4.1")!.candidate.reasoningEffort;
    expect(await takes()).toBe(false);
    expect(await updateModelAction({ ...form, reasoningEffort: "on" })).toMatchObject({ ok: true });
    expect(await takes()).toBe(true);
    expect((await db.select().from(models).where(eq(models.id, m.id)))[0].reasoningEffort).toBe(true);
    // Unticked, a checkbox sends nothing: off again.
    expect(await updateModelAction(form)).toMatchObject({ ok: true });
    expect(await takes()).toBe(false);
    const log = await db.select().from(auditLog).where(and(eq(auditLog.action, "model.update"), eq(auditLog.target, "gpt-4.1")));
    expect(log.map((l) => (l.details as Record<string, unknown>).reasoningEffort)).toEqual(expect.arrayContaining([{ from: false, to: true }, { from: true, to: false }]));
  });

  it("refuses reasoning effort for a Mistral model, on save and on add, saying why; a flag ticked before is not read by the router", async () => {
    setTestSession(admin);
    const [m] = await db.select().from(models).where(eq(models.name, "mistral-small-latest"));
    const form = { teamId, enabled: "on", contextWindow: String(m.contextWindow), inputPrice: "0.1", outputPrice: "0.3", cachedInputPrice: "", strengths: "chat", optimalFor: "", costTier: "low", toolCalling: "on", reasoningEffort: "on" };
    const why = /^Reasoning effort cannot be ticked for Mistral models: .*sends them no reasoning_effort\.$/;
    const saved = await updateModelAction({ ...form, modelId: m.id });
    expect(saved).toMatchObject({ ok: false, error: expect.stringMatching(why), fieldErrors: { reasoningEffort: [expect.any(String)] } });
    expect((await db.select().from(models).where(eq(models.id, m.id)))[0]).toMatchObject({ reasoningEffort: false, outputPriceMicros: m.outputPriceMicros });
    const added = await createModelAction({ ...form, providerId: m.providerId, name: "magistral-small-latest", displayName: "Magistral Small" });
    expect(added).toMatchObject({ ok: false, error: expect.stringMatching(why) });
    expect(await db.select().from(models).where(eq(models.name, "magistral-small-latest"))).toEqual([]);
    // A Claude model takes it (as extended thinking).
    const [claude] = await db.select().from(models).where(eq(models.name, "claude-3-5-haiku-20241022"));
    expect(await updateModelAction({ ...form, modelId: claude.id, strengths: claude.strengths.join(", "), contextWindow: String(claude.contextWindow) })).toMatchObject({ ok: true });
    expect((await loadFleet(db)).byName.get("claude-3-5-haiku-20241022")!.candidate.reasoningEffort).toBe(true);
    await updateModelAction({ ...form, modelId: claude.id, strengths: claude.strengths.join(", "), contextWindow: String(claude.contextWindow), reasoningEffort: undefined });
    // A Mistral row flagged before (by hand, or before this check) is still sent no reasoning_effort.
    await db.update(models).set({ reasoningEffort: true }).where(eq(models.id, m.id));
    invalidateFleet();
    try {
      expect((await loadFleet(db)).byName.get("mistral-small-latest")!.candidate.reasoningEffort).toBe(false);
    } finally {
      await db.update(models).set({ reasoningEffort: false }).where(eq(models.id, m.id));
      invalidateFleet();
    }
  });

  it("Admin → Models' max output tokens: saved, audited and read by the router at once; above the window refused on save and on add; emptied, unknown", async () => {
    setTestSession(admin);
    const [m] = await db.select().from(models).where(eq(models.name, "claude-3-5-haiku-20241022"));
    expect(m.maxOutputTokens).toBe(8_192);
    const form = { teamId, modelId: m.id, enabled: "on", contextWindow: "200000", inputPrice: "0.8", outputPrice: "4", cachedInputPrice: "", strengths: m.strengths.join(", "), optimalFor: "", costTier: "medium", toolCalling: "on" };
    const limit = async () => (await loadFleet(db)).byName.get(m.name)!.candidate.maxOutputTokens;
    expect(await updateModelAction({ ...form, maxOutputTokens: "4096" })).toMatchObject({ ok: true });
    expect(await limit()).toBe(4_096);
    const over = await updateModelAction({ ...form, contextWindow: "32000", maxOutputTokens: "64000" });
    expect(over).toMatchObject({
      ok: false,
      error: "Max output tokens (64,000) cannot be more than the context window (32,000): the answer shares the window with its prompt.",
      fieldErrors: { maxOutputTokens: ["Enter 32,000 or less (the model's window), or leave it empty if unknown."] },
    });
    expect((await db.select().from(models).where(eq(models.id, m.id)))[0]).toMatchObject({ contextWindow: 200_000, maxOutputTokens: 4_096 });
    const added = await createModelAction({ ...form, modelId: undefined, providerId: m.providerId, name: "claude-tiny", displayName: "Tiny", contextWindow: "4096", maxOutputTokens: "8192" });
    expect(added).toMatchObject({ ok: false, fieldErrors: { maxOutputTokens: [expect.stringMatching(/^Enter 4,096 or less/)] } });
    expect(await db.select().from(models).where(eq(models.name, "claude-tiny"))).toEqual([]);
    // Emptied: unknown, and no request is kept from the model for its size.
    expect(await updateModelAction({ ...form, maxOutputTokens: "" })).toMatchObject({ ok: true });
    expect(await limit()).toBeNull();
    const log = await db.select().from(auditLog).where(and(eq(auditLog.action, "model.update"), eq(auditLog.target, m.name)));
    expect(log.map((l) => (l.details as Record<string, unknown>).maxOutputTokens)).toEqual(expect.arrayContaining([{ from: 8_192, to: 4_096 }, { from: 4_096, to: null }]));
    expect(await updateModelAction({ ...form, maxOutputTokens: "8192" })).toMatchObject({ ok: true });
  });

  it("refuses strengths the router cannot match, naming them, and leaves the model as it was", async () => {
    setTestSession(admin);
    const [m] = await db.select().from(models).where(eq(models.name, "gpt-4.1-mini"));
    const res = await updateModelAction({
      teamId, modelId: m.id, enabled: "on", contextWindow: String(m.contextWindow), inputPrice: "1", outputPrice: "2", cachedInputPrice: "", strengths: "cooking, nonsense", optimalFor: "", costTier: "low",
    });
    expect(res).toMatchObject({ ok: false, error: expect.stringMatching(/^Strengths: "cooking" and "nonsense" are not domains the router knows\. Use any of: code, debug, docs/) });
    const [after] = await db.select().from(models).where(eq(models.id, m.id));
    expect(after).toEqual(m);
  });

  it("an emptied exploration cap is refused as missing, not saved as $0; a bad one is explained in words", async () => {
    setTestSession(admin);
    const form = (cap: string) => {
      const f = new FormData();
      for (const [k, v] of Object.entries({ teamId, qualityVsCost: "0.5", explorationCapDollars: cap, judgeModel: "" })) f.set(k, v);
      return f;
    };
    expect(await updateRoutingSettingsAction(null, form("0.05"))).toMatchObject({ ok: true, data: { explorationCapMicros: 50_000 } });
    expect(await updateRoutingSettingsAction(null, form(""))).toEqual({
      ok: false,
      error: "Exploration cap: Enter an amount in dollars, e.g. 0.02; 0 turns exploration off.",
      fieldErrors: { explorationCapDollars: ["Enter an amount in dollars, e.g. 0.02; 0 turns exploration off."] },
    });
    for (const cap of ["abc", "1e9"]) {
      expect(await updateRoutingSettingsAction(null, form(cap)), cap).toMatchObject({ ok: false, error: "Exploration cap: Enter a number of dollars from 0 to 10,000; 0 turns exploration off." });
    }
    expect((await db.select().from(routingSettings).where(eq(routingSettings.teamId, teamId)))[0].explorationCapMicros).toBe(50_000);
    expect(await updateRoutingSettingsAction(null, form("0"))).toMatchObject({ ok: true, data: { explorationCapMicros: 0 } });
  });

  it("refuses a judge model outside the team's allow-list (its every grading call would be refused)", async () => {
    setTestSession(admin);
    const [a, b] = (await db.select().from(models).where(eq(models.enabled, true))).map((m) => m.name);
    const form = (judgeModel: string, allow: string[]) => {
      const f = new FormData();
      for (const [k, v] of Object.entries({ teamId, qualityVsCost: "0.5", explorationCapDollars: "0.02", judgeModel })) f.set(k, v);
      for (const m of allow) f.append("allowList", m);
      return f;
    };
    expect(await updateRoutingSettingsAction(null, form(b, [a]))).toMatchObject({ ok: false, fieldErrors: { judgeModel: ["Pick an allowed model as the judge, or allow this one."] } });
    expect(await updateRoutingSettingsAction(null, form(a, [a]))).toMatchObject({ ok: true, data: { judgeModel: a } });
    expect(await updateRoutingSettingsAction(null, form(b, []))).toMatchObject({ ok: true, data: { judgeModel: b } }); // no allow-list: any enabled model
  });

  it("explains bad input field by field", async () => {
    setTestSession(admin);
    const res = await createProviderAction({ teamId, kind: "martian", name: "", baseUrl: "ftp://x", local: false });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(Object.keys(res.fieldErrors ?? {}).sort()).toEqual(["baseUrl", "kind", "name"]);
  });

  it("an Ollama provider added at Ollama's usual address (no /v1) is stored with /v1 and connects; an edit is completed the same way", async () => {
    setTestSession(admin);
    const res = await createProviderAction({ teamId, kind: "ollama", name: "Lab Ollama", baseUrl: fleet.url, local: "on" });
    expect(res).toMatchObject({ ok: true, data: { name: "Lab Ollama", baseUrl: `${fleet.url}/v1` } });
    const [p] = await db.select().from(providers).where(eq(providers.name, "Lab Ollama"));
    expect(p.baseUrl).toBe(`${fleet.url}/v1`);
    const check = await testProviderAction({ teamId, providerId: p.id });
    expect(check).toMatchObject({ ok: true, data: { ok: true, error: null } });
    expect((await updateProviderAction({ teamId, providerId: p.id, baseUrl: `${fleet.url}/` })).ok).toBe(true);
    expect((await db.select().from(providers).where(eq(providers.id, p.id)))[0].baseUrl).toBe(`${fleet.url}/v1`);
  });

  it("a short key is stored without a hint; a long one keeps its last four characters", async () => {
    setTestSession(admin);
    expect((await createProviderAction({ teamId, kind: "openai_compatible", name: "Short key", baseUrl: `${fleet.url}/v1`, apiKey: "abc", local: false })).ok).toBe(true);
    const short = (await listProviders(db)).find((p) => p.name === "Short key")!;
    expect(short).toMatchObject({ hasKey: true, apiKeyHint: null });
    expect((await updateProviderAction({ teamId, providerId: short.id, apiKey: "sk-long-enough-4321" })).ok).toBe(true);
    expect((await listProviders(db)).find((p) => p.name === "Short key")).toMatchObject({ apiKeyHint: "4321" });
    expect((await updateProviderAction({ teamId, providerId: short.id, apiKey: "short-key" })).ok).toBe(true);
    expect((await listProviders(db)).find((p) => p.name === "Short key")).toMatchObject({ apiKeyHint: null });
  });

  it("refuses a provider name that differs from an existing one only in case", async () => {
    setTestSession(admin);
    expect((await createProviderAction({ teamId, kind: "openai_compatible", name: "Acme", baseUrl: "https://acme.example.com/v1", local: false })).ok).toBe(true);
    const again = await createProviderAction({ teamId, kind: "openai_compatible", name: "acme", baseUrl: "https://acme.example.com/v1", local: false });
    expect(again).toEqual({
      ok: false,
      error: 'A provider named "Acme" already exists.',
      fieldErrors: { name: ['Choose another name: "Acme" exists, and names may not differ only in case.'] },
    });
    expect(await createProviderAction({ teamId, kind: "openai_compatible", name: "Acme", baseUrl: "https://acme.example.com/v1", local: false })).toMatchObject({ ok: false, fieldErrors: { name: ["Choose another name."] } });
    expect((await db.select().from(providers).where(eq(sql`lower(${providers.name})`, "acme")))).toHaveLength(1);
  });

  it("two concurrent creates of names differing only in case leave one provider; the other gets the form's error naming it", async () => {
    setTestSession(admin);
    const create = (name: string) => createProviderAction({ teamId, kind: "openai_compatible", name, baseUrl: "https://race.example.com/v1", local: false });
    const results = await bothPastTheCheck(() => [create("Race"), create("race")]);
    const rows = await db.select().from(providers).where(eq(sql`lower(${providers.name})`, "race"));
    expect(rows).toHaveLength(1);
    const winner = rows[0].name;
    const lost = results.filter((r) => !r.ok);
    expect(lost).toEqual([
      { ok: false, error: `A provider named "${winner}" already exists.`, fieldErrors: { name: [`Choose another name: "${winner}" exists, and names may not differ only in case.`] } },
    ]);
    expect(await db.select().from(auditLog).where(and(eq(auditLog.action, "provider.create"), eq(sql`lower(${auditLog.target})`, "race")))).toHaveLength(1);
  });

  it("an admin renames a provider: the list shows the new name, its models stay, the change is audited; a taken or empty name is refused and changes nothing", async () => {
    const make = async (name: string) => {
      setTestSession(admin);
      const r = await createProviderAction({ teamId, kind: "openai_compatible", name, baseUrl: `${fleet.url}/v1`, local: false });
      if (!r.ok) throw new Error(r.error);
      return (await db.select().from(providers).where(eq(providers.name, name)))[0];
    };
    const lab = await make("Lab one");
    await make("Lab two");
    await db.insert(models).values({ providerId: lab.id, name: "lab-one-model", displayName: "Lab one model", contextWindow: 8192, inputPriceMicros: 0, outputPriceMicros: 0 });

    setTestSession(member);
    expect(await updateProviderAction({ teamId, providerId: lab.id, name: "Sneaky" })).toMatchObject({ ok: false });
    setTestSession(admin);
    expect(await updateProviderAction({ teamId, providerId: lab.id, name: "LAB TWO" })).toEqual({
      ok: false,
      error: 'A provider named "Lab two" already exists.',
      fieldErrors: { name: ['Choose another name: "Lab two" exists, and names may not differ only in case.'] },
    });
    expect(await updateProviderAction({ teamId, providerId: lab.id, name: "  " })).toMatchObject({ ok: false, fieldErrors: { name: ["Name the provider."] } });
    expect((await db.select().from(providers).where(eq(providers.id, lab.id)))[0]).toEqual(lab);

    // A change of case alone is the provider's own name, not a clash.
    expect(await updateProviderAction({ teamId, providerId: lab.id, name: "LAB ONE" })).toMatchObject({ ok: true });
    expect(await updateProviderAction({ teamId, providerId: lab.id, name: " Lab Uno " })).toMatchObject({ ok: true });
    expect((await listProviders(db)).filter((p) => p.id === lab.id).map((p) => p.name)).toEqual(["Lab Uno"]);
    expect((await db.select().from(models).where(eq(models.name, "lab-one-model")))[0].providerId).toBe(lab.id);
    const log = await db.select().from(auditLog).where(and(eq(auditLog.action, "provider.update"), eq(auditLog.target, "LAB ONE")));
    expect(log.map((l) => l.details)).toEqual([{ name: { from: "LAB ONE", to: "Lab Uno" }, keyReplaced: false }]);
    expect((await loadFleet(db)).byName.get("lab-one-model")?.provider.name).toBe("Lab Uno");
  });

  it("two concurrent renames to names differing only in case: one provider gets it, the other keeps its name and is told why", async () => {
    setTestSession(admin);
    const ids: string[] = [];
    for (const name of ["Twin a", "Twin b"]) {
      const r = await createProviderAction({ teamId, kind: "openai_compatible", name, baseUrl: "https://twin.example.com/v1", local: false });
      if (!r.ok) throw new Error(r.error);
      ids.push(r.data.id);
    }
    const results = await bothPastTheCheck(() => [updateProviderAction({ teamId, providerId: ids[0], name: "Twin" }), updateProviderAction({ teamId, providerId: ids[1], name: "twin" })]);
    const names = (await db.select().from(providers).where(inArray(providers.id, ids))).map((p) => p.name).sort();
    const winner = names.find((n) => n.toLowerCase() === "twin")!;
    expect(names).toEqual(results[0].ok ? ["Twin", "Twin b"] : ["Twin a", "twin"]);
    expect(results.filter((r) => !r.ok)).toEqual([
      { ok: false, error: `A provider named "${winner}" already exists.`, fieldErrors: { name: [`Choose another name: "${winner}" exists, and names may not differ only in case.`] } },
    ]);
  });

  it("seeding the fleet again (each demo start does) after a default provider was renamed adds no provider and keeps its models on it", async () => {
    setTestSession(admin);
    const [openai] = await db.select().from(providers).where(eq(providers.kind, "openai"));
    const count = async () => (await db.select().from(providers)).length;
    const before = await count();
    for (const name of ["OpenAI (production)", "openai"]) {
      expect(await updateProviderAction({ teamId, providerId: openai.id, name })).toMatchObject({ ok: true });
      await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
      expect(await count()).toBe(before);
      expect((await db.select().from(models).where(eq(models.name, "gpt-4.1-mini")))[0].providerId).toBe(openai.id);
    }
  });
});


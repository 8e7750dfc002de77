import { eq, inArray, sql } from "drizzle-orm";
import type { Db } from "./index";
import { budgets, memberships, models, providers, teams, users, type Role } from "./schema";
import { createUser } from "@/lib/auth/users";
import { createTeam } from "@/lib/teams/service";
import { encryptSecret } from "@/lib/crypto/secrets";
import { DEFAULT_CATALOG, DEFAULT_PROVIDERS, type ProviderKind } from "@/lib/providers/catalog";
import { costMicros } from "@/lib/providers/cost";
import { insertRequestRecords, type RequestRecord } from "@/lib/execution/record";
import { startOfPeriod } from "@/lib/budgets/period";

export const DEMO_PASSWORD_SUFFIX = "-demo-pass";
export const DEMO_USERS: { role: Role; email: string; name: string; password: string }[] = (["owner", "admin", "member", "viewer"] as const).map((role) => ({
  role,
  email: `${role}@demo.local`,
  name: `Demo ${role[0].toUpperCase()}${role.slice(1)}`,
  password: `${role}${DEMO_PASSWORD_SUFFIX}`,
}));

const VENDOR_KEY_ENV: Record<ProviderKind, string | undefined> = {
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  xai: "XAI_API_KEY",
  mistral: "MISTRAL_API_KEY",
  ollama: undefined,
};

/**
 * Providers and models: each points at the mock fleet unless the vendor's key is in the
 * environment (then at the vendor itself). Idempotent: existing rows are left as they are.
 */
export async function seedFleet(db: Db, opts: { mockFleetUrl: string; env?: Record<string, string | undefined> }) {
  const env = opts.env ?? process.env;
  const ids = new Map<ProviderKind, string>();
  for (const p of DEFAULT_PROVIDERS) {
    // Found by the catalog models it holds (an admin may have renamed it), else by name ignoring case (as names are unique).
    const catalogModels = DEFAULT_CATALOG.filter((m) => m.provider === p.kind).map((m) => m.model);
    const [holder] = await db.select({ id: models.providerId }).from(models).where(inArray(models.name, catalogModels)).limit(1);
    const [existing] = holder ? [holder] : await db.select({ id: providers.id }).from(providers).where(sql`lower(${providers.name}) = lower(${p.name})`).limit(1);
    if (existing) {
      ids.set(p.kind, existing.id);
      continue;
    }
    const realKey = VENDOR_KEY_ENV[p.kind] ? env[VENDOR_KEY_ENV[p.kind]!] : undefined;
    const useVendor = !!realKey || (p.kind === "ollama" && !!env.OLLAMA_BASE_URL);
    const key = realKey ?? "mock-fleet-key";
    const [row] = await db
      .insert(providers)
      .values({
        kind: p.kind,
        name: p.name,
        baseUrl: useVendor ? (p.kind === "ollama" ? env.OLLAMA_BASE_URL! : p.vendorBaseUrl) : p.baseUrl(opts.mockFleetUrl),
        apiKeyEncrypted: encryptSecret(key),
        apiKeyHint: key.slice(-4),
        local: p.local,
      })
      .returning();
    ids.set(p.kind, row.id);
  }
  for (const m of DEFAULT_CATALOG) {
    await db
      .insert(models)
      .values({
        providerId: ids.get(m.provider)!,
        name: m.model,
        displayName: m.displayName,
        contextWindow: m.contextWindow,
        maxOutputTokens: m.maxOutputTokens,
        inputPriceMicros: m.inputPerMTokMicros,
        outputPriceMicros: m.outputPerMTokMicros,
        cachedInputPriceMicros: m.cachedInputPerMTokMicros,
        strengths: m.strengths,
        optimalFor: m.optimalFor,
        costTier: m.costTier,
        toolCalling: m.toolCalling,
        imageInput: m.imageInput,
        reasoningEffort: m.reasoningEffort,
      })
      .onConflictDoNothing();
  }
}

/** Deterministic pseudo-random numbers, so the demo history is the same on every machine. */
function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEMO_TASKS: { domain: string; prompt: string }[] = [
  { domain: "code", prompt: "Write a TypeScript function that debounces another function." },
  { domain: "debug", prompt: "Why does this React effect run twice in development?" },
  { domain: "summary", prompt: "Summarise this incident report in three bullet points." },
  { domain: "translation", prompt: "Translate the release notes into German." },
  { domain: "docs", prompt: "Write a README section on configuring the CLI." },
  { domain: "analysis", prompt: "Compare the latency of these two queries and explain the difference." },
  { domain: "math", prompt: "What is 17 * 23?" },
  { domain: "chat", prompt: "Suggest a name for our internal tooling channel." },
];

/** Seeds the demo (as `seedDemo`) and prints what it did and the demo sign-ins: the app's start and `npm run db:seed` say the same. */
export async function seedDemoAndSay(db: Db, mockFleetUrl: string, log: (line: string) => void = console.log) {
  const seeded = await seedDemo(db, { mockFleetUrl });
  log(seeded ? `Demo data created (${seeded.history} labelled demo requests).` : "Demo data present.");
  log(`Demo sign-ins (password = <role>${DEMO_PASSWORD_SUFFIX}):`);
  for (const u of DEMO_USERS) log(`  ${u.role.padEnd(6)}  ${u.email}  /  ${u.password}`);
  return seeded;
}

/**
 * The demo organisation: two teams (`demo`, `labs`), one user per role, the fleet, a monthly
 * budget and a little history. Every row it writes is flagged as demo data (`is_demo`, source
 * "seed") and the UI labels it so. Returns null when the demo already exists.
 */
export async function seedDemo(db: Db, opts: { mockFleetUrl: string; historyDays?: number; env?: Record<string, string | undefined> }) {
  await seedFleet(db, opts);
  const [exists] = await db.select().from(teams).where(eq(teams.slug, "demo")).limit(1);
  if (exists) return null;

  const userIds: Record<string, string> = {};
  for (const u of DEMO_USERS) {
    const user = await createUser(db, { name: u.name, email: u.email, password: u.password, isDemo: true });
    userIds[u.role] = user.id;
  }
  // The demo's owner and admin run the installation (providers and models are shared by every team).
  await db.update(users).set({ siteAdmin: true }).where(inArray(users.id, [userIds.owner, userIds.admin]));
  const demo = await createTeam(db, { name: "Demo team", slug: "demo", ownerId: userIds.owner, isDemo: true });
  const labs = await createTeam(db, { name: "Labs", slug: "labs", ownerId: userIds.owner, isDemo: true });
  await db.insert(memberships).values([
    { teamId: demo.id, userId: userIds.admin, role: "admin" },
    { teamId: demo.id, userId: userIds.member, role: "member" },
    { teamId: demo.id, userId: userIds.viewer, role: "viewer" },
    { teamId: labs.id, userId: userIds.member, role: "member" },
  ]);

  const now = new Date();
  await db.insert(budgets).values({
    teamId: demo.id,
    name: "Demo team monthly",
    limitMicros: 50_000_000,
    period: "monthly",
    periodStart: startOfPeriod("monthly", now, "UTC"),
  });


  const rand = mulberry32(42);
  const catalog = DEFAULT_CATALOG;
  const history: RequestRecord[] = [];
  const days = opts.historyDays ?? 14;
  for (let d = days - 1; d >= 0; d--) {
    for (const team of [demo, labs]) {
      const n = team === demo ? 4 + Math.floor(rand() * 5) : 1 + Math.floor(rand() * 3);
      for (let i = 0; i < n; i++) {
        const task = DEMO_TASKS[Math.floor(rand() * DEMO_TASKS.length)];
        const m = catalog[Math.floor(rand() * catalog.length)];
        const inputTokens = 200 + Math.floor(rand() * 1500);
        const outputTokens = 100 + Math.floor(rand() * 800);
        const failed = rand() < 0.05;
        const createdAt = new Date(now.getTime() - d * 86_400_000 - Math.floor(rand() * 8 * 3_600_000));
        history.push({
          teamId: team.id,
          userId: team === demo ? userIds[(["owner", "admin", "member"] as const)[Math.floor(rand() * 3)]] : userIds.member,
          source: "seed",
          domain: task.domain,
          requestedModel: "auto",
          model: m.model,
          providerKind: m.provider,
          selectionReason: "Demo history (seeded): not a real call.",
          inputTokens: failed ? 0 : inputTokens,
          outputTokens: failed ? 0 : outputTokens,
          costMicros: failed ? 0 : costMicros({ inputTokens, outputTokens }, m),
          latencyMs: 300 + Math.floor(rand() * 2500),
          status: failed ? "error" : "ok",
          errorKind: failed ? "rate_limit" : null,
          errorMessage: failed ? "Demo history: a rate-limited call." : null,
          createdAt,
          prompt: task.prompt,
          response: failed ? null : `(Demo history — no model was called for this row.)`,
        });
      }
    }
  }
  await insertRequestRecords(db, history);
  const periodStart = startOfPeriod("monthly", now, "UTC");
  const spent = history.filter((h) => h.teamId === demo.id && h.createdAt! >= periodStart).reduce((a, h) => a + (h.costMicros ?? 0), 0);
  await db.update(budgets).set({ spentMicros: spent }).where(eq(budgets.teamId, demo.id));
  return { users: DEMO_USERS, teams: [demo.slug, labs.slug], history: history.length };
}

/**
 * The authorization matrix: every server action and every API route × every kind of caller ×
 * own team / other team / own team with another team's object. Expectations come from one
 * table (lib/auth/permissions.ts + ROLE_SCOPES); an action or route without an entry fails here.
 * A refused call must change no row anywhere; no answer to a team-A caller may carry team B's data.
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb, type Db } from "@/db";
import { invitations, memberships, models, notifications, pipelineRuns, pipelineSteps, providers, teams, users } from "@/db/schema";
import { seedFleet } from "@/db/seed";
import { createApiKey } from "@/lib/auth/api-keys";
import { ACTION_PERMISSIONS, ROUTE_PERMISSIONS, type ActionAccess, type RouteAccess } from "@/lib/auth/permissions";
import { hasScope, ROLES } from "@/lib/auth/scopes";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { createBudgetSchema } from "@/lib/budgets/schemas";
import { createBudget } from "@/lib/budgets/service";
import { delegate } from "@/lib/execution/delegate";
import { invalidateFleet } from "@/lib/execution/fleet";
import { createKeySchema } from "@/lib/keys/schemas";
import { createTeamKey } from "@/lib/keys/service";
import { handleApiV1 } from "@/lib/gateway";
import { openApiJson } from "@/lib/gateway/openapi";
import { createPipeline, startRun } from "@/lib/pipelines/service";
import { createTeam } from "@/lib/teams/service";
import { startMockFleet } from "@/mock-fleet/server";
import { driverName, freshDb } from "@/test/db";
import { diff, nextApiRoutes, quiet, ROOT, serverActionModules, snapshot } from "./helpers";

vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));
// Auth.js only loads inside Next; sign-in/up are called with invalid input, which returns before signIn().
vi.mock("@/auth", () => ({ auth: async () => null, signIn: async () => { throw new Error("signIn needs a Next request"); }, signOut: async () => {} }));
vi.mock("next-auth", () => ({ AuthError: class AuthError extends Error {} }));

type Role = (typeof ROLES)[number];
type Caller = Role | "none" | "otherTeamKey";
const CALLERS: Caller[] = [...ROLES, "none", "otherTeamKey"];
type Target = "own" | "other" | "ownTeamOtherObject";
type Team = { id: string; slug: string; owner: string };

let db: Db;
let fleet: Awaited<ReturnType<typeof startMockFleet>>;
let A: Team;
let B: Team;
const userOf: Record<Role, { id: string; email: string }> = {} as never;
let keyA: string;
let keyB: string;
let n = 0;
const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
/** Every name given to team B's objects carries this, so a leak shows up in any answer. */
const MARK = "bravo-private-marker";
const label = (t: Team) => (t === B ? MARK : "alpha");

const STEP = { key: "s1", kind: "prompt" as const, model: "gpt-4.1-mini", group: 0, template: "Say hello to {{input}}" };

/** Fresh objects, one per cell, so an allowed call never eats the object of the next cell. */
const fresh = {
  budget: async (t: Team) => (await createBudget(db, t.id, createBudgetSchema.parse({ name: `${label(t)} budget`, limitUsd: 50, period: "monthly" }))).id,
  pipeline: async (t: Team) => (await createPipeline(db, { teamId: t.id, userId: t.owner, name: `${label(t)} pipeline ${++n}`, description: "", steps: [STEP] })).id,
  run: async (t: Team) => (await startRun(db, { teamId: t.id, pipelineId: await fresh.pipeline(t), input: "world", userId: t.owner })).id,
  failedRun: async (t: Team) => {
    const runId = await fresh.run(t);
    await db.update(pipelineRuns).set({ status: "failed" }).where(eq(pipelineRuns.id, runId));
    await db.update(pipelineSteps).set({ status: "failed" }).where(eq(pipelineSteps.runId, runId));
    return runId;
  },
  request: async (t: Team) => (await delegate(db, { teamId: t.id, source: "api", task: "What is 2 + 2?", model: "gpt-4.1-mini" })).requestId,
  key: async (t: Team) => (await createTeamKey(db, { ...createKeySchema.parse({ name: `${label(t)} key ${++n}` }), teamId: t.id, actorUserId: t.owner })).id,
  invitation: async (t: Team, email = `${uniq("inv")}@t.test`) => {
    const token = randomBytes(24).toString("base64url");
    const tokenHash = createHash("sha256").update(token).digest("hex");
    const [inv] = await db.insert(invitations).values({ teamId: t.id, email, role: "viewer", tokenHash, invitedBy: t.owner, expiresAt: new Date(Date.now() + 86_400_000) }).returning();
    return { id: inv.id, token };
  },
  member: async (t: Team) => {
    const u = await createUser(db, { name: "m", email: `${uniq("mem")}@t.test`, password: "password-123" });
    await db.insert(memberships).values({ teamId: t.id, userId: u.id, role: "viewer" });
    return u.id;
  },
  notification: async (t: Team) => (await db.insert(notifications).values({ teamId: t.id, kind: "test", title: `${label(t)} note`, body: "x" }).returning())[0].id,
  provider: async () => (await db.insert(providers).values({ kind: "openai", name: uniq("scratch"), baseUrl: "http://127.0.0.1:9/v1" }).returning())[0].id,
  model: async () =>
    (await db.insert(models).values({ providerId: await fresh.provider(), name: uniq("scratch-model"), displayName: "Scratch", contextWindow: 8000, inputPriceMicros: 1, outputPriceMicros: 1 }).returning())[0].id,
};
// Every field an admin form posts, capability flags included: the check must hold whatever the input changes.
const modelForm = { enabled: "on", contextWindow: "8000", inputPrice: "1", outputPrice: "2", cachedInputPrice: "", strengths: "", optimalFor: "", costTier: "low", toolCalling: "on", imageInput: "on" };

/**
 * A minimal valid input per action. `team` is the team named in the input, `obj` the team whose
 * objects are referenced (they differ for the ownTeamOtherObject cells). `me` is the caller.
 */
const INPUTS: Record<string, (team: Team, obj: Team, me: { email: string } | null) => Promise<unknown[]>> = {
  "lib/alerts/actions.ts#markNotificationsReadAction": async (t, o) => [{ teamId: t.id, notificationId: await fresh.notification(o) }],
  "lib/auth/actions.ts#signInAction": async () => [null, form({ email: "not-an-email", password: "" })],
  "lib/auth/actions.ts#signUpAction": async () => [null, form({ name: "", email: "nope", password: "x" })],
  "lib/auth/actions.ts#signOutAction": async () => [],
  "lib/budgets/actions.ts#createBudgetAction": async (t) => [{ teamId: t.id, name: "b", limitUsd: 5, period: "monthly", thresholds: "50, 80, 100", webhookUrl: "https://hooks.example.com/mc", webhookSecret: "whsec-matrix" }],
  "lib/budgets/actions.ts#updateBudgetAction": async (t, o) => [{ teamId: t.id, budgetId: await fresh.budget(o), name: "b2", limitUsd: 6, period: "monthly", thresholds: "90", hardStop: "on" }],
  "lib/budgets/actions.ts#deleteBudgetAction": async (t, o) => [{ teamId: t.id, budgetId: await fresh.budget(o) }],
  "lib/execution/actions.ts#createProviderAction": async (t) => [{ teamId: t.id, kind: "openai", name: uniq("prov"), baseUrl: "http://127.0.0.1:9/v1", apiKey: "sk-matrix-provider-key", local: false }],
  "lib/execution/actions.ts#updateProviderAction": async (t) => [{ teamId: t.id, providerId: await fresh.provider(), enabled: false, name: uniq("renamed") }],
  "lib/execution/actions.ts#testProviderAction": async (t) => [{ teamId: t.id, providerId: (await db.select().from(providers).where(eq(providers.kind, "openai")))[0].id }],
  "lib/execution/actions.ts#updateModelAction": async (t) => [{ teamId: t.id, modelId: await fresh.model(), ...modelForm }],
  "lib/execution/actions.ts#createModelAction": async (t) => [{ teamId: t.id, providerId: await fresh.provider(), name: uniq("m"), displayName: "M", ...modelForm }],
  "lib/execution/settings.ts#updateRoutingSettingsAction": async (t) => [{ teamId: t.id, qualityVsCost: 0.4, allowList: [], explorationCapDollars: 1 }],
  "lib/keys/actions.ts#createApiKeyAction": async (t) => [{ teamId: t.id, name: "k", modelAllowList: "gpt-4.1-mini", requestsPerMinute: "60", tokensPerMinute: "10000", monthlyBudgetUsd: "5" }],
  "lib/keys/actions.ts#revokeApiKeyAction": async (t, o) => [{ teamId: t.id, keyId: await fresh.key(o) }],
  "lib/keys/actions.ts#rotateApiKeyAction": async (t, o) => [{ teamId: t.id, keyId: await fresh.key(o) }],
  "lib/keys/actions.ts#setTeamLimitsAction": async (t) => [{ teamId: t.id, requestsPerMinute: "600", tokensPerMinute: "50000" }],
  "lib/pipelines/actions.ts#createPipelineAction": async (t) => [{ teamId: t.id, name: "p", steps: [STEP] }],
  "lib/pipelines/actions.ts#updatePipelineAction": async (t, o) => [{ teamId: t.id, pipelineId: await fresh.pipeline(o), name: "p2", steps: [STEP] }],
  "lib/pipelines/actions.ts#archivePipelineAction": async (t, o) => [{ teamId: t.id, pipelineId: await fresh.pipeline(o) }],
  "lib/pipelines/actions.ts#startRunAction": async (t, o) => [{ teamId: t.id, pipelineId: await fresh.pipeline(o), input: "hello" }],
  "lib/pipelines/actions.ts#cancelRunAction": async (t, o) => [{ teamId: t.id, runId: await fresh.run(o) }],
  "lib/pipelines/actions.ts#retryStepAction": async (t, o) => [{ teamId: t.id, runId: await fresh.failedRun(o), stepKey: "s1" }],
  "lib/pipelines/actions.ts#runSynthesisAction": async (t) => [{ teamId: t.id, task: "What is 6 * 7?", strongModel: "gpt-4.1-mini", cheapModel: "gpt-4.1-mini" }],
  "lib/ratings/actions.ts#rateRequestAction": async (t, o) => [{ teamId: t.id, requestId: await fresh.request(o), kind: "thumbs", value: 1 }],
  "lib/teams/actions.ts#createTeamAction": async () => [{ name: "New team", slug: uniq("new") }],
  // Own: an invitation addressed to the caller. ownTeamOtherObject: someone else's invitation.
  "lib/teams/actions.ts#acceptInvitationAction": async (_t, o, me) => {
    const scratch = await createTeam(db, { name: "Scratch", slug: uniq("scratch"), ownerId: B.owner });
    const inv = await fresh.invitation({ ...scratch, owner: B.owner }, o === A && me ? me.email : undefined);
    return [{ token: inv.token }];
  },
  "lib/teams/actions.ts#addMemberAction": async (t) => [{ teamId: t.id, email: `${uniq("add")}@t.test`, role: "viewer" }],
  "lib/teams/actions.ts#changeRoleAction": async (t, o) => [{ teamId: t.id, userId: await fresh.member(o), role: "member" }],
  "lib/teams/actions.ts#removeMemberAction": async (t, o) => [{ teamId: t.id, userId: await fresh.member(o) }],
  "lib/teams/actions.ts#revokeInvitationAction": async (t, o) => [{ teamId: t.id, invitationId: (await fresh.invitation(o)).id }],
  // A zone other than the team's own each time, so an allowed call always changes (and audits) something.
  "lib/teams/actions.ts#setTeamTimezoneAction": async (t) => {
    const [row] = await db.select({ timezone: teams.timezone }).from(teams).where(eq(teams.id, t.id));
    return [{ teamId: t.id, timezone: row?.timezone === "Asia/Tokyo" ? "Europe/Berlin" : "Asia/Tokyo" }];
  },
};

function form(o: Record<string, string>) {
  const f = new FormData();
  for (const [k, v] of Object.entries(o)) f.set(k, v);
  return f;
}

const PERMISSION_REFUSAL = /^You are not a member of this team\.|does not allow this|^Your session has ended/;
/** Actions whose input names no object of a team: there is no "own team, other team's object" cell. */
const NO_OBJECT = new Set(["createBudgetAction", "updateRoutingSettingsAction", "createApiKeyAction", "setTeamLimitsAction", "createPipelineAction", "runSynthesisAction", "addMemberAction", "setTeamTimezoneAction"]);
const GENERIC_FAILURE = /Something went wrong on our side/;
const isAllowed = (access: ActionAccess, caller: Caller, target: Target) => {
  if (access.kind === "public") return true;
  if (caller === "none" || caller === "otherTeamKey") return false;
  if (access.kind === "user") return target === "own";
  // Only team A's owner is the installation admin here (see beforeAll).
  return target !== "other" && hasScope(caller, access.scope) && (!access.siteAdmin || caller === "owner");
};

const cells = { actions: 0, actionsAllowed: 0, actionsDenied: 0, actionsOk: 0, routes: 0, routesAllowed: 0, routesDenied: 0, skipped: [] as string[] };
const findings: string[] = [];

beforeAll(async () => {
  db = (await freshDb()).db;
  fleet = await startMockFleet({ port: 0, seed: 5 });
  await fleet.configure({ defaults: { latencyMs: 0, tokensPerSecond: 0 } });
  await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
  invalidateFleet();
  for (const r of ROLES) {
    const email = `${r}@alpha.test`;
    userOf[r] = { id: (await createUser(db, { name: r, email, password: "password-123" })).id, email };
  }
  // The installation admin is team A's owner alone; every other owner/admin is refused shared rows.
  await db.update(users).set({ siteAdmin: false });
  await db.update(users).set({ siteAdmin: true }).where(eq(users.id, userOf.owner.id));
  const a = await createTeam(db, { name: "Alpha", slug: "alpha", ownerId: userOf.owner.id });
  A = { id: a.id, slug: a.slug, owner: userOf.owner.id };
  await db.insert(memberships).values((["admin", "member", "viewer"] as const).map((r) => ({ teamId: A.id, userId: userOf[r].id, role: r })));
  const bOwner = (await createUser(db, { name: "b", email: "owner@bravo.test", password: "password-123" })).id;
  const b = await createTeam(db, { name: `Bravo ${MARK}`, slug: "bravo", ownerId: bOwner });
  B = { id: b.id, slug: b.slug, owner: bOwner };
  keyA = (await createApiKey(db, { teamId: A.id, name: "alpha key", createdBy: userOf.owner.id })).key;
  keyB = (await createApiKey(db, { teamId: B.id, name: `${MARK} key`, createdBy: bOwner })).key;
  // Team B has data of every kind, so "no cross-team read" is tested against something.
  for (let i = 0; i < 2; i++) {
    await fresh.request(B);
    await fresh.run(B);
    await fresh.budget(B);
    await fresh.notification(B);
  }
});
afterAll(async () => {
  setTestSession(undefined);
  console.log(
    `[authz-matrix] ${driverName}: ${cells.actions} action cells (${cells.actionsAllowed} allowed, ${cells.actionsOk} of them ok:true; ${cells.actionsDenied} denied, each with no row changed) + ` +
      `${cells.routes} route cells (${cells.routesAllowed} allowed, ${cells.routesDenied} denied) = ${cells.actions + cells.routes} cells; cross-team reads or writes: 0` +
      (cells.skipped.length ? `; not callable outside a Next request: ${cells.skipped.join(", ")}` : ""),
  );
  for (const f of findings) console.log(`[authz-matrix] finding: ${f}`);
  await fleet?.close();
  await closeDb();
});

function actAs(caller: Caller) {
  setTestSession(caller === "none" || caller === "otherTeamKey" ? null : userOf[caller].id);
}

describe(`authorization matrix on ${driverName}`, () => {
  it("every exported server action has an entry in ACTION_PERMISSIONS and an input in this test, and no entry is stale", async () => {
    const found: string[] = [];
    for (const file of serverActionModules()) {
      const mod = (await import(path.join(ROOT, file))) as Record<string, unknown>;
      for (const [name, v] of Object.entries(mod)) if (typeof v === "function") found.push(`${file}#${name}`);
    }
    expect(found.length).toBeGreaterThan(20);
    const table = Object.keys(ACTION_PERMISSIONS);
    expect(found.filter((k) => !table.includes(k)), "server actions with no entry in lib/auth/permissions.ts").toEqual([]);
    expect(table.filter((k) => !found.includes(k)), "entries for actions that no longer exist").toEqual([]);
    expect(table.filter((k) => !INPUTS[k]), "actions with no input in this test").toEqual([]);
  });

  it("every API route (gateway OpenAPI document + app/api route handlers) has an entry in ROUTE_PERMISSIONS", () => {
    const doc = JSON.parse(openApiJson()) as { paths: Record<string, Record<string, unknown>> };
    const gateway = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} /api/v1${p}`));
    const found = [...gateway, ...nextApiRoutes()];
    const table = Object.keys(ROUTE_PERMISSIONS);
    expect(found.filter((k) => !table.includes(k)), "routes with no entry in lib/auth/permissions.ts").toEqual([]);
    expect(table.filter((k) => !found.includes(k)), "entries for routes that no longer exist").toEqual([]);
  });

  for (const [key, access] of Object.entries(ACTION_PERMISSIONS) as [string, ActionAccess][]) {
    it(`${key.split("#")[1]} (${access.kind === "team" ? access.scope : access.kind})`, async () => {
      if (access.kind === "public" && !access.callable) {
        cells.skipped.push(key.split("#")[1]);
        return;
      }
      const [file, name] = key.split("#");
      const action = ((await import(path.join(ROOT, file))) as Record<string, (...a: unknown[]) => Promise<{ ok: boolean; error?: string }>>)[name];
      const targets: Target[] =
        access.kind === "public" ? ["own"] : access.kind === "user" ? (name === "acceptInvitationAction" ? ["own", "ownTeamOtherObject"] : ["own"]) : access.siteAdmin || NO_OBJECT.has(name) ? ["own", "other"] : ["own", "other", "ownTeamOtherObject"];
      for (const caller of CALLERS) {
        for (const target of targets) {
          const team = target === "other" ? B : A;
          const obj = target === "own" ? A : B;
          const me = caller === "none" || caller === "otherTeamKey" ? null : userOf[caller];
          setTestSession(undefined);
          const args = await INPUTS[key](team, obj, me);
          const allowed = isAllowed(access, caller, target);
          const where = `${name} as ${caller} on ${target}`;
          const before = allowed ? await quiet(db, { teamId: B.id }) : await quiet(db);
          actAs(caller);
          const res = await action(...args);
          setTestSession(undefined);
          cells.actions++;
          expect(res.error ?? "", `${where}: ${JSON.stringify(res)}`).not.toMatch(GENERIC_FAILURE);
          if (allowed) {
            cells.actionsAllowed++;
            if (res.ok) cells.actionsOk++;
            if (access.kind !== "public") expect(res.error ?? "", `${where} was refused: ${JSON.stringify(res)}`).not.toMatch(PERMISSION_REFUSAL);
            if (target === "own" && access.kind !== "public") expect(res, `${where} should succeed`).toMatchObject({ ok: true });
            // Whatever an allowed caller did in their own team, team B's rows are untouched.
            const after = await snapshot(db, { teamId: B.id });
            expect(diff(before, after), `${where} changed team B's rows`).toEqual([]);
            // An object of another team, named from the caller's own team, is refused — not answered ok as a silent no-op.
            if (target === "ownTeamOtherObject") expect(res.ok, `${where} answered ok for another team's object: ${JSON.stringify(res)}`).toBe(false);
          } else {
            cells.actionsDenied++;
            expect(res.ok, `${where} should be refused: ${JSON.stringify(res)}`).toBe(false);
            const after = await snapshot(db);
            expect(diff(before, after), `${where} was refused but changed rows`).toEqual([]);
          }
          if (target === "own") expect(JSON.stringify(res), `${where} leaked team B's data`).not.toContain(MARK);
        }
      }
    }, 120_000);
  }
});

describe(`API route matrix on ${driverName}`, () => {
  let server: http.Server;
  let api: string;
  const ids: { pipelineA?: string; pipelineB?: string; runA?: string; runB?: string; cancelA?: string; cancelB?: string; requestA?: string; requestB?: string } = {};
  beforeAll(async () => {
    server = http.createServer(handleApiV1);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    ids.pipelineA = await fresh.pipeline(A);
    ids.pipelineB = await fresh.pipeline(B);
    ids.runA = await fresh.run(A);
    ids.runB = await fresh.run(B);
    // Queued runs (no runner here) for the cancel route: each is cancelled once, by its own team's key.
    ids.cancelA = await fresh.run(A);
    ids.cancelB = await fresh.run(B);
    ids.requestA = await fresh.request(A);
    ids.requestB = await fresh.request(B);
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  /** Request of each gateway route for the own (A) or the other team's (B) object. */
  const GATEWAY: Record<string, (target: "own" | "other") => { path: string; method: string; body?: unknown; stream?: boolean }> = {
    "POST /api/v1/delegate": () => ({ method: "POST", path: "/delegate", body: { task: { description: "What is 3 * 3?" }, preferences: { model_preference: "gpt-4.1-mini" } } }),
    "POST /api/v1/delegate/stream": () => ({ method: "POST", path: "/delegate/stream", body: { task: { description: "What is 3 * 3?" } }, stream: true }),
    "POST /api/v1/feedback": (t) => ({ method: "POST", path: "/feedback", body: { request_id: t === "own" ? ids.requestA : ids.requestB, rating: "up" } }),
    "POST /api/v1/chat/completions": () => ({ method: "POST", path: "/chat/completions", body: { model: "gpt-4.1-mini", messages: [{ role: "user", content: "hi" }] } }),
    "GET /api/v1/models": () => ({ method: "GET", path: "/models" }),
    "GET /api/v1/models/{model}": () => ({ method: "GET", path: "/models/gpt-4.1-mini" }),
    "GET /api/v1/spend": () => ({ method: "GET", path: "/spend" }),
    "GET /api/v1/pipelines": () => ({ method: "GET", path: "/pipelines" }),
    "POST /api/v1/pipelines/{pipeline}/runs": (t) => ({ method: "POST", path: `/pipelines/${t === "own" ? ids.pipelineA : ids.pipelineB}/runs`, body: { input: "hi" } }),
    "GET /api/v1/pipeline-runs/{run}": (t) => ({ method: "GET", path: `/pipeline-runs/${t === "own" ? ids.runA : ids.runB}` }),
    "POST /api/v1/pipeline-runs/{run}/cancel": (t) => ({ method: "POST", path: `/pipeline-runs/${t === "own" ? ids.cancelA : ids.cancelB}/cancel` }),
    "GET /api/v1/openapi.json": () => ({ method: "GET", path: "/openapi.json" }),
  };
  /** Routes whose path names one of the team's objects; the others act on the key's own team only. */
  const NAMES_AN_OBJECT = new Set(["POST /api/v1/feedback", "POST /api/v1/pipelines/{pipeline}/runs", "GET /api/v1/pipeline-runs/{run}", "POST /api/v1/pipeline-runs/{run}/cancel"]);

  for (const [route, access] of Object.entries(ROUTE_PERMISSIONS) as [string, RouteAccess][]) {
    if (!route.includes("/api/v1/")) continue;
    it(`${route} (${access.kind})`, async () => {
      expect(GATEWAY[route], `no request for ${route} in this test`).toBeDefined();
      for (const caller of CALLERS) {
        for (const target of NAMES_AN_OBJECT.has(route) ? (["own", "other"] as const) : (["own"] as const)) {
          const req = GATEWAY[route](target);
          // Sessions never reach /api/v1: a browser's cookie is not a key. Roles call without a key;
          // "otherTeamKey" holds team B's key and targets team A's objects (own) or B's own (other).
          const key = caller === "otherTeamKey" ? keyB : null;
          const headers: Record<string, string> = { "content-type": "application/json", cookie: "authjs.session-token=forged" };
          if (key) headers.authorization = `Bearer ${key}`;
          const before = await quiet(db);
          const res = await fetch(`${api}${req.path}`, { method: req.method, headers, body: req.body ? JSON.stringify(req.body) : undefined });
          const text = await res.text();
          cells.routes++;
          const where = `${route} as ${caller} on ${target}: ${res.status} ${text.slice(0, 200)}`;
          expect(res.status, where).toBeLessThan(500);
          if (access.kind === "public") {
            cells.routesAllowed++;
            expect(res.status, where).toBe(200);
          } else if (!key) {
            cells.routesDenied++;
            expect(res.status, where).toBe(401);
            expect(diff(before, await snapshot(db)), `${where} changed rows`).toEqual([]);
          } else if (NAMES_AN_OBJECT.has(route) && target === "own") {
            // Team B's key naming team A's object: not found, and nothing of A's changes.
            cells.routesDenied++;
            expect(res.status, where).toBe(404);
            expect(diff(before, await snapshot(db)), `${where} changed rows`).toEqual([]);
          } else {
            cells.routesAllowed++;
            expect(res.status, where).toBeLessThan(300);
          }
          expect(text, `${where} leaked team A's data`).not.toContain(A.id);
        }
      }
      // And team A's own key, for completeness of "own team": allowed, and never sees B.
      const own = GATEWAY[route]("own");
      const res = await fetch(`${api}${own.path}`, { method: own.method, headers: { "content-type": "application/json", authorization: `Bearer ${keyA}` }, body: own.body ? JSON.stringify(own.body) : undefined });
      const text = await res.text();
      cells.routes++;
      cells.routesAllowed++;
      expect(res.status, `${route} with team A's key: ${text.slice(0, 300)}`).toBeLessThan(300);
      expect(text).not.toContain(MARK);
      expect(text).not.toContain(B.id);
      if (NAMES_AN_OBJECT.has(route)) {
        const other = GATEWAY[route]("other");
        const before = await quiet(db, { teamId: B.id });
        const r2 = await fetch(`${api}${other.path}`, { method: other.method, headers: { "content-type": "application/json", authorization: `Bearer ${keyA}` }, body: other.body ? JSON.stringify(other.body) : undefined });
        cells.routes++;
        cells.routesDenied++;
        expect(r2.status, `${route} with team A's key on team B's object`).toBe(404);
        expect(await r2.text()).not.toContain(MARK);
        expect(diff(before, await snapshot(db, { teamId: B.id }))).toEqual([]);
      }
    }, 120_000);
  }

  type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
  const nextRoute = async (route: string): Promise<Handler | null> => {
    const [method, p] = route.split(" ");
    if (p.startsWith("/api/auth/")) return null; // Auth.js's own handler (sign-in/out, CSRF), exercised by e2e/auth.setup.ts
    const mod = (await import(path.join(ROOT, "app", p, "route.ts"))) as Record<string, Handler>;
    return mod[method];
  };

  for (const [route, access] of Object.entries(ROUTE_PERMISSIONS) as [string, RouteAccess][]) {
    if (route.includes("/api/v1/")) continue;
    it(`${route} (${access.kind === "session" ? access.scope : access.kind})`, async () => {
      const handler = await nextRoute(route);
      if (!handler) {
        cells.skipped.push(route);
        return;
      }
      const [method, pattern] = route.split(" ");
      const variants: [string, RouteAccess][] = [["", access]];
      if (access.kind === "session") for (const [q, scope] of Object.entries(access.queryScopes ?? {})) variants.push([q, { kind: "session", scope }]);
      // The simulator gets an empty file: answered 400 once the caller passed every check, without spawning a replay.
      const allowedStatus = pattern.endsWith("/simulate") ? 400 : 200;
      for (const [query, acc] of variants)
      for (const caller of CALLERS) {
        for (const target of ["own", "other", "ownTeamOtherObject"] as Target[]) {
          if (acc.kind === "public" && target !== "own") continue;
          if (target === "ownTeamOtherObject" && !pattern.includes("[runId]")) continue;
          const slug = target === "other" ? B.slug : A.slug;
          const runId = target === "own" ? ids.runA! : ids.runB!;
          const qs = [pattern.endsWith("costs.csv") ? "by=team" : "", query].filter(Boolean).join("&");
          const url = `http://localhost${pattern.replace("[team]", slug).replace("[runId]", runId)}${qs ? `?${qs}` : ""}`;
          const body = pattern.endsWith("/playground") ? JSON.stringify({ task: "What is 5 * 5?", model: "gpt-4.1-mini" }) : method === "POST" ? "" : undefined;
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (caller === "otherTeamKey") headers.authorization = `Bearer ${keyB}`;
          actAs(caller);
          const before = await quiet(db, { teamId: B.id });
          const beforeAll = await snapshot(db);
          const res = await handler(new Request(url, { method, headers, body }), { params: Promise.resolve({ team: slug, runId }) });
          const text = await res.text();
          setTestSession(undefined);
          cells.routes++;
          const where = `${route}${query ? `?${query}` : ""} as ${caller} on ${target}: ${res.status} ${text.slice(0, 200)}`;
          expect(res.status, where).toBeLessThan(500);
          expect(text, where).not.toMatch(/event: error/);
          const member = caller !== "none" && caller !== "otherTeamKey";
          if (acc.kind === "public") {
            cells.routesAllowed++;
            expect(res.status, where).toBe(200);
          } else if (!member) {
            cells.routesDenied++;
            expect(res.status, where).toBe(401);
          } else if (target !== "own") {
            cells.routesDenied++;
            expect(res.status, where).toBe(404);
          } else if (acc.kind === "session" && !hasScope(caller, acc.scope)) {
            cells.routesDenied++;
            expect(res.status, where).toBe(403);
          } else {
            cells.routesAllowed++;
            expect(res.status, where).toBe(allowedStatus);
          }
          if (res.status >= 400) expect(diff(beforeAll, await snapshot(db)), `${where} changed rows`).toEqual([]);
          expect(diff(before, await snapshot(db, { teamId: B.id })), `${where} changed team B's rows`).toEqual([]);
          if (target !== "other" || res.status >= 400) expect(text, `${where} leaked team B's data`).not.toContain(MARK);
          if (target !== "other") expect(text, `${where} leaked team B's data`).not.toContain(B.id);
        }
      }
    }, 120_000);
  }
});




/**
 * Every dashboard page (and layout) under app/(dashboard)/t/[team], called as the server renders it:
 * a member of team A asking for team B's slug, or for team B's object by id under A's slug, or after
 * being removed from A, gets a 404 — the same as a team or object that does not exist. The pages are
 * discovered from the file tree, so a new page is checked without being listed here.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb, type Db } from "@/db";
import { memberships } from "@/db/schema";
import { seedFleet } from "@/db/seed";
import { setTestSession } from "@/lib/auth/session";
import { createUser } from "@/lib/auth/users";
import { delegate } from "@/lib/execution/delegate";
import { invalidateFleet } from "@/lib/execution/fleet";
import { createPipeline, startRun } from "@/lib/pipelines/service";
import { createTeam } from "@/lib/teams/service";
import { startMockFleet } from "@/mock-fleet/server";
import { driverName, freshDb } from "@/test/db";
import { ROOT } from "./helpers";

class NotFound extends Error {}
vi.mock("next/navigation", () => ({
  notFound: () => {
    throw new NotFound("NEXT_NOT_FOUND");
  },
  redirect: (to: string) => {
    throw new Error(`redirect to ${to}`);
  },
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));
vi.mock("next/headers", () => ({ headers: async () => new Headers({ host: "localhost:3000" }), cookies: async () => ({ get: () => undefined }) }));
vi.mock("@/auth", () => ({ auth: async () => null, signIn: async () => {}, signOut: async () => {}, githubEnabled: () => false }));
vi.mock("next-auth", () => ({ AuthError: class AuthError extends Error {} }));

type Team = { id: string; slug: string };
type Objects = { id: string; pipelineId: string; runId: string };
let db: Db;
let fleet: Awaited<ReturnType<typeof startMockFleet>>;
let A: Team;
let B: Team;
let owner: string;
const objs = {} as Record<"A" | "B", Objects>;

/** Every page.tsx and layout.tsx under the team segment, with the dynamic segments of its path. */
function teamPages(): { file: string; params: string[] }[] {
  const base = path.join(ROOT, "app/(dashboard)/t/[team]");
  const out: { file: string; params: string[] }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const abs = path.join(dir, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else if (name === "page.tsx" || name === "layout.tsx") {
        const rel = path.relative(ROOT, abs);
        out.push({ file: rel, params: [...rel.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]) });
      }
    }
  };
  walk(base);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** A pipeline, a run and a request of team `t`, made by its owner `by`. */
async function objectsOf(t: Team, by: string): Promise<Objects> {
  const p = await createPipeline(db, { teamId: t.id, userId: by, name: `${t.slug} pipeline`, description: "", steps: [{ key: "s1", kind: "prompt", model: "gpt-4.1-mini", group: 0, template: "Say {{input}}" }] });
  const run = await startRun(db, { teamId: t.id, pipelineId: p.id, input: "hi", userId: by });
  const { requestId } = await delegate(db, { teamId: t.id, userId: by, source: "playground", model: "gpt-4.1-mini", task: "What is 2 + 2?" });
  return { id: requestId, pipelineId: p.id, runId: run.id };
}

beforeAll(async () => {
  db = (await freshDb()).db;
  fleet = await startMockFleet({ port: 0 });
  await seedFleet(db, { mockFleetUrl: fleet.url, env: {} });
  invalidateFleet();
  owner = (await createUser(db, { name: "Owner", email: "owner@pages.test", password: "password-123" })).id;
  A = await createTeam(db, { name: "Alpha", slug: "alpha", ownerId: owner });
  const bOwner = (await createUser(db, { name: "B", email: "b@pages.test", password: "password-123" })).id;
  B = await createTeam(db, { name: "Bravo", slug: "bravo", ownerId: bOwner });
  objs.A = await objectsOf(A, owner);
  objs.B = await objectsOf(B, bOwner);
});
afterAll(async () => {
  setTestSession(undefined);
  await fleet?.close();
  await closeDb();
});

type Page = (props: { params: Promise<Record<string, string>>; searchParams: Promise<Record<string, string>>; children?: unknown }) => Promise<unknown>;
const load = async (file: string) => ((await import(path.join(ROOT, file))) as { default: Page }).default;

/** "ok", "404", or the error the page threw. */
async function render(file: string, params: Record<string, string>): Promise<string> {
  try {
    await (await load(file))({ params: Promise.resolve(params), searchParams: Promise.resolve({}), children: null });
    return "ok";
  } catch (e) {
    return e instanceof NotFound ? "404" : `threw ${(e as Error).message}`;
  }
}

const paramsFor = (team: Team, names: string[], objects: Objects) => Object.fromEntries(names.map((n) => [n, n === "team" ? team.slug : objects[n as keyof Objects]]));

describe(`dashboard pages on ${driverName}`, () => {
  it("finds the team pages, and team A's owner can open every one of them for team A", async () => {
    const pages = teamPages();
    expect(pages.length).toBeGreaterThan(20);
    setTestSession(owner);
    const got = Object.fromEntries(await Promise.all(pages.map(async (p) => [p.file, await render(p.file, paramsFor(A, p.params, objs.A))] as const)));
    expect(got).toEqual(Object.fromEntries(pages.map((p) => [p.file, "ok"])));
  }, 120_000);

  it("team B's slug, or team B's object under team A's slug, is a 404 on every page", async () => {
    setTestSession(owner);
    const want: Record<string, string> = {};
    const got: Record<string, string> = {};
    for (const p of teamPages()) {
      want[`${p.file} as team B`] = "404";
      got[`${p.file} as team B`] = await render(p.file, paramsFor(B, p.params, objs.B));
      if (p.params.length > 1) {
        want[`${p.file} with team B's object`] = "404";
        got[`${p.file} with team B's object`] = await render(p.file, paramsFor(A, p.params, objs.B));
      }
    }
    expect(got).toEqual(want);
  }, 120_000);

  it("a member removed from the team gets a 404 on every page with the session still open", async () => {
    const gone = (await createUser(db, { name: "Gone", email: "gone@pages.test", password: "password-123" })).id;
    await db.insert(memberships).values({ teamId: A.id, userId: gone, role: "admin" });
    setTestSession(gone);
    const pages = teamPages();
    expect(await render("app/(dashboard)/t/[team]/page.tsx", { team: A.slug })).toBe("ok");
    await db.delete(memberships).where(and(eq(memberships.teamId, A.id), eq(memberships.userId, gone)));
    const got = Object.fromEntries(await Promise.all(pages.map(async (p) => [p.file, await render(p.file, paramsFor(A, p.params, objs.A))] as const)));
    expect(got).toEqual(Object.fromEntries(pages.map((p) => [p.file, "404"])));
  }, 120_000);
});

import { spawn } from "node:child_process";
import path from "node:path";
import { getDb } from "@/db";
import { currentUserId, teamContext } from "@/lib/auth/session";
import { hasScope } from "@/lib/auth/scopes";
import type { LearningSnapshot } from "@/lib/learning";
import { loadFleet } from "@/lib/execution/fleet";
import { warmStartTeam } from "@/lib/ratings/service";
import { audit } from "@/lib/teams/service";

export const dynamic = "force-dynamic";

const MAX_BYTES = 20 * 1024 * 1024;
const json = (status: number, message: string) => Response.json({ error: { message } }, { status });

/** Runs scripts/simulate.ts in a child process (the replay is CPU-bound) and returns its JSON. */
function runSimulator(mode: "simulate" | "warm-start", text: string): Promise<{ ok: boolean; error?: string; [k: string]: unknown }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(/* turbopackIgnore: true */ process.cwd(), "scripts", "simulate.ts"), mode], {
      cwd: process.cwd(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.on("data", (c) => out.push(c));
    child.stderr.on("data", (c) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(Buffer.concat(out).toString("utf8")));
      } catch {
        reject(new Error(`simulator exited with ${code}: ${Buffer.concat(err).toString("utf8").slice(0, 500)}`));
      }
    });
    child.stdin.end(text);
  });
}

/**
 * POST an outcomes file (JSONL, the routing data format) to replay the router on it; with
 * `?warmStart=1` the team's learned quality restarts from the file, with the team's own ratings
 * applied again on top; a file naming none of the installation's models is refused.
 */
export async function POST(req: Request, { params }: { params: Promise<{ team: string }> }) {
  const userId = await currentUserId();
  if (!userId) return json(401, "Your session has ended. Sign in again.");
  const db = await getDb();
  const ctx = await teamContext(db, userId, { slug: (await params).team });
  if (!ctx) return json(404, "No such team.");
  const warm = new URL(req.url).searchParams.get("warmStart") === "1";
  if (warm && !hasScope(ctx.role, "settings:write")) return json(403, `Your role (${ctx.role}) cannot change the team's routing.`);
  if (!hasScope(ctx.role, "requests:write")) return json(403, `Your role (${ctx.role}) cannot run the simulator; ask a member or admin.`);
  // Each run is a CPU-bound child process: one at a time per app process.
  const g = globalThis as { __mcSimulating?: boolean };
  if (g.__mcSimulating) return Response.json({ error: { message: "Another simulation is running; try again in a few seconds." } }, { status: 429, headers: { "retry-after": "5" } });
  const length = Number(req.headers.get("content-length") ?? 0);
  if (length > MAX_BYTES) return json(413, "The file is larger than 20 MB.");
  const text = await req.text();
  if (Buffer.byteLength(text) > MAX_BYTES) return json(413, "The file is larger than 20 MB.");
  if (!text.trim()) return json(400, "The file is empty. Upload a JSONL file with one {prompt, outcomes} object per line.");
  g.__mcSimulating = true;
  try {
    const res = await runSimulator(warm ? "warm-start" : "simulate", text);
    if (!res.ok) return json(400, res.error ?? "The file could not be read.");
    if (!warm) return Response.json(res.result);
    // Refuse a file that says nothing about this team's models: it would only reset what was learned.
    const fileModels = res.models as string[];
    const fleet = await loadFleet(db);
    const known = fileModels.filter((m) => fleet.byName.has(m));
    if (!known.length) {
      return json(400, `None of the file's ${fileModels.length} models (${fileModels.slice(0, 5).join(", ")}${fileModels.length > 5 ? ", …" : ""}) is a model of this installation, so a warm start from it would teach the router nothing about the models it can choose. Use outcomes of your own models, with their names as in Admin → Models.`);
    }
    const { ratingsKept } = await warmStartTeam(db, ctx.team.id, res.snapshot as LearningSnapshot);
    await audit(db, { teamId: ctx.team.id, actorUserId: userId, action: "routing.warm_start", details: { prompts: res.prompts, models: fileModels, knownModels: known, ratingsKept } });
    return Response.json({ prompts: res.prompts, models: fileModels, known_models: known, ratings_kept: ratingsKept });
  } catch (e) {
    console.error("[simulate]", e);
    return json(500, "The simulator failed on our side. Try a smaller file.");
  } finally {
    g.__mcSimulating = false;
  }
}

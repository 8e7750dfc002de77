import { getDb } from "@/db";
import { currentUserId, teamContext } from "@/lib/auth/session";
import { getRun } from "@/lib/pipelines/service";

export const dynamic = "force-dynamic";

const json = (status: number, message: string) => Response.json({ error: { message } }, { status });

/** A run with its steps, polled by the run page while it is live. Checked against the member's session. */
export async function GET(_req: Request, { params }: { params: Promise<{ team: string; runId: string }> }) {
  const userId = await currentUserId();
  if (!userId) return json(401, "Your session has ended. Sign in again.");
  const { team, runId } = await params;
  const db = await getDb();
  const ctx = await teamContext(db, userId, { slug: team });
  if (!ctx) return json(404, "No such team.");
  if (!/^[0-9a-f-]{36}$/i.test(runId)) return json(404, "No such run.");
  const run = await getRun(db, ctx.team.id, runId, { userId });
  if (!run) return json(404, "No such run in this team.");
  return Response.json(run, { headers: { "cache-control": "no-store" } });
}

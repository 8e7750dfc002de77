import { getDb } from "@/db";
import { currentUserId, teamContext } from "@/lib/auth/session";
import { teamsOfUser } from "@/lib/auth/users";
import { parseCostsQuery } from "@/lib/charts/range";
import { toCsv } from "@/lib/charts/series";
import { seriesLabels, spendByDay } from "@/lib/usage/queries";
import { dayIn } from "@/lib/zone";

/** Daily spend per series as CSV, for members of the team (session-checked; 404 for anyone else). */
export async function GET(req: Request, { params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const userId = await currentUserId();
  if (!userId) return new Response("Sign in to export costs.\n", { status: 401 });
  const db = await getDb();
  const ctx = await teamContext(db, userId, { slug });
  if (!ctx) return new Response("No such team.\n", { status: 404 });
  const q = parseCostsQuery(Object.fromEntries(new URL(req.url).searchParams), dayIn(new Date(), ctx.team.timezone));
  const teamIds = q.by === "team" ? (await teamsOfUser(db, userId)).map((t) => t.id) : [ctx.team.id];
  const rows = await spendByDay(db, teamIds, q.from, q.to, q.by);
  const labels = await seriesLabels(db, q.by, [...new Set(rows.map((r) => r.key))]);
  rows.sort((a, b) => (a.day === b.day ? b.costMicros - a.costMicros : a.day < b.day ? -1 : 1));
  const body = toCsv(
    ["day", q.by, "requests", "errors", "tokens", "cost_usd", "cost_micros"],
    rows.map((r) => [r.day, labels.get(r.key) ?? r.key, r.requests, r.errors, r.tokens, (r.costMicros / 1_000_000).toFixed(6), r.costMicros]),
  );
  return new Response(body, {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${ctx.team.slug}-costs-${q.from}-to-${q.to}-by-${q.by}.csv"`, "cache-control": "no-store" },
  });
}

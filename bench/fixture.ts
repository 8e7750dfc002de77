import type { Db } from "@/db";
import { budgets } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { createUser } from "@/lib/auth/users";
import { createTeam } from "@/lib/teams/service";

/**
 * The benchmarks' caller: a user, their team and a team API key; with `budget`, a hard-stop team
 * budget far above what a run spends (so the budget check is on but never refuses); with
 * `limits`, per-key request and token limits far above the load (so the limiter is on but never
 * refuses).
 */
export async function benchTeam(db: Db, o: { budget?: boolean; limits?: boolean } = {}) {
  const stamp = Date.now();
  const user = await createUser(db, { name: "bench", email: `bench-${stamp}@bench.local`, password: "bench-password" });
  const team = await createTeam(db, { name: "Bench", slug: `bench-${stamp}`, ownerId: user.id });
  const [budget] = o.budget
    ? await db.insert(budgets).values({ teamId: team.id, scope: "team", name: "bench budget", limitMicros: 1_000_000_000_000, hardStop: true, periodStart: new Date(stamp - 86_400_000) }).returning()
    : [];
  const { key, row: keyRow } = await createApiKey(db, { teamId: team.id, name: "bench", ...(o.limits ? { requestsPerMinute: 50_000_000, tokensPerMinute: 2_000_000_000 } : {}) });
  return { user, team, budget, key, keyRow };
}

import Link from "next/link";
import { requirePageScope } from "@/lib/auth/page";
import { loadFleet } from "@/lib/execution/fleet";
import { listTeamKeys, teamLimitSettings } from "@/lib/keys/queries";
import { AdminNav } from "@/components/admin/admin-nav";
import { Card } from "@/components/ui/card";
import { CreateKeyForm } from "@/components/keys/create-key-form";
import { KeysTable } from "@/components/keys/keys-table";
import { TeamLimitsForm } from "@/components/keys/team-limits-form";

export const metadata = { title: "Admin · API keys" };

export default async function ApiKeysPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const ctx = await requirePageScope(slug, "keys:write");
  const [keys, fleet, limits] = await Promise.all([listTeamKeys(ctx.db, ctx.team.id), loadFleet(ctx.db), teamLimitSettings(ctx.db, ctx.team.id)]);
  const models = [...fleet.byName.keys()].sort();
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Admin</h1>
      <AdminNav slug={slug} current="keys" />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <Card title={`API keys of ${ctx.team.name}`} className="lg:col-span-2">
          <KeysTable keys={keys} />
        </Card>
        <div className="space-y-4">
          <Card title="Create a key">
            <CreateKeyForm models={models} />
          </Card>
          <Card title="Team rate limits">
            <p className="mb-3 text-sm text-zinc-500">One limit shared by every key of the team, on top of each key&apos;s own; over it the API answers 429 with Retry-After.</p>
            <TeamLimitsForm current={limits.current} defaults={limits.defaults} />
          </Card>
          <p className="text-sm text-zinc-500">
            Keys work with the REST API, any OpenAI client (base URL <code>/api/v1</code>) and the <code>mc</code> CLI. See the{" "}
            <Link className="text-indigo-600 underline" href={`/t/${slug}/api`}>
              API page
            </Link>
            . Revoking or rotating takes effect at once in this process; other app processes stop its model calls within a second and refuse it entirely within 10 s.
          </p>
        </div>
      </div>
    </div>
  );
}

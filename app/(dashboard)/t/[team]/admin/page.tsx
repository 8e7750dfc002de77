import { requirePageScope } from "@/lib/auth/page";
import { listInvitations, listMembers, removalEffects } from "@/lib/teams/service";
import { Card } from "@/components/ui/card";
import { AddMemberForm, InvitationsList, MembersTable } from "@/components/admin/members";
import { CreateTeamForm } from "@/components/admin/create-team";
import { AdminNav } from "@/components/admin/admin-nav";
import { TeamZoneForm } from "@/components/admin/team-zone";
import { hasScope } from "@/lib/auth/scopes";
import { offsetAt, timeZoneNames } from "@/lib/zone";

export const metadata = { title: "Admin · Members" };

export default async function AdminMembersPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const ctx = await requirePageScope(slug, "members:write");
  const now = new Date();
  const [members, invitations, effects] = await Promise.all([listMembers(ctx.db, ctx.team.id), listInvitations(ctx.db, ctx.team.id), removalEffects(ctx.db, ctx.team.id)]);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Admin</h1>
      <AdminNav slug={slug} current="members" />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          <Card title={`Members of ${ctx.team.name}`}>
            <MembersTable members={members} me={ctx.userId} removalEffects={effects} />
          </Card>
          <Card title="Add or invite a member">
            <AddMemberForm />
          </Card>
          <Card title="Open invitations">
            <InvitationsList invitations={invitations.map((i) => ({ ...i, expiresAt: i.expiresAt.toISOString() }))} />
          </Card>
        </div>
        <div className="space-y-4">
          {hasScope(ctx.role, "settings:write") && (
            <Card title="Team settings">
              <TeamZoneForm zones={timeZoneNames().map((name) => ({ name, offset: offsetAt(now, name) }))} />
            </Card>
          )}
          <Card title="Create another team">
            <CreateTeamForm />
          </Card>
        </div>
      </div>
    </div>
  );
}

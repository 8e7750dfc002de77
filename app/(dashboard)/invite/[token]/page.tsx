import { redirect } from "next/navigation";
import { getDb } from "@/db";
import { requireUserId } from "@/lib/auth/page";
import { signOutAction } from "@/lib/auth/actions";
import { describeInvitation } from "@/lib/teams/service";
import { formatWithZone } from "@/lib/zone";
import { AcceptInvite } from "@/components/admin/accept-invite";
import { Button } from "@/components/ui/button";

export const metadata = { title: "Invitation" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const userId = await requireUserId(`/invite/${token}`);
  const inv = await describeInvitation(await getDb(), { token, userId });
  if ("joined" in inv && inv.joined) redirect(`/t/${inv.joined}`);
  return (
    <main className="mx-auto max-w-md space-y-4 p-8">
      {"team" in inv ? (
        <>
          <h1 className="text-xl font-semibold">Join {inv.team}</h1>
          <p className="text-sm" data-testid="invitation-summary">
            {inv.invitedBy ? `${inv.invitedBy} invited` : "You were invited as"} <strong>{inv.email}</strong> to join <strong>{inv.team}</strong> as {inv.role === "admin" || inv.role === "owner" ? "an" : "a"} <strong>{inv.role}</strong>.
            {" "}The link works until {formatWithZone(inv.expiresAt, "UTC")}.
          </p>
        </>
      ) : (
        <h1 className="text-xl font-semibold">Invitation</h1>
      )}
      {inv.ok ? (
        <AcceptInvite token={token} />
      ) : (
        <div className="space-y-3">
          <p role="alert" data-testid="invitation-problem" className="text-sm text-red-600">
            {inv.problem}
            {inv.signedInAs && "team" in inv ? ` You are signed in as ${inv.signedInAs}.` : ""}
          </p>
          {"team" in inv && (
            <form action={signOutAction}>
              <input type="hidden" name="next" value={`/invite/${token}`} />
              <Button type="submit" variant="secondary">
                Sign out to switch accounts
              </Button>
            </form>
          )}
        </div>
      )}
    </main>
  );
}

import { requireUserId } from "@/lib/auth/page";
import { AcceptInvite } from "@/components/admin/accept-invite";

export const metadata = { title: "Invitation" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  await requireUserId(`/invite/${token}`);
  return (
    <main className="mx-auto max-w-md space-y-4 p-8">
      <h1 className="text-xl font-semibold">You have been invited to a team</h1>
      <p className="text-sm text-zinc-500">Accept to join it with the role you were invited with. The invitation is tied to your email address.</p>
      <AcceptInvite token={token} />
    </main>
  );
}

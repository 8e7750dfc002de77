"use client";

import { useFormAction } from "@/components/ui/use-form-action";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { acceptInvitationAction } from "@/lib/teams/actions";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form";

export function AcceptInvite({ token }: { token: string }) {
  const [state, action, pending] = useFormAction(acceptInvitationAction);
  const router = useRouter();
  useEffect(() => {
    if (state?.ok) router.push(`/t/${state.data.slug}`);
  }, [state, router]);
  return (
    <form onSubmit={action} className="space-y-3">
      <input type="hidden" name="token" value={token} />
      <FormMessage state={state} />
      <Button type="submit" disabled={pending}>
        Accept invitation
      </Button>
    </form>
  );
}

"use client";

import { useTransition } from "react";
import { markNotificationsReadAction } from "@/lib/alerts/actions";
import { Button } from "@/components/ui/button";
import { useTeam } from "@/components/shell/team-context";

export function MarkRead({ id }: { id?: string }) {
  const team = useTeam();
  const [pending, start] = useTransition();
  return (
    <Button variant={id ? "ghost" : "secondary"} type="button" disabled={pending} onClick={() => start(async () => void (await markNotificationsReadAction({ teamId: team.id, notificationId: id })))}>
      {id ? "Mark read" : "Mark all read"}
    </Button>
  );
}

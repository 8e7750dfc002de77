"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction } from "@/lib/auth/action";
import { markRead } from "./notifications";

const markInner = teamAction({ schema: z.object({ notificationId: z.uuid().optional() }), scope: "team:read" }, (input, ctx) => markRead(ctx.db, ctx.team.id, input.notificationId));
/** Marks one notification (or all of the team's) as read. Notifications belong to the team. */
export async function markNotificationsReadAction(a?: unknown, b?: unknown) {
  const res = await markInner(a, b);
  if (res.ok) revalidatePath("/t/[team]", "layout");
  return res;
}

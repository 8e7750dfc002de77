"use server";

import { revalidatePath } from "next/cache";
import { teamAction, userAction } from "@/lib/auth/action";
import { acceptInvitation, addMember, changeRole, createTeam, removeMember, revokeInvitation, setTeamTimezone } from "./service";
import { acceptInvitationSchema, addMemberSchema, changeRoleSchema, createTeamSchema, removeMemberSchema, revokeInvitationSchema, setTimezoneSchema } from "./schemas";

const createTeamInner = userAction({ schema: createTeamSchema, labels: { name: "Team name", slug: "Address (slug)" } }, async (input, { db, userId }) => {
  const team = await createTeam(db, { ...input, ownerId: userId });
  return { slug: team.slug };
});
export async function createTeamAction(a?: unknown, b?: unknown) {
  const res = await createTeamInner(a, b);
  if (res.ok) revalidatePath("/", "layout");
  return res;
}

const addMemberInner = teamAction({ schema: addMemberSchema, scope: "members:write", labels: { email: "Email", role: "Role" } }, (input, ctx) =>
  addMember(ctx.db, { ...input, actorUserId: ctx.userId, actorRole: ctx.role }),
);
export async function addMemberAction(a?: unknown, b?: unknown) {
  const res = await addMemberInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/admin", "page");
  return res;
}

const changeRoleInner = teamAction({ schema: changeRoleSchema, scope: "members:write" }, (input, ctx) =>
  changeRole(ctx.db, { ...input, actorUserId: ctx.userId, actorRole: ctx.role }),
);
export async function changeRoleAction(a?: unknown, b?: unknown) {
  const res = await changeRoleInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/admin", "page");
  return res;
}

const removeMemberInner = teamAction({ schema: removeMemberSchema, scope: "members:write" }, (input, ctx) =>
  removeMember(ctx.db, { ...input, actorUserId: ctx.userId, actorRole: ctx.role }),
);
export async function removeMemberAction(a?: unknown, b?: unknown) {
  const res = await removeMemberInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/admin", "page");
  return res;
}

const revokeInvitationInner = teamAction({ schema: revokeInvitationSchema, scope: "members:write" }, (input, ctx) =>
  revokeInvitation(ctx.db, { teamId: ctx.team.id, invitationId: input.invitationId, actorUserId: ctx.userId }),
);
export async function revokeInvitationAction(a?: unknown, b?: unknown) {
  const res = await revokeInvitationInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/admin", "page");
  return res;
}

const acceptInner = userAction({ schema: acceptInvitationSchema }, async (input, { db, userId }) => {
  const team = await acceptInvitation(db, { token: input.token, userId });
  return { slug: team.slug };
});
export async function acceptInvitationAction(a?: unknown, b?: unknown) {
  const res = await acceptInner(a, b);
  if (res.ok) revalidatePath("/", "layout");
  return res;
}

const setTimezoneInner = teamAction({ schema: setTimezoneSchema, scope: "settings:write", labels: { timezone: "Time zone" } }, (input, ctx) =>
  setTeamTimezone(ctx.db, { teamId: ctx.team.id, timezone: input.timezone, actorUserId: ctx.userId }),
);
export async function setTeamTimezoneAction(a?: unknown, b?: unknown) {
  const res = await setTimezoneInner(a, b);
  // Every page of the team reads its days and times in the zone.
  if (res.ok) revalidatePath("/t/[team]", "layout");
  return res;
}

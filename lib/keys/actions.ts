"use server";

import { revalidatePath } from "next/cache";
import { teamAction } from "@/lib/auth/action";
import { createKeyLabels, createKeySchema, keyIdSchema, teamLimitsLabels, teamLimitsSchema } from "./schemas";
import { createTeamKey, revokeTeamKey, rotateTeamKey, setTeamLimits } from "./service";

const createInner = teamAction({ schema: createKeySchema, scope: "keys:write", labels: createKeyLabels }, (input, ctx) => createTeamKey(ctx.db, { ...input, actorUserId: ctx.userId }));
export async function createApiKeyAction(a?: unknown, b?: unknown) {
  const res = await createInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/admin/keys", "page");
  return res;
}

const revokeInner = teamAction({ schema: keyIdSchema, scope: "keys:write" }, (input, ctx) => revokeTeamKey(ctx.db, { teamId: ctx.team.id, keyId: input.keyId, actorUserId: ctx.userId }));
export async function revokeApiKeyAction(a?: unknown, b?: unknown) {
  const res = await revokeInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/admin/keys", "page");
  return res;
}

const rotateInner = teamAction({ schema: keyIdSchema, scope: "keys:write" }, (input, ctx) => rotateTeamKey(ctx.db, { teamId: ctx.team.id, keyId: input.keyId, actorUserId: ctx.userId }));
export async function rotateApiKeyAction(a?: unknown, b?: unknown) {
  const res = await rotateInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/admin/keys", "page");
  return res;
}

const limitsInner = teamAction({ schema: teamLimitsSchema, scope: "keys:write", labels: teamLimitsLabels }, (input, ctx) => setTeamLimits(ctx.db, { ...input, teamId: ctx.team.id, actorUserId: ctx.userId }));
export async function setTeamLimitsAction(a?: unknown, b?: unknown) {
  const res = await limitsInner(a, b);
  if (res.ok) revalidatePath("/t/[team]/admin/keys", "page");
  return res;
}

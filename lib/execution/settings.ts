"use server";

import { revalidatePath } from "next/cache";
import { eq } from "drizzle-orm";
import { inTransaction } from "@/db";
import { models, routingSettings } from "@/db/schema";
import { teamAction } from "@/lib/auth/action";
import { UserError } from "@/lib/errors";
import { audit } from "@/lib/teams/service";
import { invalidateTeamSettings } from "./delegate";
import { routingSettingsLabels, routingSettingsSchema } from "./schemas";

const inner = teamAction({ schema: routingSettingsSchema, scope: "settings:write", labels: routingSettingsLabels }, async (input, ctx) => {
  if (input.allowList.length) {
    const known = new Set((await ctx.db.select({ name: models.name }).from(models)).map((m) => m.name));
    const unknown = input.allowList.filter((m) => !known.has(m));
    if (unknown.length) throw new UserError(`Unknown models in the allow-list: ${unknown.join(", ")}.`, { allowList: ["Pick models from the list."] });
  }
  const judgeModel = input.judgeModel.trim() || null;
  if (judgeModel) {
    const [m] = await ctx.db.select({ enabled: models.enabled }).from(models).where(eq(models.name, judgeModel));
    if (!m) throw new UserError(`Unknown judge model "${judgeModel}".`, { judgeModel: ["Pick a model from the list, or none."] });
    if (!m.enabled) throw new UserError(`The judge model "${judgeModel}" is disabled.`, { judgeModel: ["Pick an enabled model, or none."] });
    // The judge's grading call is routed like any other: outside the allow-list it would be refused every time.
    if (input.allowList.length && !input.allowList.includes(judgeModel)) {
      throw new UserError(`The judge model "${judgeModel}" is not among the allowed models, so every grading call would be refused.`, {
        judgeModel: ["Pick an allowed model as the judge, or allow this one."],
      });
    }
  }
  const values = { qualityVsCost: input.qualityVsCost, allowList: input.allowList, explorationCapMicros: Math.round(input.explorationCapDollars * 1_000_000), judgeModel, updatedAt: new Date() };
  await inTransaction(ctx.db, async (t) => {
    await t.insert(routingSettings).values({ teamId: ctx.team.id, ...values }).onConflictDoUpdate({ target: routingSettings.teamId, set: values });
    await audit(t, { teamId: ctx.team.id, actorUserId: ctx.userId, action: "routing.update", details: values });
  });
  invalidateTeamSettings(ctx.team.id);
  return values;
});

export async function updateRoutingSettingsAction(a?: unknown, b?: unknown) {
  const r = await inner(a, b);
  if (r.ok) revalidatePath("/t/[team]", "layout");
  return r;
}


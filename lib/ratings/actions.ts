"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction } from "@/lib/auth/action";
import { UserError } from "@/lib/errors";
import { rateRequest, type RatingInput } from "./service";

const schema = z.object({
  requestId: z.uuid("Choose a request to rate."),
  kind: z.enum(["thumbs", "stars"], { message: "Rate with thumbs or stars." }),
  value: z.coerce.number().int(),
  comment: z
    .string()
    .trim()
    .max(2000, "Keep comments under 2,000 characters.")
    // Postgres text cannot hold U+0000: refused here with what to fix, not as a failed insert.
    .refine((c) => !c.includes("\u0000"), "The comment contains a NUL character (U+0000), which cannot be stored; remove it.")
    .optional(),
});

const rateInner = teamAction({ schema, scope: "ratings:write" }, async (input, ctx) => {
  const ok = input.kind === "thumbs" ? input.value === 0 || input.value === 1 : input.value >= 1 && input.value <= 5;
  if (!ok) throw new UserError("Thumbs take 0 or 1; stars take 1 to 5.", { value: ["Out of range."] });
  const row = await rateRequest(ctx.db, {
    teamId: ctx.team.id,
    requestId: input.requestId,
    userId: ctx.userId,
    rating: { kind: input.kind, value: input.value } as RatingInput,
    comment: input.comment || null,
  });
  return { id: row.id, kind: row.kind, value: row.value };
});

export async function rateRequestAction(a?: unknown, b?: unknown) {
  const res = await rateInner(a, b);
  if (res.ok) revalidatePath("/t/[team]", "layout");
  return res;
}

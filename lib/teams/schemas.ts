import { z } from "zod";
import { emailSchema, roleSchema, slugSchema } from "@/lib/auth/schemas";

export const createTeamSchema = z.object({
  name: z.string().trim().min(1, "Enter a team name.").max(80, "Use at most 80 characters."),
  slug: slugSchema,
});
export const addMemberSchema = z.object({ email: emailSchema, role: roleSchema });
export const changeRoleSchema = z.object({ userId: z.string().min(1, "Choose a member."), role: roleSchema });
export const removeMemberSchema = z.object({ userId: z.string().min(1, "Choose a member.") });
export const revokeInvitationSchema = z.object({ invitationId: z.uuid("Choose an invitation.") });
export const acceptInvitationSchema = z.object({ token: z.string().min(10, "This invitation link is incomplete.") });
export const setTimezoneSchema = z.object({ timezone: z.string().trim().min(1, "Choose a time zone.").max(64, "Choose a time zone from the list.") });

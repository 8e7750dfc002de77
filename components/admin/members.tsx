"use client";

import { useFormAction } from "@/components/ui/use-form-action";
import { dayIn } from "@/lib/zone";
import { useState, useTransition } from "react";
import { addMemberAction, changeRoleAction, removeMemberAction, revokeInvitationAction } from "@/lib/teams/actions";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Input, Select } from "@/components/ui/form";
import { useHasScope, useTeam } from "@/components/shell/team-context";
import type { RemovalEffects } from "@/lib/teams/service";

type Member = { userId: string; name: string | null; email: string; role: string };
type Invitation = { id: string; email: string; role: string; expiresAt: string };
const ROLES = ["owner", "admin", "member", "viewer"];

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** What else removing a member takes away, as the confirmation and the result say it ("" when nothing). */
export function removalSummary(keys: string[], invitations: string[]): string {
  const parts = [keys.length ? `${count(keys.length, "API key")}: ${keys.join(", ")}` : "", invitations.length ? `${count(invitations.length, "pending invitation")} they sent: ${invitations.join(", ")}` : ""];
  return parts.filter(Boolean).join("; and ");
}

/**
 * What a removal takes away besides the membership, before it ("revokes …; and cancels their 2 queued
 * or running pipeline runs") or after it (`done`: "revoked …; and cancelled …"); "" when nothing.
 */
export function removalAlso(e: RemovalEffects, done: boolean): string {
  const revoked = removalSummary(e.keys, e.invitations);
  const runs = e.runs ? `${done ? "cancelled" : "cancels"} their ${count(e.runs, "queued or running pipeline run")}` : "";
  return [revoked ? `${done ? "revoked" : "revokes"} ${revoked}` : "", runs].filter(Boolean).join("; and ");
}

/** What the Members page says once a removal is done: what it revoked and the pipeline runs it cancelled, as the server did them. */
export function removalResult(email: string, team: string, done: { revokedKeys: string[]; revokedInvitations: string[]; cancelledRuns: number }): string {
  const also = removalAlso({ keys: done.revokedKeys, invitations: done.revokedInvitations, runs: done.cancelledRuns }, true);
  return `${email} was removed from ${team}.${also ? ` ${also[0].toUpperCase()}${also.slice(1)}.` : ""}`;
}

export function AddMemberForm() {
  const team = useTeam();
  const canOwner = useHasScope("members:owner");
  const [state, action, pending] = useFormAction(addMemberAction);
  const fe = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form onSubmit={action} className="space-y-3" data-testid="add-member-form">
      <input type="hidden" name="teamId" value={team.id} />
      <div className="grid gap-3 sm:grid-cols-[1fr_10rem_auto] sm:items-end">
        <Field label="Email" error={fe?.email}>
          <Input name="email" type="email" placeholder="ada@example.com" required />
        </Field>
        <Field label="Role" error={fe?.role}>
          <Select name="role" defaultValue="member">
            {ROLES.filter((r) => canOwner || r !== "owner").map((r) => (
              <option key={r}>{r}</option>
            ))}
          </Select>
        </Field>
        <Button type="submit" disabled={pending}>
          {pending ? "Adding…" : "Add member"}
        </Button>
      </div>
      <FormMessage state={state} />
      {state?.ok && state.data.kind === "added" && (
        <p className="text-sm text-emerald-700 dark:text-emerald-400" role="status">
          {state.data.email} was added to the team.
        </p>
      )}
      {state?.ok && state.data.kind === "invited" && (
        <p className="text-sm text-emerald-700 dark:text-emerald-400" role="status">
          {state.data.email} has no account yet. Send them this invitation link (shown once):{" "}
          <code className="break-all rounded bg-zinc-100 px-1 dark:bg-zinc-800" data-testid="invite-link">
            {typeof window !== "undefined" ? window.location.origin : ""}
            {state.data.invitePath}
          </code>
        </p>
      )}
    </form>
  );
}

export function MembersTable({ members, me, removalEffects = {} }: { members: Member[]; me: string; removalEffects?: Record<string, RemovalEffects> }) {
  const team = useTeam();
  const canOwner = useHasScope("members:owner");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [pending, start] = useTransition();
  // `done` is what the person is told once the server has stored the change, so
  // nobody leaves the page (or reloads it) believing an unsaved change is saved.
  const run = (fn: () => Promise<{ ok: boolean; error?: string; done?: string }>, done?: string) =>
    start(async () => {
      setSaved(null);
      const res = await fn();
      setError(res.ok ? null : (res.error ?? "Failed."));
      setSaved(res.ok ? (res.done ?? done ?? null) : null);
    });
  return (
    <div className="space-y-2">
      {pending && (
        <p className="text-sm text-zinc-500" role="status">
          Saving…
        </p>
      )}
      {!pending && saved && (
        <p className="text-sm text-emerald-700 dark:text-emerald-400" role="status">
          {saved}
        </p>
      )}
      {error && (
        <p className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300" role="alert">
          {error}
        </p>
      )}
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="members-table">
          <thead className="text-left text-xs text-zinc-500">
            <tr>
              <th className="py-1 pr-3">Member</th>
              <th className="py-1 pr-3">Role</th>
              <th className="py-1" />
            </tr>
          </thead>
          <tbody>
            {members.map((m) => {
              const locked = m.role === "owner" && !canOwner;
              return (
                <tr key={m.userId} className="border-t border-zinc-100 dark:border-zinc-800" data-testid={`member-${m.email}`}>
                  <td className="py-2 pr-3">
                    <div>{m.name ?? m.email}</div>
                    <div className="text-xs text-zinc-500">
                      {m.email}
                      {m.userId === me ? " (you)" : ""}
                    </div>
                  </td>
                  <td className="py-2 pr-3">
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      disabled={pending || locked}
                      onChange={(e) => {
                        const role = e.target.value;
                        run(() => changeRoleAction({ teamId: team.id, userId: m.userId, role }), `${m.email} is now ${role}.`);
                      }}
                      className="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
                    >
                      {ROLES.filter((r) => canOwner || r !== "owner" || m.role === "owner").map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  </td>
                  <td className="py-2 text-right">
                    <Button
                      variant="ghost"
                      disabled={pending || locked}
                      onClick={() => {
                        const effects = removalEffects[m.userId];
                        const also = effects ? removalAlso(effects, false) : "";
                        if (!confirm(`Remove ${m.email} from ${team.name}?${also ? `\n\nRemoving ${m.name ?? m.email} also ${also}.` : ""}`)) return;
                        run(async () => {
                          const res = await removeMemberAction({ teamId: team.id, userId: m.userId });
                          // What was revoked and cancelled, as the server did it: a key made after the page loaded is named too.
                          return { ...res, done: res.ok ? removalResult(m.email, team.name, res.data) : undefined };
                        });
                      }}
                    >
                      Remove
                    </Button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function InvitationsList({ invitations }: { invitations: Invitation[] }) {
  const team = useTeam();
  const [pending, start] = useTransition();
  if (!invitations.length) return <p className="text-sm text-zinc-500">No open invitations.</p>;
  return (
    <ul className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
      {invitations.map((i) => (
        <li key={i.id} className="flex items-center justify-between gap-2 py-1.5">
          <span className="min-w-0 [overflow-wrap:anywhere]">
            {i.email} <span className="text-zinc-500">as {i.role}, expires {dayIn(new Date(i.expiresAt), team.timezone)}</span>
          </span>
          <Button variant="ghost" disabled={pending} onClick={() => start(async () => void (await revokeInvitationAction({ teamId: team.id, invitationId: i.id })))}>
            Revoke
          </Button>
        </li>
      ))}
    </ul>
  );
}

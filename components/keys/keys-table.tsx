"use client";

import { useState, useTransition } from "react";
import { revokeApiKeyAction, rotateApiKeyAction } from "@/lib/keys/actions";
import type { KeyListItem } from "@/lib/keys/queries";
import { formatUsd } from "@/lib/format";
import { formatInZone } from "@/lib/zone";
import { Button } from "@/components/ui/button";
import { Badge, EmptyState } from "@/components/ui/empty-state";
import { useTeam } from "@/components/shell/team-context";
import { NewKeyNotice } from "./new-key";


export function KeysTable({ keys }: { keys: KeyListItem[] }) {
  const team = useTeam();
  const [error, setError] = useState<string | null>(null);
  const [rotated, setRotated] = useState<{ name: string; key: string } | null>(null);
  const [pending, start] = useTransition();
  if (!keys.length) return <EmptyState title="No API keys yet">Create one to call the API, the OpenAI-compatible endpoint or the CLI.</EmptyState>;
  return (
    <div className="space-y-2">
      {error && (
        <p className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300" role="alert">
          {error}
        </p>
      )}
      {rotated && <NewKeyNotice name={rotated.name} secret={rotated.key} />}
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="keys-table">
          <thead className="text-left text-xs text-zinc-500">
            <tr>
              <th className="py-1 pr-3">Key</th>
              <th className="py-1 pr-3">Limits</th>
              <th className="py-1 pr-3">Budget</th>
              <th className="py-1 pr-3">Last used ({team.timezone})</th>
              <th className="py-1" />
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} className="border-t border-zinc-100 align-top dark:border-zinc-800" data-testid={`key-${k.name}`}>
                <td className="py-2 pr-3">
                  <div className="font-medium">
                    {k.name} {k.revokedAt ? <Badge tone="red">revoked</Badge> : <Badge tone="green">active</Badge>}
                  </div>
                  <div className="font-mono text-xs text-zinc-500">{k.prefix}…</div>
                  {k.modelAllowList.length > 0 && <div className="text-xs text-zinc-500">Models: {k.modelAllowList.join(", ")}</div>}
                </td>
                <td className="py-2 pr-3 text-xs text-zinc-600 dark:text-zinc-400">
                  {k.requestsPerMinute ? `${k.requestsPerMinute} req/min` : "no request limit"}
                  <br />
                  {k.tokensPerMinute ? `${k.tokensPerMinute} tokens/min` : "no token limit"}
                </td>
                <td className="py-2 pr-3 text-xs" data-testid="key-budgets">
                  {k.budgets.length
                    ? k.budgets.map((b) => (
                        <div key={b.id} title={b.name}>
                          {formatUsd(b.spentMicros)} of {formatUsd(b.limitMicros)} / {b.per}
                        </div>
                      ))
                    : "—"}
                </td>
                <td className="py-2 pr-3 text-xs" data-testid="key-last-used">
                  {k.lastUsedAt ? formatInZone(k.lastUsedAt, team.timezone) : "never"}
                </td>
                <td className="space-x-1 whitespace-nowrap py-2 text-right">
                  {!k.revokedAt && (
                    <>
                      <Button
                        variant="secondary"
                        disabled={pending}
                        onClick={() => {
                          if (!confirm(`Rotate “${k.name}”? The current key stops working at once and a new one is shown.`)) return;
                          start(async () => {
                            const res = await rotateApiKeyAction({ teamId: team.id, keyId: k.id });
                            setError(res.ok ? null : res.error);
                            setRotated(res.ok ? { name: res.data.name, key: res.data.key } : null);
                          });
                        }}
                      >
                        Rotate
                      </Button>
                      <Button
                        variant="danger"
                        disabled={pending}
                        onClick={() => {
                          if (!confirm(`Revoke “${k.name}”? Anything using it gets 401 from now on.`)) return;
                          start(async () => {
                            const res = await revokeApiKeyAction({ teamId: team.id, keyId: k.id });
                            setError(res.ok ? null : res.error);
                          });
                        }}
                      >
                        Revoke
                      </Button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

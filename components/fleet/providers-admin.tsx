"use client";

import { useState, useTransition } from "react";
import { createProviderAction, testProviderAction, updateProviderAction } from "@/lib/execution/actions";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, Input, Select } from "@/components/ui/form";
import { Badge } from "@/components/ui/empty-state";
import { useTeam } from "@/components/shell/team-context";
import { useFormAction, useResetOnSuccess } from "@/components/ui/use-form-action";

type ProviderRow = { id: string; kind: string; name: string; baseUrl: string; apiKeyHint: string | null; hasKey: boolean; local: boolean; enabled: boolean };

const OLLAMA_HINT = "Ollama's address, e.g. http://127.0.0.1:11434; /v1 is added if missing.";

function keyHint(p: ProviderRow) {
  if (!p.hasKey) return "No key stored.";
  // Short keys have no hint stored: their last four characters would give most of them away.
  return `Stored encrypted${p.apiKeyHint ? `, ends in …${p.apiKeyHint}` : ""}. Leave empty to keep it.`;
}

function ProviderCard({ p }: { p: ProviderRow }) {
  const team = useTeam();
  const [state, action, pending] = useFormAction(updateProviderAction);
  const [check, setCheck] = useState<string | null>(null);
  const [testing, start] = useTransition();
  const fe = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <div className="space-y-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800" data-testid={`provider-${p.name}`}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">{p.name}</span>
        <Badge>{p.kind}</Badge>
        {p.local && <Badge tone="green">local</Badge>}
        {p.enabled ? <Badge tone="green">enabled</Badge> : <Badge tone="red">disabled</Badge>}
      </div>
      <form onSubmit={action} className="grid gap-3 md:grid-cols-[1fr_2fr_1fr_auto] md:items-end">
        <input type="hidden" name="teamId" value={team.id} />
        <input type="hidden" name="providerId" value={p.id} />
        <Field label="Name" error={fe?.name}>
          <Input key={p.name} name="name" defaultValue={p.name} />
        </Field>
        <Field label="Base URL" error={fe?.baseUrl} hint={p.kind === "ollama" ? OLLAMA_HINT : undefined}>
          {/* Keyed by the stored URL, so a URL the server completed (Ollama's /v1) shows as stored. */}
          <Input key={p.baseUrl} name="baseUrl" defaultValue={p.baseUrl} />
        </Field>
        <Field label="API key" error={fe?.apiKey} hint={keyHint(p)}>
          <Input name="apiKey" type="password" autoComplete="off" placeholder={p.hasKey ? "•••• replace key" : "paste key"} />
        </Field>
        <Button type="submit" disabled={pending}>
          Save
        </Button>
        <FormMessage state={state} />
        {state?.ok && <p className="text-sm text-emerald-600" role="status">Saved.</p>}
      </form>
      <div className="flex flex-wrap items-center gap-2">
        <Button
          variant="secondary"
          disabled={testing}
          onClick={() =>
            start(async () => {
              const r = await testProviderAction({ teamId: team.id, providerId: p.id });
              setCheck(r.ok ? (r.data.ok ? `Connected in ${r.data.latencyMs} ms; ${r.data.models} models listed.` : `Failed: ${r.data.error}`) : r.error);
            })
          }
        >
          {testing ? "Testing…" : "Test connection"}
        </Button>
        <Button
          variant="ghost"
          onClick={() => start(async () => void (await updateProviderAction({ teamId: team.id, providerId: p.id, enabled: !p.enabled })))}
        >
          {p.enabled ? "Disable" : "Enable"}
        </Button>
        {check && (
          <span className="text-sm" data-testid="connection-result">
            {check}
          </span>
        )}
      </div>
    </div>
  );
}

export function ProvidersAdmin({ providers }: { providers: ProviderRow[] }) {
  const team = useTeam();
  const [state, action, pending] = useFormAction(createProviderAction);
  const form = useResetOnSuccess(state);
  const fe = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <div className="space-y-4">
      {providers.map((p) => (
        <ProviderCard key={p.id} p={p} />
      ))}
      <form ref={form} onSubmit={action} data-testid="add-provider" className="space-y-3 rounded-lg border border-dashed border-zinc-300 p-4 dark:border-zinc-700">
        <h3 className="font-medium">Add a provider</h3>
        <input type="hidden" name="teamId" value={team.id} />
        <div className="grid gap-3 md:grid-cols-2">
          <Field label="Kind" error={fe?.kind}>
            <Select name="kind" defaultValue="openai_compatible">
              <option value="openai_compatible">Any OpenAI-compatible endpoint</option>
              <option value="openai">OpenAI</option>
              <option value="anthropic">Anthropic</option>
              <option value="xai">xAI</option>
              <option value="mistral">Mistral</option>
              <option value="ollama">Ollama</option>
            </Select>
          </Field>
          <Field label="Name" error={fe?.name}>
            <Input name="name" placeholder="Together AI" />
          </Field>
          <Field label="Base URL" error={fe?.baseUrl} hint="OpenAI-style URLs end in /v1; Anthropic's does not. For Ollama, http://127.0.0.1:11434 will do: /v1 is added.">
            <Input name="baseUrl" placeholder="https://api.example.com/v1" />
          </Field>
          <Field label="API key" error={fe?.apiKey}>
            <Input name="apiKey" type="password" autoComplete="off" />
          </Field>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="local" /> Runs on our own hardware (may receive private tasks)
        </label>
        <FormMessage state={state} />
        {state?.ok && (
          <p className="text-sm text-emerald-700 dark:text-emerald-400" role="status">
            Added “{state.data.name}” at {state.data.baseUrl}. Add its models under Models & prices.
          </p>
        )}
        <Button type="submit" disabled={pending}>
          Add provider
        </Button>
      </form>
    </div>
  );
}

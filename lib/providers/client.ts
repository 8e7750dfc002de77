import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { Agent, fetch as undiciFetch } from "undici";
import type { ProviderKind } from "./catalog";
import { lightFetch } from "./fetch";

export interface ProviderConfig {
  kind: ProviderKind;
  baseUrl: string;
  apiKey: string;
}

interface ClientStore {
  agent: Agent;
  fetch: typeof globalThis.fetch;
}

const STORE = Symbol.for("mission-control.providers.clients");
const MAX_CLIENTS = 256;

/**
 * One keep-alive agent per process, kept on globalThis because Next bundles its own copy of lib/
 * next to the one server.ts imports (ARCHITECTURE.md, "The data plane"); both copies must share
 * the pooled connections.
 */
function store(): ClientStore {
  const g = globalThis as typeof globalThis & { [STORE]?: ClientStore };
  if (!g[STORE]) {
    const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 256 });
    const pooledFetch = ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
      undiciFetch(input, { ...init, dispatcher: agent })) as unknown as typeof globalThis.fetch;
    g[STORE] = { agent, fetch: lightFetch(agent, pooledFetch) };
  }
  return g[STORE];
}

/**
 * The SDK clients (one per kind, baseUrl and apiKey), by contrast, belong to this copy of the
 * module, and are made with this copy's SDK: a client throws its own SDK copy's error classes,
 * and errors.ts recognises them with `instanceof` against the SDK it imports. Shared across the
 * copies, a client first made by Next's pages threw errors the gateway read as unknown (not
 * retried: no fallback on a 429 or 500), and the other way round. Keyed by the store, so that
 * resetProviderClients() drops them with the agent their fetch uses.
 */
const sdkClients = new WeakMap<ClientStore, { openai: Map<string, OpenAI>; anthropic: Map<string, Anthropic> }>();
function clientsOf(s: ClientStore) {
  let c = sdkClients.get(s);
  if (!c) sdkClients.set(s, (c = { openai: new Map(), anthropic: new Map() }));
  return c;
}

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let client = map.get(key);
  if (!client) {
    // Keys rotate rarely; the cap only guards against unbounded growth.
    if (map.size >= MAX_CLIENTS) map.delete(map.keys().next().value as string);
    map.set(key, (client = make()));
  }
  return client;
}

const keyOf = (p: ProviderConfig) => `${p.kind}\u0000${p.baseUrl}\u0000${p.apiKey}`;

/** OpenAI-compatible client: OpenAI, xAI, Mistral, and Ollama's /v1 endpoint. */
export function openaiClient(p: ProviderConfig): OpenAI {
  const s = store();
  return cached(clientsOf(s).openai, keyOf(p), () =>
    new OpenAI({
      baseURL: p.baseUrl,
      // Ollama ignores the key, but the SDK refuses an empty one.
      apiKey: p.apiKey || (p.kind === "ollama" ? "ollama" : ""),
      maxRetries: 0,
      fetch: s.fetch,
      logLevel: "off",
    }),
  );
}

export function anthropicClient(p: ProviderConfig): Anthropic {
  const s = store();
  return cached(clientsOf(s).anthropic, keyOf(p), () =>
    new Anthropic({ baseURL: p.baseUrl, apiKey: p.apiKey, maxRetries: 0, fetch: s.fetch, logLevel: "off" }),
  );
}

/** For tests and shutdown: closes pooled connections and forgets every client. */
export async function resetProviderClients(): Promise<void> {
  const g = globalThis as typeof globalThis & { [STORE]?: ClientStore };
  const s = g[STORE];
  delete g[STORE];
  if (s) await s.agent.close();
}

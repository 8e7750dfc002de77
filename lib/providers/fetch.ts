import type { Agent } from "undici";

/**
 * The `fetch` the SDK clients are given (their documented `fetch` option): the same request on the
 * same pooled undici Agent, through undici's `request()` instead of its WHATWG `fetch()`.
 *
 * Why: under load the gateway spent more CPU in WHATWG fetch's machinery (Request/Response
 * objects, web streams, a second AbortSignal per call) than in the SDK itself; `request()` skips
 * it and hands back a Node stream. The SDKs still build every request and parse every answer —
 * JSON bodies, SSE streams (a Node stream is async-iterable, which is what their SSE reader
 * takes), error bodies and headers — so nothing of the official clients is replaced.
 *
 * The response object has what the SDKs read: status, ok, url, headers (get/has/entries), body,
 * json(), text(), arrayBuffer(). Anything unusual (a streamed request body, a clone) goes to
 * undici's full fetch instead, so behaviour never depends on this shortcut.
 */
export function lightFetch(agent: Agent, fallback: typeof globalThis.fetch): typeof globalThis.fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const body = init?.body;
    if (typeof input === "object" && !(input instanceof URL)) return fallback(input, init);
    if (body != null && typeof body !== "string" && !(body instanceof Uint8Array)) return fallback(input, init);
    const url = typeof input === "string" ? input : input.href;
    const res = await agent.request({
      origin: originOf(url),
      path: url.slice(originOf(url).length) || "/",
      method: (init?.method ?? "GET").toUpperCase() as "GET",
      headers: flatHeaders(init?.headers),
      body: body ?? undefined,
      signal: init?.signal ?? undefined,
    });
    return new LightResponse(url, res.statusCode, res.headers, res.body) as unknown as Response;
  }) as typeof globalThis.fetch;
}

function originOf(url: string): string {
  const i = url.indexOf("/", url.indexOf("//") + 2);
  return i < 0 ? url : url.slice(0, i);
}

function flatHeaders(h: HeadersInit | undefined): string[] {
  const out: string[] = [];
  if (!h) return out;
  if (Array.isArray(h)) {
    for (const [k, v] of h) out.push(k, v);
  } else if (typeof (h as Headers).forEach === "function") {
    (h as Headers).forEach((v, k) => out.push(k, v));
  } else {
    for (const [k, v] of Object.entries(h as Record<string, string>)) if (v !== undefined) out.push(k, v);
  }
  return out;
}

type RawHeaders = Record<string, string | string[] | undefined>;
type BodyStream = AsyncIterable<Uint8Array> & { json(): Promise<unknown>; text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer>; destroy(e?: Error): void };

class LightHeaders {
  constructor(private readonly raw: RawHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const k of Object.keys(this.raw)) {
      const v = this.get(k);
      if (v !== null) yield [k, v];
    }
  }
  keys() {
    return Object.keys(this.raw)[Symbol.iterator]();
  }
  forEach(f: (value: string, key: string) => void) {
    for (const [k, v] of this.entries()) f(v, k);
  }
  [Symbol.iterator]() {
    return this.entries();
  }
}

class LightResponse {
  readonly ok: boolean;
  readonly statusText = "";
  readonly redirected = false;
  readonly type = "basic";
  readonly headers: LightHeaders;
  bodyUsed = false;
  constructor(
    readonly url: string,
    readonly status: number,
    raw: RawHeaders,
    readonly body: BodyStream,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = new LightHeaders(raw);
  }
  /** Like WHATWG fetch: a second read rejects (it does not throw synchronously). */
  private read<T>(how: () => Promise<T>): Promise<T> {
    if (this.bodyUsed) return Promise.reject(new TypeError("Body has already been read"));
    this.bodyUsed = true;
    return how();
  }
  json() {
    return this.read(() => this.body.json());
  }
  text() {
    return this.read(() => this.body.text());
  }
  arrayBuffer() {
    return this.read(() => this.body.arrayBuffer());
  }
}

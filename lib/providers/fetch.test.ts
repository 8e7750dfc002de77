import http from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lightFetch } from "./fetch";

let server: http.Server;
let origin = "";
const agent = new Agent();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2_000);
      res.writeHead(req.url === "/missing" ? 404 : 200, { "content-type": "application/json", "x-request-id": "req_1", "set-cookie": ["a=1", "b=2"] });
      res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization ?? null, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await agent.close();
  await new Promise((r) => server.close(r));
});

const unused = (() => {
  throw new Error("the full fetch should not be used here");
}) as unknown as typeof fetch;

describe("lightFetch (the SDKs' fetch)", () => {
  it("sends method, headers (a Headers object, as the SDKs pass) and a string body, and answers what the SDKs read", async () => {
    const f = lightFetch(agent, unused);
    const res = await f(`${origin}/v1/chat/completions?x=1`, { method: "post", headers: new Headers({ Authorization: "Bearer k" }), body: '{"a":1}' });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.url).toBe(`${origin}/v1/chat/completions?x=1`);
    expect(res.headers.get("X-Request-Id")).toBe("req_1");
    expect(res.headers.get("set-cookie")).toBe("a=1, b=2");
    expect([...res.headers.entries()].some(([k]) => k === "content-type")).toBe(true);
    expect(await res.json()).toEqual({ method: "POST", auth: "Bearer k", body: '{"a":1}' });
    await expect(res.text()).rejects.toThrow(/already been read/);
  });

  it("reports an error status as not ok, with its body readable as text", async () => {
    const res = await lightFetch(agent, unused)(`${origin}/missing`);
    expect(res.ok).toBe(false);
    expect(res.status).toBe(404);
    expect(JSON.parse(await res.text()).method).toBe("GET");
  });

  it("hands a streamed request body to the full fetch instead", async () => {
    let used = 0;
    const full = (async (...a: Parameters<typeof fetch>) => {
      used++;
      return fetch(...a);
    }) as typeof fetch;
    const body = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode("x")), c.close()) });
    const res = await lightFetch(agent, full)(`${origin}/s`, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(used).toBe(1);
    expect((await res.json()).body).toBe("x");
  });

  it("stops waiting when the signal aborts", async () => {
    const ac = new AbortController();
    const p = lightFetch(agent, unused)(`${origin}/slow`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const t = performance.now();
    await expect(p).rejects.toThrow();
    expect(performance.now() - t).toBeLessThan(1_500);
  });
});

import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { defaultFleet } from "./fleet";
import { startMockFleet, type FleetUsage, type MockFleet } from "./server";

const open: MockFleet[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

async function fleetWith(patch: Record<string, unknown> = {}, seed = 1) {
  const models = defaultFleet().map((m) => ({ ...m, latencyMs: 0, tokensPerSecond: 0, ...patch }));
  const fleet = await startMockFleet({ port: 0, models, seed });
  open.push(fleet);
  const client = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: "k", maxRetries: 0, logLevel: "off" });
  return { fleet, client };
}
const usage = async (f: MockFleet) => (await (await fetch(`${f.url}/__fleet/usage`)).json()) as FleetUsage;
const post = (f: MockFleet, path: string, body?: unknown) => fetch(`${f.url}${path}`, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });
const ask = (client: OpenAI, model = "gpt-4o-mini") =>
  client.chat.completions.create({ model, messages: [{ role: "user", content: "hello" }] }).then(
    () => "ok",
    (e: unknown) => (e instanceof OpenAI.APIError ? String(e.status ?? "conn") : "other"),
  );

describe("seeded error rates", () => {
  it("draw the same outcomes for the same seed, and different ones for another seed", async () => {
    const rates = { errorRates: { rateLimit: 0.3, server: 0.2, timeout: 0, drop: 0 } };
    const run = async (seed: number) => {
      const { client } = await fleetWith(rates, seed);
      const out: string[] = [];
      for (let i = 0; i < 30; i++) out.push(await ask(client));
      return out.join(",");
    };
    const a = await run(5);
    expect(await run(5)).toBe(a);
    expect(await run(6)).not.toBe(a);
    expect(a.split(",").filter((x) => x === "429").length).toBeGreaterThan(3);
  });

  it("can be changed live, e.g. a provider down for a minute, and reset zeroes the counters", async () => {
    const { fleet, client } = await fleetWith();
    expect(await ask(client)).toBe("ok");
    const res = await post(fleet, "/__fleet/config", { models: { "gpt-4o-mini": { errorRates: { server: 1 } } } });
    expect(res.status).toBe(200);
    expect(await ask(client)).toBe("500");
    expect(await ask(client, "gpt-4.1")).toBe("ok");
    await post(fleet, "/__fleet/config", { models: { "gpt-4o-mini": { errorRates: { server: 0 } } } });
    expect(await ask(client)).toBe("ok");

    const u = await usage(fleet);
    expect(u.models["gpt-4o-mini"]).toMatchObject({ requests: 3, ok: 2, errors: expect.objectContaining({ server: 1 }) });
    expect(u.totals.requests).toBe(4);
    expect(u.totals.prompt_tokens).toBe(u.models["gpt-4o-mini"].prompt_tokens + u.models["gpt-4.1"].prompt_tokens);

    await post(fleet, "/__fleet/reset");
    expect((await usage(fleet)).totals).toMatchObject({ requests: 0, ok: 0, prompt_tokens: 0, completion_tokens: 0 });
  });

  it("rejects invalid config with 400", async () => {
    const { fleet } = await fleetWith();
    expect((await post(fleet, "/__fleet/config", { defaults: { errorRates: { server: 2 } } })).status).toBe(400);
    expect((await post(fleet, "/__fleet/config", { defaults: { errorRates: { server: 0.6, rateLimit: 0.6 } } })).status).toBe(400);
    expect((await post(fleet, "/__fleet/config", { defaults: { latencyMs: -1 } })).status).toBe(400);
  });

  it("can add a model at run time", async () => {
    const { fleet, client } = await fleetWith();
    expect(await ask(client, "tiny-model")).toBe("404");
    await post(fleet, "/__fleet/config", { models: { "tiny-model": { tier: "low", contextWindow: 4096 } } });
    expect(await ask(client, "tiny-model")).toBe("ok");
  });
});

describe("timing", () => {
  it("waits latencyMs before the first token and streams at tokensPerSecond", async () => {
    const { client } = await fleetWith({ latencyMs: 80, tokensPerSecond: 200 });
    const started = performance.now();
    const stream = await client.chat.completions.create({
      model: "gpt-4.1",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Explain the trade-offs of caching." }],
    });
    let first = 0;
    let tokens = 0;
    for await (const c of stream) {
      if (!first && c.choices[0]?.delta?.content) first = performance.now() - started;
      if (c.usage) tokens = c.usage.completion_tokens;
    }
    const total = performance.now() - started;
    expect(first).toBeGreaterThanOrEqual(75);
    expect(first).toBeLessThan(1_000); // generous: the machine may be busy
    // ~tokens / 200 per second after the first token, give or take timer granularity.
    expect(total - first).toBeGreaterThan(((tokens - 10) / 200) * 1000 * 0.8);
    expect(total - first).toBeLessThan((tokens / 200) * 1000 * 3 + 500);
  });

  it("close() releases requests held by a timeout", async () => {
    const { fleet, client } = await fleetWith();
    const pending = client.chat.completions
      .create({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }, { headers: { "x-mock-fail": "timeout" } })
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    open.splice(open.indexOf(fleet), 1);
    const started = Date.now();
    await fleet.close();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("other routes", () => {
  it("counts a client that hangs up mid-stream as client_closed, never as ok", async () => {
    const { fleet, client } = await fleetWith({ tokensPerSecond: 50 });
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "gpt-4.1", stream: true, messages: [{ role: "user", content: "Explain consensus protocols." }] },
      { signal: ac.signal },
    );
    for await (const c of stream) if (c.choices[0]?.delta?.content) break;
    await new Promise((r) => setTimeout(r, 100));
    const u = (await usage(fleet)).models["gpt-4.1"];
    expect(u).toMatchObject({ requests: 1, ok: 0, completion_tokens: 0 });
    expect(u.errors.client_closed).toBe(1);
  });

  it("answers unknown paths with 404 and bad JSON with 400", async () => {
    const { fleet } = await fleetWith();
    expect((await fetch(`${fleet.url}/v2/nothing`)).status).toBe(404);
    const bad = await fetch(`${fleet.url}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer k" }, body: "{nope" });
    expect(bad.status).toBe(400);
    expect((await usage(fleet)).totals.errors.bad_request).toBe(1);
  });
});

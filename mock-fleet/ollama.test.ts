import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockFleet, type FleetUsage, type MockFleet } from "./server";
import { estimateTokens } from "./tokens";

let fleet: MockFleet;
const usage = async () => (await (await fetch(`${fleet.url}/__fleet/usage`)).json()) as FleetUsage;
const chat = (body: Record<string, unknown>) =>
  fetch(`${fleet.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  fleet = await startMockFleet({ port: 0 });
  await fetch(`${fleet.url}/__fleet/config`, { method: "POST", body: JSON.stringify({ defaults: { latencyMs: 0, tokensPerSecond: 0 } }) });
});
afterAll(() => fleet.close());
beforeEach(async () => {
  await fetch(`${fleet.url}/__fleet/reset`, { method: "POST" });
});

describe("Ollama native API", () => {
  it("GET /api/tags lists only the local models", async () => {
    const tags = (await (await fetch(`${fleet.url}/api/tags`)).json()) as { models: { name: string; details: { parameter_size: string } }[] };
    expect(tags.models.map((m) => m.name)).toEqual(["llama3.1:8b", "qwen2.5-coder:7b"]);
    expect(tags.models[0].details.parameter_size).toBe("8B");
  });

  it("POST /api/chat with stream:false returns prompt_eval_count and eval_count", async () => {
    const res = await chat({ model: "qwen2.5-coder:7b", stream: false, messages: [{ role: "user", content: "Sort these numbers: 5, 3, 9, 1" }] });
    const body = (await res.json()) as { message: { content: string }; done: boolean; prompt_eval_count: number; eval_count: number };
    expect(body.done).toBe(true);
    expect(body.message.content).toMatch(/^Sorted: /);
    expect(body.eval_count).toBe(estimateTokens(body.message.content));
    expect((await usage()).models["qwen2.5-coder:7b"]).toMatchObject({ ok: 1, prompt_tokens: body.prompt_eval_count, completion_tokens: body.eval_count });
  });

  it("streams NDJSON by default, ending with a done line that carries the counts", async () => {
    const res = await chat({ model: "llama3.1:8b", messages: [{ role: "user", content: "Tell me about tea." }] });
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { done: boolean; message: { content: string }; eval_count?: number });
    const last = lines.at(-1)!;
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.slice(0, -1).every((l) => !l.done)).toBe(true);
    expect(last.done).toBe(true);
    const text = lines.map((l) => l.message.content).join("");
    expect(text).toContain("llama3.1:8b");
    expect(last.eval_count).toBe(estimateTokens(text));
  });

  it("needs no API key, and answers an unknown model with Ollama's 404", async () => {
    const res = await chat({ model: "phi9", stream: false, messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'model "phi9" not found, try pulling it first' });
  });

  it("honours options.num_predict", async () => {
    const res = await chat({ model: "llama3.1:8b", stream: false, options: { num_predict: 3 }, messages: [{ role: "user", content: "Tell me about tea." }] });
    const body = (await res.json()) as { eval_count: number; done_reason: string };
    expect(body).toMatchObject({ eval_count: 3, done_reason: "length" });
  });
});

import { count, eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { budgets, models, pipelineRuns, ratings, requests, routingSettings } from "@/db/schema";
import { createApiKey, revokeApiKey, rotateApiKey } from "@/lib/auth/api-keys";
import { createUser } from "@/lib/auth/users";
import { invalidateBudgets } from "@/lib/budgets";
import { listBudgets } from "@/lib/budgets/service";
import { invalidateTeamSettings } from "@/lib/execution/delegate";
import { loadSnapshot } from "@/lib/learning/store";
import { DEFAULT_CATALOG } from "@/lib/providers/catalog";
import { gradeAnswer } from "@/mock-fleet/grader";
import { driverName } from "@/test/db";
import { modelListSchema } from "./schemas";
import { startGatewayFixture, type GatewayFixture } from "./test-server";

let fx: GatewayFixture;
let client: OpenAI;

beforeAll(async () => {
  fx = await startGatewayFixture();
  client = new OpenAI({ baseURL: fx.api, apiKey: fx.key, maxRetries: 0 });
});
afterAll(async () => {
  await fx?.close();
});

const post = (path: string, body: unknown, key: string | null = fx.key, headers: Record<string, string> = {}) =>
  fetch(`${fx.api}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const rowCount = async () => (await fx.db.select({ n: count() }).from(requests))[0].n;

describe(`OpenAI-compatible API with the real openai SDK (${driverName})`, () => {
  it("answers a non-streaming completion with usage and the x-mc headers, and records it", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4.1-mini", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "What is 17 * 23?" }] })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("gpt-4.1-mini");
    expect(data.choices[0].message.content?.length).toBeGreaterThan(0);
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    const id = response.headers.get("x-mc-request-id")!;
    expect(response.headers.get("x-mc-model")).toBe("gpt-4.1-mini");
    const [row] = await fx.db.select().from(requests).where(eq(requests.id, id));
    expect(row).toMatchObject({ status: "ok", source: "openai", apiKeyId: fx.keyRow.id, inputTokens: data.usage!.prompt_tokens, outputTokens: data.usage!.completion_tokens });
    expect(Number(response.headers.get("x-mc-cost"))).toBeCloseTo(row.costMicros / 1e6, 6);
    const u = (await fx.fleet.usage()).models["gpt-4.1-mini"];
    expect(u.prompt_tokens).toBe(data.usage!.prompt_tokens);
  });

  it("says where the time went in a Server-Timing header: the provider's wait shows up as provider time", async () => {
    const timing = async () => {
      const { response } = await client.chat.completions.create({ model: "gpt-4.1-mini", messages: [{ role: "user", content: "Say hi." }] }).withResponse();
      const header = response.headers.get("server-timing") ?? "";
      return Object.fromEntries(header.split(", ").map((p) => [p.split(";")[0], Number(/dur=([\d.]+)/.exec(p)?.[1])]));
    };
    await timing(); // warm: the first call also opens connections and compiles code
    const fast = await timing();
    expect(Object.keys(fast)).toEqual(["gateway", "route", "budget", "provider", "record", "total"]);
    for (const v of Object.values(fast)) expect(v).toBeGreaterThanOrEqual(0);
    expect(fast.total).toBeGreaterThanOrEqual(fast.gateway + fast.route + fast.budget + fast.provider + fast.record - 0.01);
    await fx.fleet.configure({ defaults: { latencyMs: 150 } });
    try {
      const slow = await timing();
      expect(slow.provider).toBeGreaterThanOrEqual(150);
      expect(slow.provider - fast.provider).toBeGreaterThan(100);
      expect(slow.total).toBeGreaterThanOrEqual(slow.provider);
    } finally {
      await fx.fleet.configure({ defaults: { latencyMs: 0 } });
    }
  });

  it('routes model "auto" to a real model and says which', async () => {
    const { data, response } = await client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "Summarise: the meeting moved to Tuesday." }] }).withResponse();
    expect(data.model).not.toBe("auto");
    expect(response.headers.get("x-mc-model")).toBe(data.model);
  });

  it("streams chunks whose text adds up to the recorded answer, with usage at the end when asked", async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: "claude-3-5-haiku-20241022", messages: [{ role: "user", content: "Write a haiku about budgets." }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    let chunks = 0;
    for await (const c of stream) {
      chunks++;
      text += c.choices[0]?.delta?.content ?? "";
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(finish).toBe("stop");
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    const id = response.headers.get("x-mc-request-id")!;
    expect(response.headers.get("x-mc-model")).toBe("claude-3-5-haiku-20241022");
    const [row] = await fx.db.select().from(requests).where(eq(requests.id, id));
    expect(row).toMatchObject({ status: "ok", outputTokens: usage!.completion_tokens });
  });

  it("passes tools through to the provider and still answers", async () => {
    const r = await client.chat.completions.create({
      model: "gpt-4.1-mini",
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", description: "Weather by city", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
    });
    expect(r.choices[0].finish_reason).toBeTruthy();
  });

  it("lists models with auto first, and retrieves one", async () => {
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids[0]).toBe("auto");
    expect(ids).toContain("gpt-4.1-mini");
    expect((await client.models.retrieve("gpt-4.1-mini")).id).toBe("gpt-4.1-mini");
    await expect(client.models.retrieve("no-such-model")).rejects.toMatchObject({ status: 404 });
  });

  it("each model says what it can do, its window and its output limit, in extra fields the openai SDK's models.list() keeps", async () => {
    const page = await client.models.list();
    expect(page.data[0]).toEqual({ id: "auto", object: "model", created: 0, owned_by: "mission-control" });
    type Listed = OpenAI.Model & { capabilities?: Record<string, boolean>; context_window?: number; max_output_tokens?: number | null };
    const byId = new Map(page.data.map((m) => [m.id, m as Listed]));
    for (const m of DEFAULT_CATALOG) {
      const listed = byId.get(m.model)!;
      // OpenAI's own fields, as SDKs and tools that list models read them.
      expect(listed).toMatchObject({ object: "model", created: expect.any(Number), owned_by: m.provider });
      expect(listed.capabilities).toEqual({ tool_calling: m.toolCalling, image_input: m.imageInput, reasoning_effort: m.reasoningEffort });
      expect(listed.context_window).toBe(m.contextWindow);
      expect(listed.max_output_tokens).toBe(m.maxOutputTokens);
    }
    expect(byId.get("grok-3-mini")!.capabilities).toEqual({ tool_calling: true, image_input: false, reasoning_effort: true });
    expect(await client.models.retrieve("claude-3-5-haiku-20241022")).toMatchObject({ capabilities: { tool_calling: true, image_input: false, reasoning_effort: false }, context_window: 200_000, max_output_tokens: 8_192 });
    // The OpenAPI document describes the list with the same schema the answer is checked against here.
    const raw = await (await fetch(`${fx.api}/models`, { headers: { authorization: `Bearer ${fx.key}` } })).json();
    expect(() => modelListSchema.parse(raw)).not.toThrow();
    const doc = await (await fetch(`${fx.api}/openapi.json`)).json();
    expect(doc.paths["/models"].get.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ModelList" });
    expect(Object.keys(doc.components.schemas.Model.properties)).toEqual(["id", "object", "created", "owned_by", "capabilities", "context_window", "max_output_tokens"]);
  });

  it("refuses an unknown model with 404 model_not_found in OpenAI's error shape", async () => {
    const err = await client.chat.completions.create({ model: "gpt-99", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.error).toMatchObject({ type: "model_not_found", param: "model" });
  });

  it("refuses missing, unknown and revoked keys with 401 — revocation takes effect at once", async () => {
    const body = { model: "auto", messages: [{ role: "user", content: "hi" }] };
    const before = await rowCount();
    expect((await post("/chat/completions", body, null)).status).toBe(401);
    expect((await post("/chat/completions", body, "mc_not-a-real-key")).status).toBe(401);
    const { key, row } = await createApiKey(fx.db, { teamId: fx.team.id, name: "short-lived" });
    expect((await post("/chat/completions", body, key)).status).toBe(200);
    await revokeApiKey(fx.db, { teamId: fx.team.id, keyId: row.id });
    const res = await post("/chat/completions", body, key);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { type: "authentication_error" } });
    const sdk = new OpenAI({ baseURL: fx.api, apiKey: key, maxRetries: 0 });
    await expect(sdk.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(await rowCount()).toBe(before + 1);
  });

  it("rotation gives a new working key, kills the old one, and moves the key's budget", async () => {
    const { key, row } = await createApiKey(fx.db, { teamId: fx.team.id, name: "rotating" });
    await fx.db.insert(budgets).values({ teamId: fx.team.id, scope: "key", apiKeyId: row.id, name: "key budget", limitMicros: 5_000_000, periodStart: new Date() });
    expect((await fetch(`${fx.api}/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    const rotated = (await rotateApiKey(fx.db, { teamId: fx.team.id, keyId: row.id }))!;
    expect(rotated.row.name).toBe("rotating");
    expect((await fetch(`${fx.api}/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    expect((await fetch(`${fx.api}/models`, { headers: { authorization: `Bearer ${rotated.key}` } })).status).toBe(200);
    const [b] = await fx.db.select().from(budgets).where(eq(budgets.name, "key budget"));
    expect(b.apiKeyId).toBe(rotated.row.id);
  });

  it("a key's model allow-list limits what it sees and what it may call", async () => {
    const { key } = await createApiKey(fx.db, { teamId: fx.team.id, name: "mini only", modelAllowList: ["gpt-4.1-mini"] });
    const sdk = new OpenAI({ baseURL: fx.api, apiKey: key, maxRetries: 0 });
    expect((await sdk.models.list()).data.map((m) => m.id)).toEqual(["auto", "gpt-4.1-mini"]);
    expect((await sdk.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "Write a poem about rain." }] })).model).toBe("gpt-4.1-mini");
    const err = await sdk.chat.completions.create({ model: "claude-3-5-haiku-20241022", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err.status).toBeGreaterThanOrEqual(400);
    expect(err.status).toBeLessThan(500);
  });

  it("answers bad input with 400 / 413 JSON naming the problem, and records nothing", async () => {
    const before = await rowCount();
    const malformed = await post("/chat/completions", "{not json");
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.message).toMatch(/not valid JSON/);
    const wrongType = await post("/chat/completions", { model: "auto", messages: "hello" });
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).error).toMatchObject({ type: "invalid_request_error", param: "messages" });
    const badRole = await post("/chat/completions", { model: "auto", messages: [{ role: "wizard", content: "x" }] });
    expect((await badRole.json()).error.param).toBe("messages.0.role");
    const huge = await post("/chat/completions", { model: "auto", messages: [{ role: "user", content: "x".repeat(1_100_000) }] });
    expect(huge.status).toBe(413);
    expect((await huge.json()).error).toMatchObject({ type: "request_too_large", message: expect.stringMatching(/images as https URLs.*MC_API_MAX_BODY_BYTES/) });
    for (const messages of [[{ role: "system", content: "Be brief." }], [{ role: "user", content: "  " }]]) {
      const noTask = await post("/chat/completions", { model: "auto", messages });
      expect(noTask.status).toBe(400);
      expect((await noTask.json()).error).toMatchObject({ param: "messages", message: expect.stringMatching(/the last user message is the task/) });
    }
    // The unified format names a field it does not know, and the nearest known one.
    const misspelt = await post("/delegate", { task: { description: "hi" }, preferences: { model: "gpt-4.1-mini" } });
    expect(misspelt.status).toBe(400);
    expect((await misspelt.json()).error).toMatchObject({ param: "preferences", message: expect.stringMatching(/^preferences: unknown field "model" \(did you mean "model_preference"\?\); the fields here are model_preference, quality_over_speed, explain_reasoning$/) });
    const noRoute = await fetch(`${fx.api}/nope`);
    expect(noRoute.status).toBe(404);
    const wrongMethod = await fetch(`${fx.api}/chat/completions`, { headers: { authorization: `Bearer ${fx.key}` } });
    expect(wrongMethod.status).toBe(405);
    expect(await rowCount()).toBe(before);
  });

  it("refuses half a surrogate pair with 400 before any provider is paid (Postgres could not store the row)", async () => {
    const before = await rowCount();
    const calls = (await fx.fleet.usage()).models["gpt-4.1-mini"]?.ok ?? 0;
    for (const [path, body] of [
      ["/chat/completions", { model: "gpt-4.1-mini", messages: [{ role: "user", content: "explain a\ud800b in detail" }] }],
      ["/delegate", { task: { description: "explain a\udc00b" }, preferences: { model_preference: "gpt-4.1-mini" } }],
    ] as const) {
      const res = await post(path, body);
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(/unpaired UTF-16 surrogate/);
    }
    // A whole pair (an emoji) is fine.
    const ok = await post("/chat/completions", { model: "gpt-4.1-mini", messages: [{ role: "user", content: "what does 😀 mean?" }] });
    expect(ok.status).toBe(200);
    expect((await fx.fleet.usage()).models["gpt-4.1-mini"].ok).toBe(calls + 1);
    expect(await rowCount()).toBe(before + 1);
  });

  it("reads every turn for private data, not only the last: a key in an earlier message keeps the call off remote models", async () => {
    const { key } = await createApiKey(fx.db, { teamId: fx.team.id, name: "remote only", modelAllowList: ["gpt-4.1-mini", "gpt-4o-mini"] });
    const secret = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH";
    const turns = [
      [{ role: "system", content: `Use key ${secret}` }, { role: "user", content: "hi" }],
      [{ role: "user", content: `my key is ${secret}` }, { role: "assistant", content: "Noted." }, { role: "user", content: "thanks" }],
      [{ role: "user", content: "call it" }, { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "login", arguments: JSON.stringify({ key: secret }) } }] }, { role: "tool", tool_call_id: "c1", content: "ok" }, { role: "user", content: "done?" }],
    ];
    for (const messages of turns) {
      const res = await post("/chat/completions", { model: "auto", messages }, key);
      expect(res.status).toBe(422);
      expect((await res.json()).error.message).toMatch(/private|local/i);
    }
    // With a local model allowed, the same conversation goes to it.
    const local = await post("/chat/completions", { model: "auto", messages: turns[0] });
    expect(local.status).toBe(200);
    expect(["llama3.1:8b", "qwen2.5-coder:7b"]).toContain((await local.json()).model);
  });

  it("counts the whole conversation when routing: a long earlier turn rules out models it does not fit", async () => {
    const long = "The quarterly report lists revenue by region and product line. ".repeat(2_600); // ~40k tokens
    const res = await post("/chat/completions", { model: "auto", messages: [{ role: "user", content: long }, { role: "assistant", content: "Read it." }, { role: "user", content: "Summarise it in one line." }] });
    expect(res.status).toBe(200);
    const model = (await res.json()).model as string;
    const [m] = await fx.db.select().from(models).where(eq(models.name, model));
    expect(m.contextWindow).toBeGreaterThan(40_000);
  });

  it("refuses a body that is bigger than it claims, counting the bytes actually sent", async () => {
    const { request } = await import("node:http");
    const url = new URL(`${fx.api}/delegate`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { authorization: `Bearer ${fx.key}`, "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      for (let i = 0; i < 20; i++) req.write("x".repeat(100_000));
      req.end();
    });
    expect(status).toBe(413);
  });
});

describe(`Unified delegate API (${driverName})`, () => {
  const task = { request_id: "client-1", task: { type: "math", description: "What is 12 * 12?", priority: "high", quality_requirements: "normal" }, context: { constraints: { max_tokens: 2000, max_cost: 0.5, max_time: 30 } }, preferences: { model_preference: "gpt-4.1-mini", explain_reasoning: true } };

  it("answers the seed's response format with honest nulls for unknown quality", async () => {
    const res = await post("/delegate", task);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.response_id).toBe(res.headers.get("x-mc-request-id"));
    expect(body.request_id).toBe("client-1");
    expect(body.execution_info).toMatchObject({ selected_model: "gpt-4.1-mini" });
    expect(body.execution_info.selection_reason.length).toBeGreaterThan(10);
    expect(body.execution_info.actual_cost).toBeCloseTo(Number(res.headers.get("x-mc-cost")), 6);
    expect(body.execution_info.analysis.domain).toBe("math");
    expect(body.result.primary_response.length).toBeGreaterThan(0);
    expect(body.quality_metrics).toEqual({ score: null, judged_by: null, user_rating: null });
    expect(body.learning_feedback).toMatchObject({ was_optimal_choice: null, optimal_basis: "not known: the answer has not been judged or rated" });
    expect(body.result.structured_data).toBeNull();
    expect(body.result.recommendations).toEqual([]);
  });

  it("with a judge model set, the score and was_optimal_choice come from its grade, and its call is a row of its own", async () => {
    const setJudge = async (judgeModel: string | null) => {
      await fx.db.insert(routingSettings).values({ teamId: fx.team.id, judgeModel }).onConflictDoUpdate({ target: routingSettings.teamId, set: { judgeModel } });
      invalidateTeamSettings(fx.team.id);
    };
    await setJudge("gpt-4.1");
    try {
      const before = await rowCount();
      const graded: boolean[] = [];
      for (const description of ["What is 17 * 23?", "What is 48 + 19?", "Reverse the word: lantern", "What is 91 - 37?"]) {
        const body = await (await post("/delegate", { task: { description }, preferences: { model_preference: "llama3.1:8b" } })).json();
        const q = body.quality_metrics;
        expect(q.judged_by).toBe("gpt-4.1");
        // The mock's judge writes "Score: 9" for a right answer and "Score: 2" for a wrong one.
        expect([0.889, 0.111]).toContain(q.score);
        graded.push(q.score > 0.5 === (gradeAnswer(description, body.result.primary_response) === 1));
        expect(body.learning_feedback.was_optimal_choice).toBe(q.score >= 0.6);
        expect(body.learning_feedback.optimal_basis).toMatch(/^judged by gpt-4\.1: 0\.\d\d (reaches|is below) the 0\.60 bar/);
        const [row] = await fx.db.select().from(requests).where(eq(requests.id, q.judge_request_id));
        expect(row).toMatchObject({ model: "gpt-4.1", status: "ok" });
        expect(row.costMicros / 1e6).toBeCloseTo(q.judge_cost, 9);
        expect(q.judge_cost).toBeGreaterThan(0);
      }
      // Each call and its grade are rows; the judge agrees with the grader on most answers.
      expect((await rowCount()) - before).toBe(8);
      expect(graded.filter(Boolean).length).toBeGreaterThanOrEqual(3);
    } finally {
      await setJudge(null);
    }
  });

  it("a key kept to some models never has its task and answer sent to a judge outside them", async () => {
    const { key, row: keyRow } = await createApiKey(fx.db, { teamId: fx.team.id, name: "local only", modelAllowList: ["llama3.1:8b"] });
    await fx.db.insert(routingSettings).values({ teamId: fx.team.id, judgeModel: "gpt-4.1" }).onConflictDoUpdate({ target: routingSettings.teamId, set: { judgeModel: "gpt-4.1" } });
    invalidateTeamSettings(fx.team.id);
    try {
      const res = await post("/delegate", { task: { description: "What is 17 * 23?" } }, key);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.execution_info.selected_model).toBe("llama3.1:8b");
      expect(body.quality_metrics).toMatchObject({ score: null, judge_cost: 0, judge_request_id: null, judge_error: expect.stringContaining("not among this API key's allowed models (llama3.1:8b)") });
      // One call, on the allowed model: nothing went to the judge's provider under this key.
      const rows = await fx.db.select({ model: requests.model, status: requests.status }).from(requests).where(eq(requests.apiKeyId, keyRow.id));
      expect(rows).toEqual([{ model: "llama3.1:8b", status: "ok" }]);
    } finally {
      await fx.db.update(routingSettings).set({ judgeModel: null }).where(eq(routingSettings.teamId, fx.team.id));
      invalidateTeamSettings(fx.team.id);
    }
  });

  it("streams start, deltas and done over SSE; the done event carries the unified response", async () => {
    const res = await post("/delegate/stream", { task: { description: "Explain what a budget reservation is." } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const text = await res.text();
    const events = text
      .trim()
      .split("\n\n")
      .map((b) => ({ event: /^event: (.*)$/m.exec(b)?.[1], data: JSON.parse(/^data: (.*)$/m.exec(b)![1]) }));
    expect(events[0].event).toBe("start");
    const done = events.at(-1)!;
    expect(done.event).toBe("done");
    const deltas = events.filter((e) => e.event === "delta").map((e) => e.data.text);
    expect(deltas.join("")).toBe(done.data.result.primary_response);
    expect(done.data.response_id).toBe(events[0].data.response_id);
  });

  it("takes feedback by request id and feeds the learner; unknown ids are 404", async () => {
    const body = await (await post("/delegate", { task: { description: "What is 3 + 4?" } })).json();
    const res = await post("/feedback", { request_id: body.response_id, rating: 5, comment: "right" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ learned: true, was_optimal_choice: true, optimal_basis: expect.stringMatching(/^rated through the API: 1\.00 reaches the 0\.60 bar/) });
    const [r] = await fx.db.select().from(ratings).where(eq(ratings.requestId, body.response_id));
    expect(r).toMatchObject({ kind: "stars", value: 5 });
    const other = await (await post("/delegate", { task: { description: "What is 5 + 6?" } })).json();
    const down = await (await post("/feedback", { request_id: other.response_id, rating: "down" })).json();
    expect(down).toMatchObject({ was_optimal_choice: false, optimal_basis: expect.stringMatching(/^rated through the API: 0\.00 is below/) });
    expect((await post("/feedback", { request_id: crypto.randomUUID(), rating: "up" })).status).toBe(404);
    expect((await post("/feedback", { request_id: "nope", rating: "up" })).status).toBe(400);
  });

  it("keeps one rating per request and key: rating again replaces it and does not teach the router twice", async () => {
    const body = await (await post("/delegate", { task: { description: "What is 9 + 9?" } })).json();
    const [req] = await fx.db.select().from(requests).where(eq(requests.id, body.response_id));
    const arm = async () => (await loadSnapshot(fx.db, fx.team.id)).arms[req.domain as "math"]?.[req.model!] ?? { a: 0, b: 0 };
    const before = await arm();
    const answers = [];
    for (const rating of ["down", "down", "down", 4, "down"]) answers.push(await (await post("/feedback", { request_id: body.response_id, rating })).json());
    expect(answers.map((a) => a.learned)).toEqual([true, false, false, false, false]);
    const rows = await fx.db.select().from(ratings).where(eq(ratings.requestId, body.response_id));
    expect(rows).toMatchObject([{ kind: "thumbs", value: 0, apiKeyId: fx.keyRow.id, userId: null }]);
    const after = await arm();
    expect(after.a + after.b - (before.a + before.b)).toBeCloseTo(1, 6); // one rating's worth of evidence, not five
    // Another key is another rater.
    const { key } = await createApiKey(fx.db, { teamId: fx.team.id, name: "second rater" });
    expect((await (await post("/feedback", { request_id: body.response_id, rating: "up" }, key)).json()).learned).toBe(true);
    expect(await fx.db.select().from(ratings).where(eq(ratings.requestId, body.response_id))).toHaveLength(2);
  });

  it("one person teaches once per answer, whichever of their keys they rate it with; another person's rating counts", async () => {
    const [ann, bob] = await Promise.all(["ann", "bob"].map(async (n) => (await createUser(fx.db, { name: n, email: `${n}-${crypto.randomUUID()}@raters.test`, password: "password-123" })).id));
    const keys = await Promise.all([ann, ann, bob].map(async (createdBy, i) => (await createApiKey(fx.db, { teamId: fx.team.id, name: `rater ${i}`, createdBy })).key));
    const body = await (await post("/delegate", { task: { description: "What is 8 + 8?" } })).json();
    const learned = [];
    for (const key of keys) learned.push((await (await post("/feedback", { request_id: body.response_id, rating: "down" }, key)).json()).learned);
    expect(learned).toEqual([true, false, true]); // ann's second key does not count again; bob does
  });

  it("refuses with 402 when the key's budget cannot cover the call", async () => {
    const { key, row } = await createApiKey(fx.db, { teamId: fx.team.id, name: "broke" });
    await fx.db.insert(budgets).values({ teamId: fx.team.id, scope: "key", apiKeyId: row.id, name: "tiny", limitMicros: 1, periodStart: new Date() });
    invalidateBudgets(fx.team.id);
    const res = await post("/delegate", { task: { description: "Write a long essay about clouds." }, preferences: { model_preference: "gpt-4.1-mini" } }, key);
    expect(res.status).toBe(402);
    expect((await res.json()).error.type).toBe("budget_exceeded");
    // A free model still runs: the paid fallbacks the budget cannot hold are dropped, and the reason says so.
    const free = await post("/delegate", { task: { description: "Write a haiku about clouds." }, preferences: { model_preference: "llama3.1:8b", explain_reasoning: true } }, key);
    expect(free.status).toBe(200);
    const body = await free.json();
    expect(body.execution_info).toMatchObject({ selected_model: "llama3.1:8b", actual_cost: 0 });
    expect(body.execution_info.selection_reason).toMatch(/Fallbacks dropped because the budget could not also hold them: \S/);
  });

  it("keeps prompt and answer within max_tokens, and refuses a max_tokens the prompt alone fills", async () => {
    const body = await (await post("/delegate", { task: { description: "hi" }, context: { constraints: { max_tokens: 20 } }, preferences: { model_preference: "gpt-4o-mini" } })).json();
    const { input, output } = body.execution_info.tokens;
    expect(output).toBeGreaterThan(0);
    expect(input + output).toBeLessThanOrEqual(20);
    const tight = await post("/delegate", { task: { description: "hi" }, context: { constraints: { max_tokens: 2 } }, preferences: { model_preference: "gpt-4o-mini" } });
    expect(tight.status).toBe(400);
    expect((await tight.json()).error).toMatchObject({ param: "max_tokens", message: expect.stringMatching(/leaves no room for an answer\. Raise max_tokens above \d+/) });
  });

  it("shows the team's spend", async () => {
    const res = await fetch(`${fx.api}/spend?days=7`, { headers: { authorization: `Bearer ${fx.key}` } });
    const body = await res.json();
    expect(body.totals.requests).toBeGreaterThan(0);
    expect(body.totals.cost_usd).toBeGreaterThan(0);
    for (const days of ["abc", "0x10", "1e1", "7.0", "0", "367"]) expect((await fetch(`${fx.api}/spend?days=${days}`, { headers: { authorization: `Bearer ${fx.key}` } })).status).toBe(400);
  });

  it("shows a budget's spend in its current period, as the Budgets page does, once the period it was last written in has ended", async () => {
    // Written in an earlier month and not touched since: no call has rolled it into this month yet.
    const [b] = await fx.db
      .insert(budgets)
      .values({ teamId: fx.team.id, name: "stale month", limitMicros: 5_000_000, hardStop: false, period: "monthly", periodStart: new Date(Date.UTC(2020, 0, 1)), spentMicros: 1_234_567 })
      .returning();
    try {
      const body = await (await fetch(`${fx.api}/spend`, { headers: { authorization: `Bearer ${fx.key}` } })).json();
      const [page] = (await listBudgets(fx.db, fx.team.id)).filter((x) => x.id === b.id);
      expect(page.periodStart.getTime()).toBeGreaterThan(Date.UTC(2020, 0, 1));
      expect(body.budgets.find((x: { name: string }) => x.name === "stale month")).toMatchObject({ spent_usd: page.spentMicros / 1e6, period_start: page.periodStart.toISOString(), period_end: page.periodEnd.toISOString() });
      expect(page.spentMicros).toBe(0);
    } finally {
      await fx.db.delete(budgets).where(eq(budgets.id, b.id));
      invalidateBudgets(fx.team.id);
    }
  });

  it("serves an OpenAPI 3.1 document without a key", async () => {
    const doc = await (await fetch(`${fx.api}/openapi.json`)).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/delegate", "/chat/completions", "/models", "/feedback"]));
    expect(doc.components.schemas.DelegateRequest.properties.task.required).toContain("description");
  });
});

describe(`Pipelines over REST (${driverName})`, () => {
  it("starts a run (202) and follows it to the end by polling its id", async () => {
    const { createPipeline, startPipelineRunner, stopPipelineRunner } = await import("@/lib/pipelines");
    await startPipelineRunner({ db: fx.db }); // server.ts starts it at boot
    try {
      const p = await createPipeline(fx.db, {
        teamId: fx.team.id,
        name: "two steps",
        steps: [
          { key: "draft", model: "gpt-4.1-mini", group: 0, template: "Summarise: {{input}}" },
          { key: "polish", model: "gpt-4.1-mini", group: 1, template: "Polish: {{steps.draft}}" },
        ],
      });
      const list = await (await fetch(`${fx.api}/pipelines`, { headers: { authorization: `Bearer ${fx.key}` } })).json();
      expect(list.data.map((x: { id: string }) => x.id)).toContain(p.id);
      const started = await post(`/pipelines/${p.id}/runs`, { input: "The launch moved to May." });
      expect(started.status).toBe(202);
      const run = await started.json();
      expect(run.progress.total).toBe(2);
      let view = run;
      for (let i = 0; i < 100 && !["succeeded", "failed", "cancelled"].includes(view.status); i++) {
        await new Promise((r) => setTimeout(r, 100));
        view = await (await fetch(`${fx.api}/pipeline-runs/${run.id}`, { headers: { authorization: `Bearer ${fx.key}` } })).json();
      }
      expect(view.status).toBe("succeeded");
      expect(view.progress).toEqual({ done: 2, total: 2 });
      expect((await post(`/pipelines/${crypto.randomUUID()}/runs`, { input: "x" })).status).toBe(404);
      expect((await post(`/pipelines/not-a-uuid/runs`, { input: "x" })).status).toBe(404);
      expect((await post(`/pipelines/${p.id}/runs`, { input: "" })).status).toBe(400);
      // A hard budget that cannot hold the first step's call refuses the start as a direct call is refused: 402, and no run.
      const [spent] = await fx.db.insert(budgets).values({ teamId: fx.team.id, name: "spent", limitMicros: 1_000, spentMicros: 1_000, periodStart: new Date(Date.now() - 1000) }).returning();
      invalidateBudgets(fx.team.id);
      try {
        const refused = await post(`/pipelines/${p.id}/runs`, { input: "The launch moved to June." });
        expect(refused.status).toBe(402);
        expect((await refused.json()).error).toMatchObject({ type: "budget_exceeded", message: expect.stringMatching(/^Budget "spent" exceeded: \$0\.00 of/) });
        expect(await fx.db.$count(pipelineRuns, eq(pipelineRuns.pipelineId, p.id))).toBe(1);
      } finally {
        await fx.db.delete(budgets).where(eq(budgets.id, spent.id));
        invalidateBudgets(fx.team.id);
      }
      expect((await fetch(`${fx.api}/pipeline-runs/${crypto.randomUUID()}`, { headers: { authorization: `Bearer ${fx.key}` } })).status).toBe(404);
    } finally {
      await stopPipelineRunner();
    }
  });

  it("a run started with a key keeps to the key's model allow-list, in prompt and synthesis steps", async () => {
    const { createPipeline, startPipelineRunner, stopPipelineRunner } = await import("@/lib/pipelines");
    const { getRun } = await import("@/lib/pipelines/service");
    await startPipelineRunner({ db: fx.db });
    try {
      const { key } = await createApiKey(fx.db, { teamId: fx.team.id, name: "mini only", modelAllowList: ["gpt-4o-mini"] });
      const p = await createPipeline(fx.db, {
        teamId: fx.team.id,
        name: "allow-list",
        steps: [
          { key: "draft", model: "auto", group: 0, template: "Write release notes for: {{input}}" },
          { key: "synth", kind: "synthesis", strongModel: "auto", model: "auto", group: 1, template: "Improve: {{steps.draft}}" },
        ],
      });
      const run = await (await post(`/pipelines/${p.id}/runs`, { input: "faster startup and a --json flag" }, key)).json();
      let view = run;
      for (let i = 0; i < 100 && !["succeeded", "failed", "cancelled"].includes(view.status); i++) {
        await new Promise((r) => setTimeout(r, 100));
        view = await (await fetch(`${fx.api}/pipeline-runs/${run.id}`, { headers: { authorization: `Bearer ${key}` } })).json();
      }
      expect(view.status).toBe("succeeded");
      const full = (await getRun(fx.db, fx.team.id, run.id))!;
      const used = await fx.db.select({ model: requests.model }).from(requests).where(eq(requests.pipelineRunId, run.id));
      expect(used.length).toBeGreaterThanOrEqual(3); // the prompt step, the instructions and their execution
      expect(new Set(used.map((u) => u.model))).toEqual(new Set(["gpt-4o-mini"]));
      expect(full.steps.map((s) => s.model)).toEqual(["gpt-4o-mini", "gpt-4o-mini"]);
    } finally {
      await stopPipelineRunner();
    }
  });
});

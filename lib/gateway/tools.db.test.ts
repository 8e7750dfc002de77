import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { requestPayloads } from "@/db/schema";
import { driverName } from "@/test/db";
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

const post = (path: string, body: unknown) =>
  fetch(`${fx.api}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${fx.key}` }, body: JSON.stringify(body) });

describe(`tool calls in OpenAI's shape from every provider, through the openai SDK (${driverName})`, () => {
  const weather: OpenAI.ChatCompletionTool = { type: "function", function: { name: "get_weather", description: "Weather by city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };
  const question = { role: "user" as const, content: "What is the weather in Paris?" };

  it.each(["claude-3-5-haiku-20241022", "gpt-4.1-mini"])('%s: tool_choice "required" answers with tool_calls and finish_reason tool_calls', async (model) => {
    const { data: r, response } = await client.chat.completions.create({ model, messages: [question], tools: [weather], tool_choice: "required" }).withResponse();
    expect(r.choices[0].finish_reason).toBe("tool_calls");
    expect(r.choices[0].message.content).toBeNull();
    expect(r.choices[0].message.tool_calls).toEqual([{ id: expect.any(String), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
    // History shows the calls, not an empty answer.
    const [p] = await fx.db.select().from(requestPayloads).where(eq(requestPayloads.requestId, response.headers.get("x-mc-request-id")!));
    expect(p.response).toMatch(/^\[tool calls\] .*get_weather.*Paris/);
  });

  it("claude: a streamed forced call arrives as a tool_calls delta", async () => {
    const stream = await client.chat.completions.create({ model: "claude-3-5-haiku-20241022", messages: [question], tools: [weather], tool_choice: { type: "function", function: { name: "get_weather" } }, stream: true });
    const calls: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe("tool_calls");
    expect(calls).toEqual([{ index: 0, id: expect.stringMatching(/^toolu_/), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
  });

  it("claude: the follow-up turn carrying the tool result is accepted and answered in text", async () => {
    const first = await client.chat.completions.create({ model: "claude-3-5-haiku-20241022", messages: [question], tools: [weather], tool_choice: "required" });
    const call = first.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    const before = (await fx.fleet.usage()).models["claude-3-5-haiku-20241022"].errors.bad_request;
    const r = await client.chat.completions.create({
      model: "claude-3-5-haiku-20241022",
      tools: [weather],
      messages: [question, { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: call.id, content: "Sunny, 21 degrees" }],
    });
    expect(r.choices[0].finish_reason).toBe("stop");
    expect(r.choices[0].message.content?.length).toBeGreaterThan(0);
    expect((await fx.fleet.usage()).models["claude-3-5-haiku-20241022"].errors.bad_request).toBe(before);
  });

  it("refuses a tool_choice that forces a tool without tools, or names one that is not sent", async () => {
    const none = await post("/chat/completions", { model: "gpt-4.1-mini", messages: [question], tool_choice: "required" });
    expect(none.status).toBe(400);
    expect((await none.json()).error).toMatchObject({ param: "tool_choice", message: expect.stringMatching(/needs tools/) });
    const missing = await post("/chat/completions", { model: "gpt-4.1-mini", messages: [question], tools: [weather], tool_choice: { type: "function", function: { name: "nope" } } });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.message).toMatch(/"nope", which is not among the tools \(get_weather\)/);
  });
});

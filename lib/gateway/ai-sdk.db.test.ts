import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requests } from "@/db/schema";
import { driverName } from "@/test/db";
import { startGatewayFixture, type GatewayFixture } from "./test-server";

// The Vercel AI SDK (ai 5 with its documented OpenAI-compatible provider) pointed at the gateway
// by base URL and key only — nothing else changed — as an app using it would be.
let fx: GatewayFixture;
let mc: ReturnType<typeof createOpenAICompatible>;

beforeAll(async () => {
  fx = await startGatewayFixture();
  mc = createOpenAICompatible({ name: "mission-control", baseURL: fx.api, apiKey: fx.key, includeUsage: true });
});
afterAll(async () => {
  await fx?.close();
});

const rowOf = async (headers: Record<string, string> | undefined) => {
  const id = headers?.["x-mc-request-id"];
  expect(id).toBeTruthy();
  const [row] = await fx.db.select().from(requests).where(eq(requests.id, id!));
  return row;
};

describe(`the Vercel AI SDK against the gateway (${driverName})`, () => {
  it("generateText gets an answer, its usage and the x-mc headers, and the call is recorded with the same tokens", async () => {
    const r = await generateText({ model: mc("gpt-4.1-mini"), prompt: "What is 17 * 23?", maxRetries: 0 });
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.finishReason).toBe("stop");
    expect(r.response.headers?.["x-mc-model"]).toBe("gpt-4.1-mini");
    const row = await rowOf(r.response.headers);
    expect(row).toMatchObject({ status: "ok", source: "openai", model: "gpt-4.1-mini", inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens });
    expect(Number(r.response.headers?.["x-mc-cost"])).toBeCloseTo(row.costMicros / 1e6, 6);
  });

  it('streamText streams the answer and its usage; model "auto" is answered by a real model it names', async () => {
    const s = streamText({ model: mc("auto"), prompt: "Write a haiku about budgets.", maxRetries: 0 });
    let streamed = "";
    for await (const part of s.textStream) streamed += part;
    const [usage, response, text] = await Promise.all([s.usage, s.response, s.text]);
    expect(streamed.length).toBeGreaterThan(0);
    expect(text).toBe(streamed);
    expect(response.modelId).not.toBe("auto");
    expect(response.headers?.["x-mc-model"]).toBe(response.modelId);
    const row = await rowOf(response.headers);
    expect(row).toMatchObject({ status: "ok", model: response.modelId, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens });
  });

  it("an unknown model fails with the gateway's message, not a crash", async () => {
    const err = (await generateText({ model: mc("no-such-model"), prompt: "hi", maxRetries: 0 }).catch((e: unknown) => e)) as { statusCode?: number; message: string };
    expect(err.statusCode).toBe(404);
    expect(err.message).toMatch(/no-such-model/);
  });

  const weather = tool({ description: "Weather by city", inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `Sunny in ${city}` });
  // The first step must call the tool, the second answers from its result.
  const twoSteps = { tools: { weather }, toolChoice: "required" as const, stopWhen: stepCountIs(2), maxRetries: 0, prepareStep: ({ stepNumber }: { stepNumber: number }) => (stepNumber > 0 ? { toolChoice: "none" as const } : {}) };

  it.each(["gpt-4.1-mini", "claude-3-5-haiku-20241022"])("%s: generateText and streamText call a tool, send its result back and answer from it", async (model) => {
    const r = await generateText({ model: mc(model), prompt: "What is the weather in Paris?", ...twoSteps });
    expect(r.steps.map((s) => s.finishReason)).toEqual(["tool-calls", "stop"]);
    expect(r.steps[0].toolCalls.map((c) => [c.toolName, c.input])).toEqual([["weather", { city: "Paris" }]]);
    expect(r.text).toContain("Sunny in Paris");
    const s = streamText({ model: mc(model), prompt: "What is the weather in Paris?", ...twoSteps });
    let streamed = "";
    for await (const t of s.textStream) streamed += t;
    expect((await s.steps).map((x) => x.toolCalls.length)).toEqual([1, 0]);
    expect(streamed).toContain("Sunny in Paris");
  });

  it.each(["gpt-4.1-mini", "claude-3-5-haiku-20241022"])("%s: generateObject with structured outputs gets an object of the schema", async (model) => {
    const strict = createOpenAICompatible({ name: "mission-control", baseURL: fx.api, apiKey: fx.key, supportsStructuredOutputs: true });
    const { object } = await generateObject({ model: strict(model), schema: z.object({ city: z.string(), days: z.number() }), prompt: "The forecast for 3 days in Paris", maxRetries: 0 });
    expect(object).toEqual({ city: "Paris", days: 3 });
  });
});

import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { answerFor, thinkingFor } from "./answers";
import { startMockFleet, type FleetUsage, type MockFleet } from "./server";
import { estimateTokens } from "./tokens";

let fleet: MockFleet;
let client: Anthropic;
const SONNET = "claude-sonnet-4-20250514";
const HAIKU = "claude-3-5-haiku-20241022";
const ask = "What is 17 * 23?";
const messages: Anthropic.MessageParam[] = [{ role: "user", content: ask }];
const usage = async () => (await (await fetch(`${fleet.url}/__fleet/usage`)).json()) as FleetUsage;
// temperature and top_p are gone from the SDK's types; the API still reads them.
const refusal = async (body: Record<string, unknown>) => {
  const err = await client.messages.create({ model: SONNET, max_tokens: 4096, messages, thinking: { type: "enabled", budget_tokens: 2048 }, ...body } as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  return (err as Error).message;
};

beforeAll(async () => {
  fleet = await startMockFleet({ port: 0 });
  await fleet.configure({ defaults: { latencyMs: 0, tokensPerSecond: 0 } });
  client = new Anthropic({ baseURL: fleet.url, apiKey: "sk-ant-test", maxRetries: 0, logLevel: "off" });
});
afterAll(() => fleet.close());
beforeEach(() => fleet.reset());

describe("extended thinking on /v1/messages, as Anthropic answers it", () => {
  it("a Claude model with the capability thinks first: a thinking block with a signature before the text, its whole budget billed in output_tokens", async () => {
    const budget = 4096;
    const m = await client.messages.create({ model: SONNET, max_tokens: 8192, messages, thinking: { type: "enabled", budget_tokens: budget } });
    expect(m.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    const [thought, answer] = m.content as [Anthropic.ThinkingBlock, Anthropic.TextBlock];
    expect(thought).toEqual({ type: "thinking", thinking: thinkingFor(ask), signature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
    expect(answer.text).toBe(answerFor(SONNET, "high", ask));
    expect(m.usage.output_tokens).toBe(budget + estimateTokens(answer.text));
    expect((await usage()).models[SONNET]).toMatchObject({ ok: 1, completion_tokens: m.usage.output_tokens });
  });

  it("streams the thinking as thinking_delta pieces and a signature_delta in block 0, the answer in block 1", async () => {
    const budget = 1024;
    const stream = await client.messages.create({ model: SONNET, max_tokens: 2048, messages, thinking: { type: "enabled", budget_tokens: budget }, stream: true });
    const blocks: string[] = [];
    let thinking = "";
    let signature = "";
    let text = "";
    let output = 0;
    for await (const ev of stream) {
      if (ev.type === "content_block_start") blocks.push(`${ev.index}:${ev.content_block.type}`);
      if (ev.type === "content_block_delta" && ev.delta.type === "thinking_delta") thinking += ev.delta.thinking;
      if (ev.type === "content_block_delta" && ev.delta.type === "signature_delta") signature = ev.delta.signature;
      if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") {
        expect(ev.index).toBe(1);
        text += ev.delta.text;
      }
      if (ev.type === "message_delta") output = ev.usage.output_tokens;
    }
    expect(blocks).toEqual(["0:thinking", "1:text"]);
    expect(thinking).toBe(thinkingFor(ask));
    expect(signature).not.toBe("");
    expect(text).toBe(answerFor(SONNET, "high", ask));
    expect(output).toBe(budget + estimateTokens(text));
  });

  it("max_tokens counts the thinking: the answer is cut at what is left", async () => {
    const budget = 1024;
    const prompt = "How should a team plan a database migration?";
    const room = 8;
    const m = await client.messages.create({ model: SONNET, max_tokens: budget + room, messages: [{ role: "user", content: prompt }], thinking: { type: "enabled", budget_tokens: budget } });
    expect(m.stop_reason).toBe("max_tokens");
    expect(m.content[1]).toEqual({ type: "text", text: answerFor(SONNET, "high", prompt).slice(0, room * 4) });
  });

  it("budget_tokens under 1,024 or not below max_tokens is Anthropic's 400, nothing billed", async () => {
    expect(await refusal({ thinking: { type: "enabled", budget_tokens: 1000 } })).toMatch(/thinking\.enabled\.budget_tokens: Input should be greater than or equal to 1024/);
    expect(await refusal({ max_tokens: 2048, thinking: { type: "enabled", budget_tokens: 2048 } })).toMatch(/`max_tokens` must be greater than `thinking\.budget_tokens`/);
    expect(await refusal({ thinking: { type: "enabled", budget_tokens: 1500.5 } })).toMatch(/budget_tokens: Input should be a valid integer/);
    expect((await usage()).models[SONNET]).toMatchObject({ ok: 0, errors: expect.objectContaining({ bad_request: 3 }), completion_tokens: 0 });
  });

  it("what thinking does not take: temperature other than 1, top_p under 0.95, a forced tool, a tool-use turn sent back without its thinking", async () => {
    expect(await refusal({ temperature: 0.5 })).toMatch(/`temperature` may only be set to 1 when thinking is enabled/);
    expect(await refusal({ top_p: 0.5 })).toMatch(/`top_p` must be greater than or equal to 0\.95/);
    const tools: Anthropic.Tool[] = [{ name: "calc", input_schema: { type: "object" } }];
    expect(await refusal({ tools, tool_choice: { type: "any" } })).toMatch(/Thinking may not be enabled when tool_choice forces tool use/);
    const loop: Anthropic.MessageParam[] = [...messages, { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "calc", input: {} }] }, { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "391" }] }];
    expect(await refusal({ tools, messages: loop })).toMatch(/a final `assistant` message must start with a thinking block/);
    // Sent back with its thinking first, the turn goes on; temperature 1 and auto are fine.
    const withThought: Anthropic.MessageParam[] = [loop[0], { role: "assistant", content: [{ type: "thinking", thinking: "I should use the tool.", signature: "c2ln" }, ...(loop[1].content as Anthropic.ContentBlockParam[])] }, loop[2]];
    const params = { model: SONNET, max_tokens: 4096, tools, tool_choice: { type: "auto" }, temperature: 1, messages: withThought, thinking: { type: "enabled", budget_tokens: 2048 } };
    const m = await client.messages.create(params as Anthropic.MessageCreateParamsNonStreaming);
    expect(m.content[0].type).toBe("thinking");
  });

  it("a Claude model without the capability answers thinking with Anthropic's 400; thinking disabled is taken by any", async () => {
    const err = await client.messages.create({ model: HAIKU, max_tokens: 4096, messages, thinking: { type: "enabled", budget_tokens: 2048 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toMatch(/'claude-3-5-haiku-20241022' does not support thinking\./);
    const plain = await client.messages.create({ model: HAIKU, max_tokens: 512, messages, thinking: { type: "disabled" } });
    expect(plain.content.map((b) => b.type)).toEqual(["text"]);
    // The capability is the model's flag, set through the control plane like the others.
    await fleet.configure({ models: { [HAIKU]: { reasoningEffort: true } } });
    try {
      const m = await client.messages.create({ model: HAIKU, max_tokens: 4096, messages, thinking: { type: "enabled", budget_tokens: 2048 } });
      expect(m.content[0].type).toBe("thinking");
    } finally {
      await fleet.configure({ models: { [HAIKU]: { reasoningEffort: false } } });
    }
  });
});

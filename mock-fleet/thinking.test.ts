import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { answerFor, REDACTED_THINKING_TRIGGER, thinkingFor } from "./answers";
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
    // Sent back with its thinking first (as the fleet issued it), the turn goes on; temperature 1 and auto are fine.
    const first = await client.messages.create({ model: SONNET, max_tokens: 4096, tools, messages, thinking: { type: "enabled", budget_tokens: 2048 } });
    const withThought: Anthropic.MessageParam[] = [loop[0], { role: "assistant", content: [first.content[0] as Anthropic.ThinkingBlock, ...(loop[1].content as Anthropic.ContentBlockParam[])] }, loop[2]];
    const params = { model: SONNET, max_tokens: 4096, tools, tool_choice: { type: "auto" }, temperature: 1, messages: withThought, thinking: { type: "enabled", budget_tokens: 2048 } };
    const m = await client.messages.create(params as Anthropic.MessageCreateParamsNonStreaming);
    expect(m.content[0].type).toBe("thinking");
  });

  describe("a tool loop with thinking", () => {
    const tools: Anthropic.Tool[] = [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }];
    const asked: Anthropic.MessageParam = { role: "user", content: "Use the get_weather tool for Paris" };
    const think = { type: "enabled", budget_tokens: 1024 } as const;
    /** Turn 1 (the model chooses the tool the prompt names), then the messages of turn 2 built from its content as `edit` leaves it. */
    const loopWith = async (edit: (content: Anthropic.ContentBlock[]) => Anthropic.ContentBlockParam[]) => {
      const m = await client.messages.create({ model: SONNET, max_tokens: 2048, tools, messages: [asked], thinking: think });
      const call = m.content.find((b) => b.type === "tool_use")!;
      return [asked, { role: "assistant", content: edit(m.content) }, { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "18 °C, clear" }] }] as Anthropic.MessageParam[];
    };
    const turn2 = (messages: Anthropic.MessageParam[]) => client.messages.create({ model: SONNET, max_tokens: 2048, tools, messages, thinking: think }).catch((e: unknown) => e);

    it("under tool_choice auto the model calls the tool the user's message names (\"use the <name> tool\"), after its thinking; with the thinking sent back it answers the tool result in text", async () => {
      const m = await client.messages.create({ model: SONNET, max_tokens: 2048, tools, tool_choice: { type: "auto" }, messages: [asked], thinking: think });
      expect(m.stop_reason).toBe("tool_use");
      expect(m.content.map((b) => b.type)).toEqual(["thinking", "tool_use"]);
      expect(m.content[1]).toMatchObject({ name: "get_weather", input: { city: "Paris" } });
      const done = await turn2(await loopWith((c) => c));
      expect(done).toMatchObject({ stop_reason: "end_turn", content: [{ type: "thinking" }, { type: "text", text: answerFor(SONNET, "high", "18 °C, clear") }] });
      // Named without "use the … tool", or under tool_choice none, it answers in text.
      const plain = await client.messages.create({ model: SONNET, max_tokens: 2048, tools, messages: [{ role: "user", content: "What is the weather in Paris?" }], thinking: think });
      expect(plain.stop_reason).toBe("end_turn");
      expect((await client.messages.create({ model: SONNET, max_tokens: 2048, tools, tool_choice: { type: "none" }, messages: [asked] })).stop_reason).toBe("end_turn");
    });

    it("streams the chosen call after the thinking block; Anthropic's test string adds a redacted_thinking block, which goes back like thinking", async () => {
      const trigger: Anthropic.MessageParam = { role: "user", content: `Use the get_weather tool for Paris ${REDACTED_THINKING_TRIGGER}` };
      const stream = client.messages.stream({ model: SONNET, max_tokens: 2048, tools, messages: [trigger], thinking: think });
      const m = await stream.finalMessage();
      expect(m.content.map((b) => b.type)).toEqual(["thinking", "redacted_thinking", "tool_use"]);
      const call = m.content[2] as Anthropic.ToolUseBlock;
      const back: Anthropic.MessageParam[] = [trigger, { role: "assistant", content: m.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "18 °C" }] }];
      expect(await turn2(back)).toMatchObject({ stop_reason: "end_turn" });
      const forged = [back[0], { role: "assistant", content: [m.content[0], { type: "redacted_thinking", data: "Zm9yZ2Vk" }, call] }, back[2]] as Anthropic.MessageParam[];
      expect(((await turn2(forged)) as Error).message).toMatch(/messages\.1\.content\.1: Invalid `data` in `redacted_thinking` block/);
    });

    it("Anthropic's 400s: the turn sent back without its thinking first, or with a thinking block whose signature the fleet did not issue or whose text was changed — nothing billed", async () => {
      const before = (await usage()).models[SONNET];
      const without = await turn2(await loopWith((c) => c.filter((b) => b.type !== "thinking")));
      expect(without).toBeInstanceOf(Anthropic.BadRequestError);
      expect((without as Error).message).toMatch(/messages\.1\.content\.0\.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`/);
      const forged = await turn2(await loopWith((c) => c.map((b) => (b.type === "thinking" ? { ...b, signature: Buffer.from(`mock-signature:${SONNET}:999999`).toString("base64") } : b))));
      expect((forged as Error).message).toMatch(/messages\.1\.content\.0: Invalid `signature` in `thinking` block/);
      const edited = await turn2(await loopWith((c) => c.map((b) => (b.type === "thinking" ? { ...b, thinking: `${b.thinking} (edited)` } : b))));
      expect((edited as Error).message).toMatch(/Invalid `signature` in `thinking` block/);
      const after = (await usage()).models[SONNET];
      // Three first turns answered; the three second turns refused, billed nothing.
      expect(after.ok - (before?.ok ?? 0)).toBe(3);
      expect(after.errors.bad_request - (before?.errors.bad_request ?? 0)).toBe(3);
    });

    it("a loop of several calls: only the turn's first assistant message must start with thinking, as Claude thinks once at the start of its turn", async () => {
      const messages = await loopWith((c) => c);
      const second: Anthropic.MessageParam[] = [...messages, { role: "assistant", content: [{ type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Lyon" } }] }, { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_2", content: "20 °C" }] }];
      expect(await turn2(second)).toMatchObject({ stop_reason: "end_turn" });
      const stripped = [messages[0], { role: "assistant", content: (messages[1].content as Anthropic.ContentBlockParam[]).slice(1) }, ...second.slice(2)] as Anthropic.MessageParam[];
      expect(((await turn2(stripped)) as Error).message).toMatch(/messages\.1\.content\.0\.type: Expected `thinking`/);
    });
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

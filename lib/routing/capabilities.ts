/**
 * What a request may need a model to do besides reading and writing text. `tools` and
 * `tool_history` both need tool calling: one because the request offers tools, the other because
 * the conversation already holds tool calls or tool results, which only a model with tool calling
 * reads (a vendor refuses them for other models, or its template drops them unseen). `reasoning`:
 * the request sets OpenAI's reasoning_effort, which only reasoning models take.
 */
export type Capability = "tools" | "tool_history" | "images" | "reasoning";

/** A model's capability flags (the `models` row, a route candidate): absent means not supported. */
export type CapabilityFlags = { toolCalling?: boolean; imageInput?: boolean; reasoningEffort?: boolean };

/** Per capability: its flag, its name in words, why a request needs it, and how a caller does without it. */
export const CAPABILITIES: Record<Capability, { flag: keyof CapabilityFlags; label: string; because: string; without: string }> = {
  tools: { flag: "toolCalling", label: "tool calling", because: "it sends tools", without: 'remove the tools (or send tool_choice "none")' },
  tool_history: {
    flag: "toolCalling",
    label: "tool calling",
    because: "the conversation has tool calls or tool results",
    without: "remove the assistant tool_calls and the tool messages from the conversation",
  },
  images: { flag: "imageInput", label: "image input", because: "a message has image_url parts", without: "remove the images" },
  reasoning: { flag: "reasoningEffort", label: "reasoning effort", because: "it sends reasoning_effort", without: 'remove reasoning_effort (or send "none")' },
};

export function supports(model: CapabilityFlags, cap: Capability): boolean {
  return model[CAPABILITIES[cap].flag] === true;
}

/** The capabilities `model` lacks among `needs`. */
export function lacking(model: CapabilityFlags, needs: readonly Capability[]): Capability[] {
  return needs.filter((n) => !supports(model, n));
}

type RequestMessage = { role: string; parts?: readonly { type: string }[]; tool_calls?: unknown };

/**
 * What a request needs: tool calling when it sends tools and tool_choice is not "none" (with
 * "none" the model may not call them), or when its conversation holds an assistant turn with
 * tool_calls or a tool message (whatever tools and tool_choice say); image input when a message
 * carries an image part; a reasoning model when it sets reasoning_effort other than "none" (which
 * every other model honours by not reasoning).
 */
export function requiredCapabilities(req: { tools?: unknown; toolChoice?: unknown; messages?: readonly RequestMessage[]; reasoningEffort?: string | null }): Capability[] {
  const needs: Capability[] = [];
  if (Array.isArray(req.tools) && req.tools.length > 0 && req.toolChoice !== "none") needs.push("tools");
  if (req.messages?.some((m) => m.role === "tool" || (m.role === "assistant" && Array.isArray(m.tool_calls) && m.tool_calls.length > 0))) needs.push("tool_history");
  if (req.messages?.some((m) => m.parts?.some((p) => p.type === "image_url"))) needs.push("images");
  if (req.reasoningEffort != null && req.reasoningEffort !== "none") needs.push("reasoning");
  return needs;
}

/** The distinct model abilities among `caps`, in words: ["tool calling", "image input"]. */
export const capabilityLabels = (caps: readonly Capability[]) => [...new Set(caps.map((c) => CAPABILITIES[c].label))];

/** "tool calling and image input" (tools and tool history name tool calling once). */
export const capabilityWords = (caps: readonly Capability[]) => capabilityLabels(caps).join(" and ");

/** Why the request needs them: "it sends tools; a message has image_url parts". */
export const capabilityReasons = (caps: readonly Capability[]) => caps.map((c) => CAPABILITIES[c].because).join("; ");

/** How to do without them: 'remove the tools (or send tool_choice "none") and remove the images'. */
export const capabilityWithout = (caps: readonly Capability[]) => caps.map((c) => CAPABILITIES[c].without).join(" and ");

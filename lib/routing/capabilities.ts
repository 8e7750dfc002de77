/** What a request may need a model to do besides reading and writing text. */
export type Capability = "tools" | "images";

/** A model's capability flags (the `models` row, a route candidate): absent means not supported. */
export type CapabilityFlags = { toolCalling?: boolean; imageInput?: boolean };

/** Per capability: its flag, its name in words, why a request needs it, and how a caller does without it. */
export const CAPABILITIES: Record<Capability, { flag: keyof CapabilityFlags; label: string; because: string; without: string }> = {
  tools: { flag: "toolCalling", label: "tool calling", because: "it sends tools", without: 'remove the tools (or send tool_choice "none")' },
  images: { flag: "imageInput", label: "image input", because: "a message has image_url parts", without: "remove the images" },
};

export function supports(model: CapabilityFlags, cap: Capability): boolean {
  return model[CAPABILITIES[cap].flag] === true;
}

/** The capabilities `model` lacks among `needs`. */
export function lacking(model: CapabilityFlags, needs: readonly Capability[]): Capability[] {
  return needs.filter((n) => !supports(model, n));
}

/**
 * What a request needs: tool calling when it sends tools and tool_choice is not "none" (with
 * "none" the model may not call them), image input when a message carries an image part.
 */
export function requiredCapabilities(req: { tools?: unknown; toolChoice?: unknown; messages?: readonly { role: string; parts?: readonly { type: string }[] }[] }): Capability[] {
  const needs: Capability[] = [];
  if (Array.isArray(req.tools) && req.tools.length > 0 && req.toolChoice !== "none") needs.push("tools");
  if (req.messages?.some((m) => m.parts?.some((p) => p.type === "image_url"))) needs.push("images");
  return needs;
}

/** "tool calling and image input". */
export const capabilityWords = (caps: readonly Capability[]) => caps.map((c) => CAPABILITIES[c].label).join(" and ");

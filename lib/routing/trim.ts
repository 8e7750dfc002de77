import { estimateTokens } from "@/lib/analysis";

/**
 * Context-size decision: how many tokens of context may be sent, given the model's window,
 * the caller's max_tokens, the task (never trimmed) and room for the answer.
 * Returns undefined when everything fits, or the number of context tokens to keep.
 */
export function contextBudget(p: {
  taskTokens: number;
  trimmableTokens: number;
  outputTokens: number;
  contextWindow: number;
  maxTokens?: number;
}): { fits: true } | { fits: false; keepTokens: number; limit: "window" | "max_tokens" } {
  const windowRoom = p.contextWindow - p.taskTokens - p.outputTokens;
  const maxRoom = p.maxTokens === undefined ? Infinity : p.maxTokens - p.taskTokens - p.outputTokens;
  const room = Math.min(windowRoom, maxRoom);
  if (p.trimmableTokens <= room) return { fits: true };
  return { fits: false, keepTokens: Math.max(0, Math.floor(room)), limit: maxRoom < windowRoom ? "max_tokens" : "window" };
}

/**
 * Cuts `text` to about `maxTokens` tokens (the analyser's estimate), keeping the start and the
 * end — where instructions and the latest material usually are — and marking the cut.
 */
export function trimText(text: string, maxTokens: number): string {
  if (estimateTokens(text) <= maxTokens) return text;
  if (maxTokens <= 0) return "";
  const marker = "\n[… trimmed to fit the context limit …]\n";
  // Scale by the text's own characters-per-token so CJK text is cut correctly too.
  const charsPerToken = text.length / Math.max(1, estimateTokens(text));
  const budget = Math.max(0, Math.floor(maxTokens * charsPerToken) - marker.length);
  if (budget <= 0) return text.slice(0, Math.floor(maxTokens * charsPerToken));
  const head = Math.ceil(budget * 0.6);
  const tail = budget - head;
  return text.slice(0, head) + marker + (tail > 0 ? text.slice(text.length - tail) : "");
}

/** Trims context and files together to `maxTokens`, each in proportion to its size. */
export function trimContext(
  input: { context?: string; files?: { path: string; content: string }[] },
  maxTokens: number,
): { context?: string; files?: { path: string; content: string }[] } {
  const sizes = [input.context ? estimateTokens(input.context) : 0, ...(input.files ?? []).map((f) => estimateTokens(f.content))];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= maxTokens) return input;
  const share = (n: number) => Math.floor((n / total) * maxTokens);
  return {
    ...(input.context !== undefined ? { context: trimText(input.context, share(sizes[0])) } : {}),
    ...(input.files ? { files: input.files.map((f, i) => ({ path: f.path, content: trimText(f.content, share(sizes[i + 1])) })) } : {}),
  };
}

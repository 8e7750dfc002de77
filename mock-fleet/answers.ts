import { formatCorrect, gradeAnswer, parseTask, type Task } from "./grader";
import { hash32, hashUnit, mulberry32 } from "./prng";

export type Tier = "low" | "medium" | "high" | "local";

/** Probability that a model of this tier solves a checkable task. */
export const TIER_ACCURACY: Record<Tier, number> = { high: 0.95, medium: 0.8, low: 0.6, local: 0.5 };

/** Whether `model` gets `prompt` right: fixed by a hash of both, so repeat calls agree. */
export function answersCorrectly(model: string, tier: Tier, prompt: string): boolean {
  return hashUnit(`correct\u0000${model}\u0000${prompt}`) < TIER_ACCURACY[tier];
}

function wrong(task: Task, rand: () => number): string {
  switch (task.kind) {
    case "arithmetic": {
      const deltas = [1, -1, 2, -2, 10, -10, 3];
      const d = deltas[Math.floor(rand() * deltas.length)];
      const got = Math.round((task.expected + d) * 100) / 100;
      return `${task.a} ${task.op} ${task.b} = ${got}`;
    }
    case "reverse": {
      const chars = [...task.expected];
      const pairs: number[] = [];
      for (let i = 0; i + 1 < chars.length; i++) if (chars[i] !== chars[i + 1]) pairs.push(i);
      let out: string;
      if (pairs.length > 0) {
        const i = pairs[Math.floor(rand() * pairs.length)];
        [chars[i], chars[i + 1]] = [chars[i + 1], chars[i]];
        out = chars.join("");
      } else {
        out = chars.length > 1 ? chars.slice(1).join("") : `${task.expected}${task.expected}`;
      }
      return `The word "${task.word}" reversed is "${out}".`;
    }
    case "sort": {
      const xs = [...task.expected];
      const pairs: number[] = [];
      for (let i = 0; i + 1 < xs.length; i++) if (xs[i] !== xs[i + 1]) pairs.push(i);
      if (pairs.length > 0) {
        const i = pairs[Math.floor(rand() * pairs.length)];
        [xs[i], xs[i + 1]] = [xs[i + 1], xs[i]];
      } else {
        xs.pop();
      }
      return `Sorted: ${xs.join(", ")}`;
    }
  }
}

const OPENERS = [
  "Here is a short take on {topic}.",
  "Regarding {topic}: the main point is to be clear about the goal first.",
  "On {topic}, a practical answer follows.",
  "About {topic} — start from what the reader needs.",
];
const BODY = [
  "Break the problem into small steps and check each one before moving on.",
  "The simplest approach that meets the requirements is usually the right one.",
  "State the assumptions explicitly, because most disagreements come from hidden ones.",
  "Measure before optimising; intuition about bottlenecks is often wrong.",
  "Prefer explicit trade-offs over vague promises: cost, speed and quality pull against each other.",
  "Write down what success looks like so the result can be checked.",
  "Handle the failure cases up front; the happy path rarely needs much help.",
  "Keep the interface small and the details private so the design can change later.",
  "Examples make an explanation concrete, so include one where it helps.",
  "Review the result with someone who did not write it.",
];
const POINTS = [
  "clarify the scope",
  "identify the constraints",
  "pick the smallest working design",
  "test the edge cases",
  "document the decision",
  "watch the cost",
  "plan a fallback",
];

/** Sentences and bullets a tier writes: more tiers, more detail. */
const SHAPE: Record<Tier, { sentences: number; bullets: number }> = {
  local: { sentences: 1, bullets: 0 },
  low: { sentences: 2, bullets: 0 },
  medium: { sentences: 3, bullets: 2 },
  high: { sentences: 5, bullets: 4 },
};

function topicOf(prompt: string): string {
  const first = prompt.trim().split(/(?<=[.?!])\s|\n/)[0] ?? "";
  const words = first.replace(/[.?!]+$/, "").split(/\s+/).slice(0, 10).join(" ");
  return words.length > 0 ? `"${words}"` : "this request";
}

function pick<T>(xs: T[], rand: () => number, n: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
  return out;
}

/**
 * The mock's answer: a deterministic function of (model, prompt). Checkable tasks are solved
 * with the tier's accuracy; anything else gets readable prose whose detail grows with the tier.
 */
export function answerFor(model: string, tier: Tier, prompt: string): string {
  const judged = judgeReply(model, tier, prompt);
  if (judged !== null) return judged;
  const rand = mulberry32(hash32(`answer\u0000${model}\u0000${prompt}`));
  const task = parseTask(prompt);
  if (task) return answersCorrectly(model, tier, prompt) ? formatCorrect(task) : wrong(task, rand);

  const shape = SHAPE[tier];
  const topic = topicOf(prompt);
  const opener = OPENERS[Math.floor(rand() * OPENERS.length)].replace("{topic}", topic);
  const body = pick(BODY, rand, shape.sentences);
  let text = `${opener} ${body.join(" ")}`;
  if (shape.bullets > 0) {
    text += `\n\nKey points:\n${pick(POINTS, rand, shape.bullets).map((p) => `- ${p}`).join("\n")}`;
  }
  return `${text}\n\n(${model})`;
}

/**
 * The thinking a Claude model shows before its answer (extended thinking): a short summary, as
 * Claude 4 models return, while the tokens billed are the whole thinking's (validate.ts).
 */
export function thinkingFor(prompt: string): string {
  return `Thinking it over: the user asks "${prompt.slice(0, 80)}". I will work it out step by step and check the result before answering.`;
}

/** Anthropic's test string: a prompt that holds it is answered with a `redacted_thinking` block besides the thinking. */
export const REDACTED_THINKING_TRIGGER = "ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_46C9A13E193C177646C7398A98432ECCCE4C1253";

const JUDGE = /"Score: N"[\s\S]*?\nTask:\n([\s\S]*?)\n\nAnswer:\n([\s\S]*)$/;

/**
 * A grading request (Mission Control's judge prompt: "Score: N", then "Task:" and "Answer:"): the
 * reply is one line "Score: N". An answer to a checkable task is graded by the grader, 9 if right
 * and 2 if wrong — wrong way round with the probability that the judge's tier misses, as it would
 * miss a task of its own; anything else gets a fixed 4–8 from a hash of the answer.
 */
export function judgeReply(model: string, tier: Tier, prompt: string): string | null {
  const m = JUDGE.exec(prompt);
  if (!m) return null;
  const [, task, answer] = m;
  const right = gradeAnswer(task, answer);
  if (right === null) return `Score: ${4 + Math.floor(hashUnit(`judge\u0000${answer}`) * 5)}`;
  const sees = answersCorrectly(model, tier, `judge\u0000${task}\u0000${answer}`);
  return `Score: ${(right === 1) === sees ? 9 : 2}`;
}

/** A tool the request offers, in either wire format: its name and its JSON schema. */
export interface OfferedTool {
  name: string;
  schema: unknown;
}

export interface MockToolCall {
  name: string;
  input: Record<string, unknown>;
}

/**
 * The call a model makes when the request forces a tool (OpenAI `tool_choice: "required"` or a named
 * function, Anthropic `{ type: "any" }` or `{ type: "tool" }`): the named tool, else the first one.
 * Its input fills the schema's required properties (all of them when none is marked required) from
 * the prompt: strings get its last word, numbers its first number, so repeat calls agree. A schema
 * that is any object (`{ "type": "object" }`, no properties named) gets `{ "answer": answer }`, as a
 * model asked for free-form JSON writes its answer into it.
 */
export function forcedToolCall(tools: OfferedTool[], name: string | null, prompt: string, answer?: string): MockToolCall {
  const tool = (name === null ? tools[0] : tools.find((t) => t.name === name)) ?? tools[0];
  const s = tool.schema as { type?: unknown; properties?: unknown } | undefined;
  if (answer !== undefined && s?.type === "object" && s.properties === undefined) return { name: tool.name, input: { answer } };
  const value = valueFor(tool.schema, prompt, 0);
  return { name: tool.name, input: value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {} };
}

function valueFor(schema: unknown, prompt: string, depth: number): unknown {
  const s = (schema && typeof schema === "object" ? schema : {}) as { type?: unknown; enum?: unknown; properties?: unknown; required?: unknown };
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      if (depth > 3) return {};
      const props = (s.properties && typeof s.properties === "object" ? s.properties : {}) as Record<string, unknown>;
      const keys = Array.isArray(s.required) && s.required.length > 0 ? (s.required as string[]) : Object.keys(props);
      return Object.fromEntries(keys.map((k) => [k, valueFor(props[k], prompt, depth + 1)]));
    }
    case "integer":
    case "number": {
      const n = Number(/-?\d+(?:\.\d+)?/.exec(prompt)?.[0] ?? 1);
      return type === "integer" ? Math.trunc(n) : n;
    }
    case "boolean":
      return true;
    case "array":
      return [];
    default:
      return prompt.match(/[\p{L}\p{N}_-]+/gu)?.at(-1) ?? "example";
  }
}

/**
 * The answer under a JSON response_format: JSON that fills `schema` from the prompt (as a forced
 * tool call's input), or, for a plain JSON object (`schema` null), the text answer as `{ "answer" }`.
 */
export function jsonAnswer(model: string, tier: Tier, prompt: string, schema: unknown): string {
  if (schema === null) return JSON.stringify({ answer: answerFor(model, tier, prompt) });
  return JSON.stringify(valueFor(schema, prompt, 0));
}

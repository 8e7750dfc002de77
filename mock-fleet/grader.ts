/**
 * Checkable task families understood by the mock fleet, and a grader that scores an answer to
 * one of them. Tests and benchmarks use `gradeAnswer` to play the part of a human rater.
 */
export type Task =
  | { kind: "arithmetic"; a: number; op: "+" | "-" | "*" | "/"; b: number; expected: number }
  | { kind: "reverse"; word: string; expected: string }
  | { kind: "sort"; numbers: number[]; descending: boolean; expected: number[] };

const ARITHMETIC = /\bwhat\s+is\s+(-?\d+(?:\.\d+)?)\s*([+\-*x×/÷])\s*(-?\d+(?:\.\d+)?)\s*\??/i;
const REVERSE = /\breverse\s+the\s+word\s*:?\s*["'“‘]?([\p{L}]+)["'”’]?/iu;
const SORT = /\bsort\s+(?:these|the\s+following)?\s*numbers\b[^:\d-]*:?\s*((?:-?\d+(?:\.\d+)?[\s,;]*){2,})/i;
const NUMBER = /-?\d+(?:\.\d+)?/g;

const round2 = (n: number) => Math.round(n * 100) / 100;

export function parseTask(prompt: string): Task | null {
  const ar = ARITHMETIC.exec(prompt);
  if (ar) {
    const a = Number(ar[1]);
    const b = Number(ar[3]);
    const sym = ar[2];
    const op = sym === "x" || sym === "X" || sym === "×" ? "*" : sym === "÷" ? "/" : (sym as "+" | "-" | "*" | "/");
    if (op === "/" && b === 0) return null;
    const expected = op === "+" ? a + b : op === "-" ? a - b : op === "*" ? a * b : round2(a / b);
    return { kind: "arithmetic", a, op, b, expected };
  }
  const rv = REVERSE.exec(prompt);
  if (rv) {
    const word = rv[1];
    return { kind: "reverse", word, expected: [...word].reverse().join("") };
  }
  const so = SORT.exec(prompt);
  if (so) {
    const numbers = (so[1].match(NUMBER) ?? []).map(Number);
    const descending = /\bdescending\b|\bhighest\s+first\b|\blargest\s+first\b/i.test(prompt);
    const expected = [...numbers].sort((x, y) => (descending ? y - x : x - y));
    return { kind: "sort", numbers, descending, expected };
  }
  return null;
}

/** The answer a perfect model gives, in the form the grader reads. */
export function formatCorrect(task: Task): string {
  switch (task.kind) {
    case "arithmetic":
      return `${task.a} ${task.op} ${task.b} = ${task.expected}`;
    case "reverse":
      return `The word "${task.word}" reversed is "${task.expected}".`;
    case "sort":
      return `Sorted: ${task.expected.join(", ")}`;
  }
}

/**
 * 1 if `answer` solves the checkable task in `prompt`, 0 if it does not, null when the prompt is
 * not a checkable task. Reads the last number (arithmetic), the last word (reverse) or the
 * numbers after the last colon (sort), so "17 * 23 = 391" and "391" both pass.
 */
export function gradeAnswer(prompt: string, answer: string): number | null {
  const task = parseTask(prompt);
  if (!task) return null;
  switch (task.kind) {
    case "arithmetic": {
      const nums = answer.match(NUMBER);
      if (!nums) return 0;
      const got = Number(nums[nums.length - 1]);
      return Math.abs(round2(got) - round2(task.expected)) < 1e-9 ? 1 : 0;
    }
    case "reverse": {
      const words = answer.match(/[\p{L}]+/gu);
      if (!words) return 0;
      return words[words.length - 1].toLowerCase() === task.expected.toLowerCase() ? 1 : 0;
    }
    case "sort": {
      const tail = answer.includes(":") ? answer.slice(answer.lastIndexOf(":") + 1) : answer;
      const got = (tail.match(NUMBER) ?? []).map(Number);
      const ok = got.length === task.expected.length && got.every((n, i) => n === task.expected[i]);
      return ok ? 1 : 0;
    }
  }
}

/**
 * The outcomes file (shared/data/routing/README.md): JSONL, one
 * `{id?, prompt, outcomes: {model: {score, cost_usd}}}` a line. Read by the replay benchmark, the
 * routing simulator and the simulator's warm start, so a value the router could never see in
 * real traffic (a score of 5, a negative cost) is refused here, with its line, before any of them
 * learns from it.
 */

export interface ReplayRow {
  id: string;
  prompt: string;
  outcomes: Record<string, { score: number; cost_usd: number }>;
}

/** No single call costs this much; a larger figure is a unit mistake (micro-dollars, a total). */
export const MAX_COST_USD = 1000;

/** How many bad lines one error lists before it summarises the rest. */
const MAX_LISTED = 5;

/** A file that does not follow the format; `problems` has one entry per bad line ("line 3: …"). */
export class OutcomesFileError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = "OutcomesFileError";
  }
}

const FORMAT_HINT = 'one {"prompt": "…", "outcomes": {"<model>": {"score": 0..1, "cost_usd": ≥ 0}}} object per line';

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** How a value the file gave is quoted back: short, and with its type when that is the fault. */
function shown(x: unknown): string {
  if (x === undefined) return "nothing";
  if (Array.isArray(x)) return "a list";
  if (x === null) return "null";
  if (typeof x === "object") return "an object";
  const s = typeof x === "string" ? JSON.stringify(x) : String(x);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** The problem with one line, or its row. */
function readLine(line: string, lineNo: number): { row: ReplayRow } | { problem: string } {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch (e) {
    return { problem: `not JSON (${(e as Error).message})` };
  }
  if (!isPlainObject(r)) return { problem: `must be a JSON object, ${FORMAT_HINT} (got ${shown(r)})` };
  if (r.prompt === undefined) return { problem: 'has no "prompt"; each line needs the prompt text as a string' };
  if (typeof r.prompt !== "string") return { problem: `prompt must be a string (got ${shown(r.prompt)})` };
  if (r.outcomes === undefined) return { problem: 'has no "outcomes"; each line needs {"<model>": {"score", "cost_usd"}} for at least one model' };
  if (!isPlainObject(r.outcomes)) return { problem: `outcomes must be an object {"<model>": {"score", "cost_usd"}} (got ${shown(r.outcomes)})` };
  const entries = Object.entries(r.outcomes);
  if (entries.length === 0) return { problem: "outcomes is empty; each line needs at least one model's {score, cost_usd}" };
  const outcomes: ReplayRow["outcomes"] = {};
  for (const [model, o] of entries) {
    const at = `outcomes.${model}`;
    if (!model.trim()) return { problem: "outcomes has a model with an empty name" };
    // The learner keys plain objects by model name: "constructor" or "__proto__" would reach
    // Object.prototype instead of a model's own entry.
    if (model in Object.prototype) return { problem: `model name ${JSON.stringify(model)} is reserved; rename the model` };
    if (!isPlainObject(o)) return { problem: `${at} must be an object {"score", "cost_usd"} (got ${shown(o)})` };
    const { score, cost_usd } = o;
    if (typeof score !== "number") return { problem: `${at}.score must be a number between 0 and 1 (got ${shown(score)})` };
    if (!(score >= 0 && score <= 1)) return { problem: `${at}.score must be between 0 and 1 (got ${shown(score)})` };
    if (typeof cost_usd !== "number") return { problem: `${at}.cost_usd must be a number of dollars, 0 or more (got ${shown(cost_usd)})` };
    if (!(cost_usd >= 0 && cost_usd <= MAX_COST_USD)) {
      return { problem: `${at}.cost_usd must be 0 or more and finite, at most $${MAX_COST_USD} for one call (got ${shown(cost_usd)})` };
    }
    outcomes[model] = { score, cost_usd };
  }
  return { row: { id: typeof r.id === "string" && r.id ? r.id : String(lineNo), prompt: r.prompt, outcomes } };
}

/**
 * Parses and checks an outcomes file (blank lines skipped). Every line is checked; a file with
 * bad lines throws an OutcomesFileError listing the first few ("line 3: outcomes.gpt-4.score must
 * be between 0 and 1 (got 5)"), prefixed with `name` when given. Models may differ between lines:
 * a model missing from a line was simply not asked that prompt.
 */
export function parseReplayFile(text: string, name?: string): ReplayRow[] {
  const where = (lineNo: number) => (name ? `${name} line ${lineNo}` : `line ${lineNo}`);
  const rows: ReplayRow[] = [];
  const problems: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const read = readLine(line, i + 1);
    if ("problem" in read) problems.push(`${where(i + 1)}: ${read.problem}`);
    else rows.push(read.row);
  }
  if (problems.length > 0) {
    const more = problems.length - MAX_LISTED;
    const listed = problems.slice(0, MAX_LISTED).join("\n");
    throw new OutcomesFileError(more > 0 ? `${listed}\n… and ${more} more bad line${more === 1 ? "" : "s"}.` : listed, problems);
  }
  if (rows.length === 0) throw new OutcomesFileError(`${name ?? "The file"} has no lines; it needs ${FORMAT_HINT}.`, []);
  return rows;
}

import { analyse, DOMAINS, type Domain } from "@/lib/analysis";
import { applyOutcome, emptySnapshot, type LearningSnapshot } from "./snapshot";
import { emptyMemory, memoryAdd, type MemorySettings } from "./memory";
import { emptyTextModel, textUpdate } from "./text-model";

/**
 * One outcomes row. Either a replay row (a prompt and every model's graded answer, the format of
 * shared/data/routing) or a recorded outcome (a domain or prompt, one model, a score).
 */
export type OutcomeRow =
  | { prompt: string; outcomes: Record<string, { score: number; cost_usd?: number }> }
  | { domain?: Domain; prompt?: string; model: string; score: number };

export interface WarmStartOptions {
  /** Train the per-task text model too (needs prompts). Default true. */
  textModel?: boolean;
  /** Hashed dimensions of the text model (the analyser's vector is folded into it). */
  dim?: number;
  priorPrecision?: number;
  /** Passes over the rows; each pass counts 1/epochs of an outcome. */
  epochs?: number;
  /** Shuffle seed for the passes (deterministic). */
  seed?: number;
  /**
   * Remember the prompts and their outcomes for nearest-neighbour estimates (needs prompts).
   * Default true (with MEMORY_DEFAULTS); false to leave it out; an object to change its settings.
   */
  memory?: boolean | MemorySettings;
}

/** Tuned on an inner split of the RouterBench train part (docs/routing.md). */
export const TEXT_MODEL_DEFAULTS = { dim: 1 << 12, priorPrecision: 3, epochs: 6, seed: 1 } as const;

const isScore = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= 1;

/** What is wrong with one parsed line, or null when it is a usable outcome row. */
function rowProblem(v: unknown): string | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "not an object";
  const r = v as Record<string, unknown>;
  if (r.prompt !== undefined && typeof r.prompt !== "string") return "prompt is not a string";
  if ("outcomes" in r) {
    if (typeof r.prompt !== "string") return "a row with outcomes needs a prompt";
    if (typeof r.outcomes !== "object" || r.outcomes === null || Array.isArray(r.outcomes)) return "outcomes is not an object";
    for (const [model, out] of Object.entries(r.outcomes)) {
      if (!isScore((out as { score?: unknown } | null)?.score)) return `the score of ${model} is not a number from 0 to 1`;
    }
    return null;
  }
  if (typeof r.model !== "string" || !r.model) return "model is missing";
  if (!isScore(r.score)) return "score is not a number from 0 to 1";
  return null;
}

/** Parses JSONL text (blank lines skipped); a bad line throws with its line number and what is wrong. */
export function parseOutcomes(text: string): OutcomeRow[] {
  const rows: OutcomeRow[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new Error(`outcomes line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    const problem = rowProblem(v);
    if (problem) throw new Error(`outcomes line ${i + 1}: ${problem}`);
    rows.push(v as OutcomeRow);
  }
  return rows;
}

/**
 * A snapshot learned from past outcomes: every (domain, model) score updates the Beta arms, and
 * rows with prompts train the text model. Pure: same rows and options → same snapshot.
 */
export function warmStart(input: string | OutcomeRow[], options: WarmStartOptions = {}): LearningSnapshot {
  const rows = typeof input === "string" ? parseOutcomes(input) : input;
  const o = { ...TEXT_MODEL_DEFAULTS, textModel: true, memory: true as WarmStartOptions["memory"], ...options };
  const snap = emptySnapshot();
  const examples: { vector: ReturnType<typeof analyse>["vector"]; model: string; y: number }[] = [];
  const memory = o.memory === false ? undefined : emptyMemory(o.memory === true ? {} : o.memory);
  for (const row of rows) {
    if ("outcomes" in row) {
      const p = analyse({ task: row.prompt });
      const scores: Record<string, number> = {};
      for (const [model, out] of Object.entries(row.outcomes)) {
        applyOutcome(snap, { domain: p.domain, model, y: out.score }, { mutate: true });
        examples.push({ vector: p.vector, model, y: out.score });
        scores[model] = out.score;
      }
      if (memory) memoryAdd(memory, p.vector, scores, false);
    } else {
      const p = row.prompt !== undefined ? analyse({ task: row.prompt }) : undefined;
      const domain = row.domain && DOMAINS.includes(row.domain) ? row.domain : (p?.domain ?? "chat");
      applyOutcome(snap, { domain, model: row.model, y: row.score }, { mutate: true });
      if (p) {
        examples.push({ vector: p.vector, model: row.model, y: row.score });
        if (memory) memoryAdd(memory, p.vector, { [row.model]: row.score }, false);
      }
    }
  }
  if (memory && memory.vectors.length > 0) snap.memory = memory;
  const slope = priceSlope(rows);
  if (slope !== undefined) snap.pricePrior = { slope };
  if (o.textModel && examples.length > 0) {
    snap.text = emptyTextModel(o.dim, o.priorPrecision);
    const order = examples.map((_, i) => i);
    let seed = o.seed >>> 0;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    for (let e = 0; e < o.epochs; e++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const i of order) textUpdate(snap.text, examples[i].model, examples[i].vector, examples[i].y, 1 / o.epochs);
    }
  }
  return snap;
}

/**
 * How quality relates to price, model-agnostically: per model its mean cost per row; its position
 * = relative log price among all models (0 cheapest, 1 dearest); the least-squares slope of
 * (score − the row's mean score) on (position − the row's mean position), pooled over rows.
 * Undefined without costs or with one price.
 */
export function priceSlope(rows: OutcomeRow[]): number | undefined {
  const sum = new Map<string, { c: number; n: number }>();
  for (const row of rows) {
    if (!("outcomes" in row)) continue;
    for (const [m, o] of Object.entries(row.outcomes)) {
      if (typeof o.cost_usd !== "number" || !(o.cost_usd > 0)) continue;
      const t = sum.get(m) ?? { c: 0, n: 0 };
      t.c += o.cost_usd;
      t.n++;
      sum.set(m, t);
    }
  }
  if (sum.size < 2) return undefined;
  const logc = new Map([...sum].map(([m, t]) => [m, Math.log(t.c / t.n)]));
  const lo = Math.min(...logc.values());
  const hi = Math.max(...logc.values());
  if (!(hi - lo > 1e-9)) return undefined;
  const pos = new Map([...logc].map(([m, l]) => [m, (l - lo) / (hi - lo)]));
  let sxy = 0;
  let sxx = 0;
  for (const row of rows) {
    if (!("outcomes" in row)) continue;
    const ms = Object.keys(row.outcomes).filter((m) => pos.has(m));
    if (ms.length < 2) continue;
    const rm = ms.reduce((a, m) => a + pos.get(m)!, 0) / ms.length;
    const ym = ms.reduce((a, m) => a + row.outcomes[m].score, 0) / ms.length;
    for (const m of ms) {
      sxy += (pos.get(m)! - rm) * (row.outcomes[m].score - ym);
      sxx += (pos.get(m)! - rm) ** 2;
    }
  }
  return sxx > 0 ? sxy / sxx : undefined;
}

/**
 * Shared by the measuring scripts that read the `dataset` label on purpose (ceiling.ts,
 * embedding-signal.ts): reading a labelled outcome file, the label ceiling, and the table of
 * within-dataset ROC AUC.
 */
import { readFileSync } from "node:fs";
import { groupedCeiling, rocAuc } from "./ceiling-math";

export type Row = { id: string; dataset: string; prompt: string; outcomes: Record<string, { score: number; cost_usd: number }> };

export const readLabelled = (path: string): Row[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l, i) => {
      const r = JSON.parse(l) as Partial<Row>;
      if (typeof r.prompt !== "string" || !r.outcomes) throw new Error(`${path} line ${i + 1}: needs prompt and outcomes`);
      if (typeof r.dataset !== "string") throw new Error(`${path} line ${i + 1}: this script needs a "dataset" label on every row`);
      return r as Row;
    });

/**
 * Label ceiling: the best mean score on `test` within a total cost `budget` for a router that knows
 * each prompt's dataset and every model's total score and cost on that dataset's test prompts (an
 * oracle), mixing models inside a dataset. Undefined when the budget is below the cheapest choice.
 * With `perPromptCost`, the oracle also knows what each model costs on each prompt (its score
 * still only the dataset's mean): it may spend the dear model on a dataset's cheapest prompts
 * first, which pays wherever cost varies with the prompt (with cost from prompt length, as the
 * replay estimates it) and quality does not.
 */
export function labelCeiling(test: Row[], models: string[], opts: { perPromptCost?: boolean } = {}): (budget: number) => number | undefined {
  const datasets = [...new Set(test.map((r) => r.dataset))];
  const meanScore = new Map(
    datasets.map((d) => {
      const rows = test.filter((r) => r.dataset === d);
      return [d, Object.fromEntries(models.map((m) => [m, rows.reduce((s, r) => s + r.outcomes[m].score, 0) / rows.length]))];
    }),
  );
  const groups = opts.perPromptCost
    ? test.map((r) => models.map((m) => ({ cost: r.outcomes[m].cost_usd, quality: meanScore.get(r.dataset)![m] })))
    : datasets.map((d) => {
        const rows = test.filter((r) => r.dataset === d);
        return models.map((m) => ({ cost: rows.reduce((s, r) => s + r.outcomes[m].cost_usd, 0), quality: meanScore.get(d)![m] * rows.length }));
      });
  return (budget) => {
    const score = groupedCeiling(groups, budget);
    return score === undefined ? undefined : score / test.length;
  };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * Prints, per model, the ROC AUC of `estimate(promptIndex, model)` for "this model answers this test
 * prompt correctly" inside each dataset and pooled over all; returns the means over the cells.
 */
export function printAucTable(test: Row[], models: string[], estimate: (i: number, m: string) => number) {
  const datasets = [...new Set(test.map((r) => r.dataset))].sort();
  const fmt = (x: number | undefined) => (x === undefined ? "   —  " : x.toFixed(3).padStart(6));
  console.log(`  ${"model".padEnd(36)} ${datasets.map((d) => d.slice(0, 13).padStart(13)).join(" ")}   all pooled`);
  const within: number[] = [];
  const pooledAll: number[] = [];
  for (const m of models) {
    const pairs = test.map((r, i) => ({ p: estimate(i, m), y: r.outcomes[m].score >= 0.5, d: r.dataset }));
    const per = datasets.map((d) => rocAuc(pairs.filter((x) => x.d === d)));
    const pooled = rocAuc(pairs);
    for (const a of per) if (a !== undefined) within.push(a);
    if (pooled !== undefined) pooledAll.push(pooled);
    console.log(`  ${m.slice(0, 36).padEnd(36)} ${per.map((a) => fmt(a).padStart(13)).join(" ")}   ${fmt(pooled)}`);
  }
  const result = { within: mean(within), cells: within.length, pooled: mean(pooledAll), min: Math.min(...within), max: Math.max(...within) };
  console.log(`  mean AUC within a dataset ${result.within?.toFixed(3)} (${within.length} model×dataset cells, ${result.min.toFixed(3)}–${result.max.toFixed(3)}); pooled over datasets ${result.pooled?.toFixed(3)}`);
  return result;
}

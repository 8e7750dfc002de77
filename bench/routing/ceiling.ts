/**
 * How far can a router that reads only the prompt go on this data? Two measurements, printed
 * for a train/test pair of outcome files that carry a `dataset` field (the replay itself never
 * reads it; this script does, on purpose, to bound what any prompt-only router can reach):
 *
 * 1. Label ceiling: the best quality at a given share of the best single model's cost for a
 *    router that knows each test prompt's dataset and, per dataset, every model's mean score and
 *    cost ON THE TEST PROMPTS THEMSELVES (an oracle: it sees the answers, pooled per dataset), and
 *    may mix models within a dataset. It is an upper bound for every router whose only per-prompt
 *    knowledge is which kind of task the prompt is. Solved exactly (the per-dataset upper hulls'
 *    segments taken in order of quality gained per dollar — a fractional knapsack).
 * 2. Within-dataset signal: ROC AUC of the product router's own quality estimate (warm start on
 *    the train file, then `qualityEstimate` with the prompt's vector, as `route()` sees it) for
 *    "this model answers this test prompt correctly", per dataset. 0.5 = the estimate orders the
 *    prompts of one dataset no better than chance; then no per-prompt routing inside that dataset
 *    can beat the label ceiling on average.
 *    Printed beside it: the same oracle when it also knows each prompt's own cost per model (so it
 *    can buy the dear model for a dataset's cheapest prompts first).
 *
 * Usage: npx tsx bench/routing/ceiling.ts <train.jsonl> <test.jsonl> [--shares 0.1,0.25,0.5]
 */
import { analyse } from "@/lib/analysis";
import { qualityEstimate, warmStart } from "@/lib/learning";
import { singleModels } from "@/lib/routing/replay";
import { labelCeiling, printAucTable, readLabelled as read } from "./labelled";

const [trainPath, testPath] = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && !all[i - 1]?.startsWith("--"));
if (!trainPath || !testPath) {
  console.error("usage: npx tsx bench/routing/ceiling.ts <train.jsonl> <test.jsonl> [--shares 0.1,0.25,0.5]");
  process.exit(2);
}
const sharesArg = process.argv.indexOf("--shares");
const shares = sharesArg > 0 ? process.argv[sharesArg + 1].split(",").map(Number) : [0.1, 0.25, 0.5, 0.75];
const train = read(trainPath);
const test = read(testPath);
const datasets = [...new Set(test.map((r) => r.dataset))].sort();
// The best single model on the test prompts, as the replay picks it.
const { models, best: bestSingle } = singleModels(test);
const best = { model: bestSingle.model, quality: bestSingle.quality, cost: bestSingle.cost_usd };

// 1. Label ceiling.
const ceilingAt = labelCeiling(test, models);
const promptCostCeilingAt = labelCeiling(test, models, { perPromptCost: true });

// The per-prompt oracle, for scale: the cheapest best-scoring model on every prompt.
const oracle = test.reduce(
  (acc, r) => {
    const top = Math.max(...models.map((m) => r.outcomes[m].score));
    const c = Math.min(...models.filter((m) => r.outcomes[m].score === top).map((m) => r.outcomes[m].cost_usd));
    return { q: acc.q + top / test.length, c: acc.c + c };
  },
  { q: 0, c: 0 },
);

console.log(`train ${train.length} rows (${trainPath}), test ${test.length} prompts (${testPath}), ${models.length} models, datasets ${datasets.join(", ")}`);
console.log(`best single: ${best.model} quality ${best.quality.toFixed(3)} cost $${best.cost.toFixed(4)}`);
console.log(`per-prompt oracle (knows every answer): ${((oracle.q / best.quality) * 100).toFixed(1)} % of its quality at ${((oracle.c / best.cost) * 100).toFixed(1)} % of its cost`);
console.log("label ceiling (knows each prompt's dataset and each model's mean on the test prompts of that dataset):");
const ceiling: Record<string, number | null> = {};
const promptCostCeiling: Record<string, number | null> = {};
const pct = (q: number | undefined) => (q === undefined ? "unreachable" : `${((q / best.quality) * 100).toFixed(1)} % of the quality`);
for (const share of shares) {
  const q = ceilingAt(share * best.cost);
  const qp = promptCostCeilingAt(share * best.cost);
  ceiling[String(share)] = q === undefined ? null : q / best.quality;
  promptCostCeiling[String(share)] = qp === undefined ? null : qp / best.quality;
  console.log(`  at ${(share * 100).toFixed(0).padStart(3)} % of the cost: ${pct(q)}; knowing each prompt's own costs too: ${pct(qp)}`);
}

// 2. Within-dataset AUC of the router's own estimate.
const snap = warmStart(train.map((r) => ({ prompt: r.prompt, outcomes: r.outcomes })));
const trainModels = new Set(Object.keys(train[0].outcomes));
const estimates = test.map((r) => {
  const p = analyse({ task: r.prompt });
  return Object.fromEntries(models.filter((m) => trainModels.has(m)).map((m) => [m, qualityEstimate(snap, { domain: p.domain, model: m, vector: p.vector }).mean]));
});
console.log("ROC AUC of the router's quality estimate for 'this model gets this prompt right' (— = fewer than 5 right or 5 wrong):");
const auc = printAucTable(test, models.filter((m) => trainModels.has(m)), (i, m) => estimates[i][m]);
console.log(
  JSON.stringify({
    prompts: test.length,
    best_single: { model: best.model, quality: best.quality, cost_usd: best.cost },
    prompt_oracle: { quality_ratio: oracle.q / best.quality, cost_ratio: oracle.c / best.cost },
    label_ceiling_quality_ratio: ceiling,
    label_and_prompt_cost_ceiling_quality_ratio: promptCostCeiling,
    auc_within_dataset_mean: auc.within,
    auc_pooled_mean: auc.pooled,
  }),
);

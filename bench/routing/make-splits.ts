/**
 * Writes the held-out splits used in docs/routing.md into a folder (default /tmp/routing-splits):
 *   outer-train / outer-test      seeded 70/30 shuffle of the file
 *   inner-train / inner-test      seeded 70/30 shuffle of outer-train (for tuning hyper-parameters)
 *   lodo-<dataset>-train / -test  leave one dataset out (test = that dataset)
 *   inner-lodo-<dataset>-train / -test  the same inside outer-train (for tuning robustness to
 *                                 unseen kinds of task without looking at the outer test)
 *   *-renamed                     a test file with every model renamed (outer-test, inner-test,
 *                                 lodo-<dataset>-test, inner-lodo-<dataset>-test) (m01, m02, … in a seeded
 *                                 order), one dataset label, ids q0…: models the train file never saw
 *   outer-test-blind              outer-test shuffled again, ids replaced, one dataset label for all
 *   *-eqcost                      every model's cost = its mean cost per prompt (same for all prompts)
 *   *-lencost                     every model's cost ∝ prompt length (its mean price per character)
 *   outer-test-allequal, inner-test-allequal   *-test-renamed with every answer at one price (the
 *                                 mean over all answers): unknown models, nothing to tell them apart by cost
 *   outer-test-renamed-eqcost, inner-test-renamed-eqcost   *-test-renamed with *-eqcost's prices
 * The `dataset` field is used here only to build splits; the router never sees it.
 * Usage: npx tsx bench/routing/make-splits.ts <file.jsonl> [outdir] [seed]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

type Row = { id: string; dataset?: string; prompt: string; outcomes: Record<string, { score: number; cost_usd: number }> };

export { shuffle, split } from "@/lib/routing/replay";
import { shuffle, split } from "@/lib/routing/replay";

/** Replace each answer's cost by a price that does not depend on the answer. */
export function recost(rows: Row[], mode: "eqcost" | "lencost" | "allequal"): Row[] {
  const models = Object.keys(rows[0].outcomes);
  if (mode === "allequal") {
    const all = rows.flatMap((r) => Object.values(r.outcomes).map((o) => o.cost_usd));
    const price = all.reduce((a, b) => a + b, 0) / all.length;
    return rows.map((r) => ({ ...r, outcomes: Object.fromEntries(Object.entries(r.outcomes).map(([m, o]) => [m, { score: o.score, cost_usd: price }])) }));
  }
  const totalLen = rows.reduce((s, r) => s + r.prompt.length, 0);
  const price: Record<string, number> = {};
  for (const m of models) {
    const total = rows.reduce((s, r) => s + (r.outcomes[m]?.cost_usd ?? 0), 0);
    price[m] = mode === "eqcost" ? total / rows.length : total / totalLen;
  }
  return rows.map((r) => ({
    ...r,
    outcomes: Object.fromEntries(
      Object.entries(r.outcomes).map(([m, o]) => [m, { score: o.score, cost_usd: mode === "eqcost" ? price[m] : price[m] * r.prompt.length }]),
    ),
  }));
}

/** Every model renamed (seeded order), ids q0…, one dataset label: a file of models never seen. */
export function renameModels(rows: Row[], seed: number): Row[] {
  const models = shuffle([...new Set(rows.flatMap((r) => Object.keys(r.outcomes)))].sort(), seed);
  const name = new Map(models.map((m, i) => [m, `m${String(i + 1).padStart(2, "0")}`]));
  return rows.map((r, i) => ({
    id: `q${i}`,
    dataset: "mixed",
    prompt: r.prompt,
    outcomes: Object.fromEntries(Object.entries(r.outcomes).map(([m, o]) => [name.get(m)!, o])),
  }));
}

if (process.argv[1] && process.argv[1].endsWith("make-splits.ts")) {
  const file = process.argv[2];
  const out = process.argv[3] ?? "/tmp/routing-splits";
  const seed = Number(process.argv[4] ?? 20240601);
  if (!file) {
    console.error("usage: npx tsx bench/routing/make-splits.ts <file.jsonl> [outdir] [seed]");
    process.exit(2);
  }
  const rows: Row[] = readFileSync(file, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  mkdirSync(out, { recursive: true });
  const write = (name: string, rs: Row[]) => {
    writeFileSync(path.join(out, `${name}.jsonl`), rs.map((r) => JSON.stringify(r)).join("\n") + "\n");
    console.log(`${name}.jsonl ${rs.length}`);
  };
  const [outerTrain, outerTest] = split(rows, seed);
  write("outer-train", outerTrain);
  write("outer-test", outerTest);
  const [innerTrain, innerTest] = split(outerTrain, seed + 1);
  write("inner-train", innerTrain);
  write("inner-test", innerTest);
  write(
    "outer-test-blind",
    shuffle(outerTest, seed + 2).map((r, i) => ({ ...r, id: `q${i}`, dataset: "mixed" })),
  );
  for (const mode of ["eqcost", "lencost"] as const) {
    write(`outer-train-${mode}`, recost(outerTrain, mode));
    write(`outer-test-${mode}`, recost(outerTest, mode));
  }
  for (const ds of [...new Set(rows.map((r) => r.dataset ?? "unknown"))]) {
    write(`lodo-${ds}-train`, rows.filter((r) => (r.dataset ?? "unknown") !== ds));
    const lodoTest = shuffle(rows.filter((r) => (r.dataset ?? "unknown") === ds), seed + 3);
    write(`lodo-${ds}-test`, lodoTest);
    write(`lodo-${ds}-test-renamed`, renameModels(lodoTest, seed + 5));
    const innerTest = shuffle(outerTrain.filter((r) => (r.dataset ?? "unknown") === ds), seed + 4);
    write(`inner-lodo-${ds}-train`, outerTrain.filter((r) => (r.dataset ?? "unknown") !== ds));
    write(`inner-lodo-${ds}-test`, innerTest);
    write(`inner-lodo-${ds}-test-renamed`, renameModels(innerTest, seed + 5));
  }
  for (const [name, test] of [["outer", outerTest], ["inner", innerTest]] as const) {
    const renamed = renameModels(test, seed + 5);
    write(`${name}-test-renamed`, renamed);
    write(`${name}-test-allequal`, recost(renamed, "allequal"));
    write(`${name}-test-renamed-eqcost`, recost(renamed, "eqcost"));
  }
}

/**
 * The replay bench as a command: `npm run bench:routing -- --train … --test …` must end with the
 * issue's JSON line, also through its worker threads, and `--choices` must hold one line per knob
 * and prompt.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

function file(dir: string, name: string, n: number, seed: number) {
  let s = seed;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const lines = Array.from({ length: n }, (_, i) => {
    const code = rand() < 0.5;
    return JSON.stringify({
      id: `${name}-${i}`,
      dataset: "mixed",
      prompt: code ? `Write a function number ${i} that sorts a list` : `Tell me a story about a dragon, part ${i}`,
      outcomes: { "a/cheap-coder": { score: code ? 1 : 0, cost_usd: 0.001 }, "b/cheap-talker": { score: code ? 0 : 1, cost_usd: 0.001 }, "c/dear": { score: 1, cost_usd: 0.02 } },
    });
  });
  const p = path.join(dir, `${name}.jsonl`);
  writeFileSync(p, lines.join("\n") + "\n");
  return p;
}

describe("npm run bench:routing", () => {
  it("prints the result as one JSON object on its last line and writes every choice", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mc-replay-"));
    const train = file(dir, "train", 120, 1);
    const test = file(dir, "test", 40, 2);
    const choices = path.join(dir, "choices.jsonl");
    const run = (workers: number) =>
      execFileSync(process.execPath, ["--import", "tsx", "bench/routing.ts", "--train", train, "--test", test, "--knobs", "0,0.5,0.9,1", "--workers", String(workers), "--choices", choices], {
        cwd: path.resolve(__dirname, ".."),
        encoding: "utf8",
      });
    const out = run(2).trim().split("\n");
    const last = JSON.parse(out[out.length - 1]) as { prompts: number; best_single: { model: string }; points: { knob: number; quality_ratio: number; cost_ratio: number }[]; aiq: number; aiq_best_single_hull: number };
    expect(last.prompts).toBe(40);
    expect(last.best_single.model).toBe("c/dear");
    expect(last.points.map((p) => p.knob)).toEqual([0, 0.5, 0.9, 1]);
    expect(last.aiq).toBeGreaterThan(last.aiq_best_single_hull);
    const lines = readFileSync(choices, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { knob: number; id: string; model: string });
    expect(lines).toHaveLength(4 * 40);
    expect(new Set(lines.map((l) => l.model)).size).toBeGreaterThan(1);
    // One thread gives the same figures.
    const single = run(1).trim().split("\n");
    expect(single[single.length - 1]).toBe(out[out.length - 1]);
  }, 120_000);
});

/**
 * route() latency and snapshot size with a warm-started snapshot (12 candidates: the file's models
 * plus one). Usage: npx tsx bench/routing/latency.ts <train.jsonl> <test.jsonl> [nomem]
 */
import { readFileSync } from "node:fs";
import { analyse } from "@/lib/analysis";
import { warmStart } from "@/lib/learning";
import { route, type RouteCandidate } from "@/lib/routing";
import { parseReplayFile } from "@/lib/routing/replay";
const train = parseReplayFile(readFileSync(process.argv[2], "utf8"));
const test = parseReplayFile(readFileSync(process.argv[3], "utf8"));
const mem = process.argv[4] !== "nomem";
const snap = warmStart(train, mem ? {} : { memory: false });
console.log("snapshot JSON bytes", JSON.stringify(snap).length, "memory bytes", snap.memory ? JSON.stringify(snap.memory).length : 0, "text bytes", JSON.stringify(snap.text).length);
const profiles = test.map((r) => analyse({ task: r.prompt }));
const models = Object.keys(test[0].outcomes);
const extra = ["x-1"]; // 12 candidates
const cands: RouteCandidate[] = [...models, ...extra].map((id, i) => ({ id, provider: id.split("/")[0], local: true, enabled: true, contextWindow: 1e9, inputPerMTokMicros: 1 + i, outputPerMTokMicros: 2 + i, strengths: [], costTier: "x" }));
const times: number[] = [];
for (let rep = 0; rep < 3; rep++)
  for (const p of profiles) {
    const v = { indices: p.vector.indices.slice(), values: p.vector.values.slice() }; // new object: no cache across calls
    const pp = { ...p, vector: v };
    const t0 = process.hrtime.bigint();
    route(pp, cands, { learned: snap, settings: { qualityVsCost: 0.7 }, rng: Math.random });
    times.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
times.sort((a, b) => a - b);
const q = (f: number) => times[Math.floor(f * (times.length - 1))].toFixed(0);
console.log(`route() µs over ${times.length} calls, 12 candidates: p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)}`);

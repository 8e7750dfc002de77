/**
 * Runs the routing simulator (or a warm start) on an outcomes file read from stdin, in its own
 * process so the CPU-heavy replay never stalls the server. Prints one JSON object on stdout.
 * Usage: <file.jsonl> | npx tsx scripts/simulate.ts simulate|warm-start
 */
import { parseReplayFile, simulateOutcomes } from "@/lib/routing/replay";
import { warmStart } from "@/lib/learning";

async function main() {
  const mode = process.argv[2] ?? "simulate";
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    if (mode === "warm-start") {
      const rows = parseReplayFile(text);
      const snapshot = warmStart(rows);
      process.stdout.write(JSON.stringify({ ok: true, prompts: rows.length, models: [...new Set(rows.flatMap((r) => Object.keys(r.outcomes)))].sort(), snapshot }));
    } else {
      process.stdout.write(JSON.stringify({ ok: true, result: simulateOutcomes(text) }));
    }
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, error: (e as Error).message }));
  }
}

main();

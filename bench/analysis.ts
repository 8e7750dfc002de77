/**
 * p50 / p99 latency of analyse() on a 2,000-character task.
 * Usage: npm run bench:analysis [-- --iterations 200000]
 */
import { analyse } from "@/lib/analysis";

const args = process.argv.slice(2);
const itIdx = args.indexOf("--iterations");
const iterations = itIdx >= 0 ? Number(args[itIdx + 1]) : 150_000;

const paragraph =
  "Our checkout service started failing after the last deploy: customers see a 500 error and the logs show " +
  "a TypeError in the discount module when the cart holds more than 20 items. Please analyse the stack trace " +
  "below, explain the root cause, and propose a fix with unit tests. Keep the change small because we ship today.\n" +
  "```ts\nfunction applyDiscount(cart: Cart) {\n  return cart.items.reduce((sum, i) => sum + i.price * (1 - i.discount!.rate), 0);\n}\n```\n";
let task = "";
while (task.length < 2000) task += paragraph;
task = task.slice(0, 2000);

for (let i = 0; i < 20_000; i++) analyse({ task });

const times = new Float64Array(iterations);
let sink = 0;
for (let i = 0; i < iterations; i++) {
  const t0 = process.hrtime.bigint();
  const p = analyse({ task, priority: "normal" });
  times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  sink += p.contextTokens;
}
times.sort();
const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
console.log(`analyse() on a ${task.length}-character task, ${iterations} iterations after 20,000 warm-up (sink ${sink % 7})`);
console.log(`p50 ${q(0.5).toFixed(1)} µs   p90 ${q(0.9).toFixed(1)} µs   p99 ${q(0.99).toFixed(1)} µs   max ${times[times.length - 1].toFixed(1)} µs`);
console.log(JSON.stringify({ chars: task.length, iterations, p50_us: +q(0.5).toFixed(2), p99_us: +q(0.99).toFixed(2) }));

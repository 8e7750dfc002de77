/**
 * p50 / p99 latency of analyse() on a 2,000-character task, beside a control: a fixed loop of
 * arithmetic that allocates nothing, sized to the analyser's median and timed in alternation with
 * it. The control's p99 is what this machine itself adds to a call of that length (interrupts,
 * other processes, the hypervisor), so a p99 above the target that the control shares is the
 * machine's, not the analyser's.
 * Usage: npm run bench:analysis [-- --iterations 200000]
 */
import { analyse } from "@/lib/analysis";
import { benchTask } from "./analysis-task";
import { pct } from "./percentile";

const args = process.argv.slice(2);
const itIdx = args.indexOf("--iterations");
const iterations = itIdx >= 0 ? Number(args[itIdx + 1]) : 150_000;

const task = benchTask();

let sink = 0;
function control(steps: number): void {
  let s = 0;
  for (let k = 0; k < steps; k++) s += Math.sqrt(k + sink);
  sink += s > 0 ? 1 : 0;
}
const time = (fn: () => void) => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1000;
};

for (let i = 0; i < 20_000; i++) analyse({ task });
// Size the control to the analyser's median.
const warm: number[] = [];
for (let i = 0; i < 2_000; i++) warm.push(time(() => analyse({ task, priority: "normal" })));
let steps = 1000;
for (let round = 0; round < 6; round++) {
  const c: number[] = [];
  for (let i = 0; i < 2_000; i++) c.push(time(() => control(steps)));
  steps = Math.max(1, Math.round((steps * pct(warm, 50)) / pct(c, 50)));
}

const a: number[] = new Array(iterations);
const c: number[] = new Array(iterations);
for (let i = 0; i < iterations; i++) {
  a[i] = time(() => {
    sink += analyse({ task, priority: "normal" }).contextTokens;
  });
  c[i] = time(() => control(steps));
}
const row = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} µs   p90 ${pct(xs, 90).toFixed(1)} µs   p99 ${pct(xs, 99).toFixed(1)} µs   max ${pct(xs, 100).toFixed(1)} µs`;
console.log(`analyse() on a ${task.length}-character task, ${iterations} iterations after 20,000 warm-up, alternating with the control (sink ${sink % 7})`);
console.log(`analyse()                    ${row(a)}`);
console.log(`control (${steps} sqrt steps, no allocation) ${row(c)}`);
console.log(
  JSON.stringify({
    chars: task.length,
    iterations,
    p50_us: +pct(a, 50).toFixed(2),
    p99_us: +pct(a, 99).toFixed(2),
    control_p50_us: +pct(c, 50).toFixed(2),
    control_p99_us: +pct(c, 99).toFixed(2),
  }),
);

/**
 * What the gateway adds over calling the mock fleet directly, and its throughput next to the
 * Portkey gateway (npm @portkey-ai/gateway) in front of the same fleet — one process each
 * (fleet, Mission Control gateway, Portkey); this process only generates load.
 *
 *   npx tsx bench/gateway.ts [--n 2000] [--duration 15] [--connections 50] [--model gpt-4.1-mini]
 *
 * Latency: n sequential requests per target (interleaved so machine drift hits all alike), timed
 * here with performance.now() over a keep-alive undici pool; "added" = target − direct.
 * Throughput: autocannon, `connections` concurrent keep-alive connections for `duration` s each.
 * A "bare proxy" (bench/bare-proxy.ts: node:http → undici, no logic) is measured too: what one
 * extra process and loopback hop cost on this machine, the floor under any gateway's "added".
 * The Mission Control gateway runs with auth, budget check, rate limit and request logging on
 * (bench/gateway-server.ts). DATABASE_URL → Postgres, else in-memory PGlite.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { pct } from "./percentile";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "2000" },
    duration: { type: "string", default: "15" },
    connections: { type: "string", default: "50" },
    model: { type: "string", default: "gpt-4.1-mini" },
    only: { type: "string" },
  },
});
const N = Number(values.n);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const MODEL = values.model!;
const ROOT = path.resolve(__dirname, "..");
const children: ChildProcess[] = [];

type CannonResult = { requests: { average: number; total: number }; latency: { p50: number; p99: number }; errors: number; timeouts: number; non2xx: number };
// autocannon ships no types; this is the part used here.
const autocannon = createRequire(__filename)("autocannon") as (o: Record<string, unknown>) => Promise<CannonResult>;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

function start(cmd: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = ready.exec(out);
      if (m) resolve(m[0]);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    child.on("exit", (code) => reject(new Error(`${cmd} ${args.join(" ")} exited (${code}):\n${out}`)));
  });
}

async function waitFor(url: string, init?: RequestInit) {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(url, init);
      if (r.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

type Target = { name: string; origin: string; path: string; headers: Record<string, string> };
const body = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Summarise: the quarterly numbers are in and spend is flat." }], max_tokens: 64 });

/** CPU time (user + system, ms) of each thread of a process, from /proc (Linux). */
function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const f = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
      out.set(tid, ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS);
    }
  } catch {
    // not Linux, or the process is gone: no CPU figures
  }
  return out;
}
const CLOCK_TICKS = 100;

async function main() {
  const fleetPort = await freePort();
  const fleetUrl = `http://127.0.0.1:${fleetPort}`;
  await start(process.execPath, ["--import", "tsx", "mock-fleet/cli.ts"], { MOCK_FLEET_PORT: String(fleetPort) }, /listening/);
  await fetch(`${fleetUrl}/__fleet/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ defaults: { latencyMs: 0, tokensPerSecond: 0 } }) });

  const line = await start(process.execPath, ["--import", "tsx", "bench/gateway-server.ts"], { MOCK_FLEET_URL: fleetUrl, PORT: "0" }, /\{"port".*\}/);
  const mc = JSON.parse(line) as { port: number; key: string; database: string };
  const mcPid = children[children.length - 1].pid!;

  const bare = JSON.parse(await start(process.execPath, ["--import", "tsx", "bench/bare-proxy.ts"], { UPSTREAM: fleetUrl, PORT: "0" }, /\{"port".*\}/)) as { port: number };

  const portkeyPort = await freePort();
  await start(process.execPath, ["node_modules/@portkey-ai/gateway/build/start-server.js", `--port=${portkeyPort}`, "--headless"], { NODE_ENV: "production" }, /Ready for connections/);

  const json = { "content-type": "application/json" };
  const targets: Target[] = [
    { name: "direct (mock fleet)", origin: fleetUrl, path: "/v1/chat/completions", headers: { ...json, authorization: "Bearer mock-key" } },
    { name: "bare proxy (hop only)", origin: `http://127.0.0.1:${bare.port}`, path: "/v1/chat/completions", headers: { ...json, authorization: "Bearer mock-key" } },
    { name: "Mission Control gateway", origin: `http://127.0.0.1:${mc.port}`, path: "/api/v1/chat/completions", headers: { ...json, authorization: `Bearer ${mc.key}` } },
    {
      name: "Portkey gateway 1.15.2",
      origin: `http://127.0.0.1:${portkeyPort}`,
      path: "/v1/chat/completions",
      headers: { ...json, authorization: "Bearer mock-key", "x-portkey-provider": "openai", "x-portkey-custom-host": `${fleetUrl}/v1` },
    },
  ].filter((t) => !values.only || t.name.toLowerCase().includes(values.only.toLowerCase()));

  // Each must answer 200 with a completion before anything is measured.
  for (const t of targets) {
    await waitFor(`${t.origin}${t.path}`, { method: "POST", headers: t.headers, body });
    const r = await fetch(`${t.origin}${t.path}`, { method: "POST", headers: t.headers, body });
    const j = (await r.json()) as { choices?: { message: { content: string } }[] };
    if (r.status !== 200 || !j.choices?.[0]?.message.content) throw new Error(`${t.name} did not answer: ${r.status} ${JSON.stringify(j).slice(0, 300)}`);
  }

  // Latency, one request at a time.
  const pools = targets.map((t) => new Pool(t.origin, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 }));
  const times = targets.map(() => [] as number[]);
  // Mission Control says where its time went (Server-Timing); collected per phase.
  const phases = new Map<string, number[]>();
  const warm = Math.min(300, Math.ceil(N / 5));
  for (let i = 0; i < N + warm; i++) {
    for (let k = 0; k < targets.length; k++) {
      const t0 = performance.now();
      const r = await pools[k].request({ path: targets[k].path, method: "POST", headers: targets[k].headers, body });
      await r.body.text();
      const dt = performance.now() - t0;
      if (r.statusCode !== 200) throw new Error(`${targets[k].name}: ${r.statusCode}`);
      if (i >= warm) times[k].push(dt);
      const st = r.headers["server-timing"];
      if (i >= warm && typeof st === "string") {
        const parts = st.split(", ").map((part) => [part.split(";")[0], Number(/dur=([\d.]+)/.exec(part)?.[1])] as const);
        const total = parts.find(([name]) => name === "total")?.[1] ?? NaN;
        for (const [name, dur] of [...parts, ["client − total (HTTP in and out)", dt - total] as const]) {
          if (!phases.has(name)) phases.set(name, []);
          phases.get(name)!.push(dur);
        }
      }
    }
  }
  await Promise.all(pools.map((p) => p.close()));

  // Throughput, `connections` at once.
  const rps: { rps: number; p50: number; p99: number; errors: number; non2xx: number }[] = [];
  let mcCpu: { main: number; busiestOther: number; othersTotal: number } | null = null;
  for (const t of targets) {
    await new Promise((r) => setTimeout(r, 1000));
    const cpuBefore = t.name.startsWith("Mission") ? threadCpuMs(mcPid) : null;
    const res = await autocannon({ url: `${t.origin}${t.path}`, method: "POST", headers: t.headers, body, connections: CONNECTIONS, duration: DURATION });
    if (cpuBefore) {
      const after = threadCpuMs(mcPid);
      const perReq = (tid: string) => ((after.get(tid) ?? 0) - (cpuBefore.get(tid) ?? 0)) / res.requests.total;
      const others = [...after.keys()].filter((tid) => tid !== String(mcPid)).map(perReq).sort((a, b) => b - a);
      mcCpu = { main: perReq(String(mcPid)), busiestOther: others[0] ?? 0, othersTotal: others.reduce((a, b) => a + b, 0) };
    }
    rps.push({ rps: res.requests.average, p50: res.latency.p50, p99: res.latency.p99, errors: res.errors + res.timeouts, non2xx: res.non2xx });
  }

  const directIdx = targets.findIndex((t) => t.name.startsWith("direct"));
  console.log(`\nGateway benchmark — model ${MODEL}, mock fleet with zero latency, database ${mc.database}, ${N} sequential requests per target, ${CONNECTIONS} connections × ${DURATION} s for throughput\n`);
  console.log("| target | p50 (1 conn) | p99 (1 conn) | added p50 | added p99 | req/s @" + CONNECTIONS + " | p50 / p99 @" + CONNECTIONS + " | errors |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  targets.forEach((t, k) => {
    const p50 = pct(times[k], 50);
    const p99 = pct(times[k], 99);
    const added = directIdx >= 0 && k !== directIdx ? [`${(p50 - pct(times[directIdx], 50)).toFixed(2)} ms`, `${(p99 - pct(times[directIdx], 99)).toFixed(2)} ms`] : ["—", "—"];
    console.log(`| ${t.name} | ${p50.toFixed(2)} ms | ${p99.toFixed(2)} ms | ${added[0]} | ${added[1]} | ${Math.round(rps[k].rps)} | ${rps[k].p50} / ${rps[k].p99} ms | ${rps[k].errors + rps[k].non2xx} |`);
  });
  const mcIdx = targets.findIndex((t) => t.name.startsWith("Mission"));
  const pkIdx = targets.findIndex((t) => t.name.startsWith("Portkey"));
  if (mcIdx >= 0 && pkIdx >= 0) console.log(`\nMission Control / Portkey throughput: ${(rps[mcIdx].rps / rps[pkIdx].rps).toFixed(2)}×`);
  if (phases.size) {
    console.log("\nMission Control, one request at a time — where the time went (its Server-Timing header, p50 of each part; the parts' p50s need not add up to the total's):");
    console.log("| part | p50 | p90 |\n| --- | ---: | ---: |");
    for (const [name, xs] of phases) console.log(`| ${name} | ${pct(xs, 50).toFixed(3)} ms | ${pct(xs, 90).toFixed(3)} ms |`);
  }
  if (mcCpu) {
    console.log(
      `Mission Control process, CPU per request at ${CONNECTIONS} connections: main thread ${mcCpu.main.toFixed(3)} ms (on PGlite the database runs here too), other threads ${mcCpu.othersTotal.toFixed(3)} ms (V8's GC and compiler threads, libuv; busiest ${mcCpu.busiestOther.toFixed(3)} ms)`,
    );
  }
  const bareIdx = targets.findIndex((t) => t.name.startsWith("bare"));
  if (mcIdx >= 0 && bareIdx >= 0) {
    const over = (p: number) => (pct(times[mcIdx], p) - pct(times[bareIdx], p)).toFixed(2);
    console.log(`Mission Control over the bare proxy (its own work, the hop excluded): p50 ${over(50)} ms, p99 ${over(99)} ms`);
  }
  console.log(
    JSON.stringify({
      model: MODEL,
      database: mc.database,
      n: N,
      connections: CONNECTIONS,
      duration_s: DURATION,
      results: targets.map((t, k) => ({ target: t.name, p50_ms: pct(times[k], 50), p99_ms: pct(times[k], 99), rps: rps[k].rps, errors: rps[k].errors, non2xx: rps[k].non2xx })),
    }),
  );
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill("SIGTERM");
  });

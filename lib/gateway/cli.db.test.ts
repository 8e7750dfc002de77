import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRequestRecords } from "@/lib/execution/record";
import { driverName } from "@/test/db";
import { startGatewayFixture, type GatewayFixture } from "./test-server";

const run = promisify(execFile);
const until = async (cond: () => Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
};
const BIN = path.resolve(__dirname, "../../bin/mc.mjs");
let fx: GatewayFixture;

beforeAll(async () => {
  fx = await startGatewayFixture();
});
afterAll(async () => {
  await fx?.close();
});

const mc = (args: string[], env: Record<string, string> = {}) =>
  run("node", [BIN, ...args], { env: { ...process.env, MC_API_URL: fx.base, MC_API_KEY: fx.key, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );

describe(`the mc CLI over the REST API (${driverName})`, () => {
  it("delegates a task, streaming the answer to stdout and the model and cost to stderr", async () => {
    const r = await mc(["delegate", "What", "is", "6", "*", "7?", "--model", "gpt-4.1-mini"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/gpt-4\.1-mini · \$[\d.]+ · [\d.]+ s/);
  });

  it("prints the unified response with --json", async () => {
    const r = await mc(["delegate", "Summarise: launch moved to May.", "--json"]);
    expect(JSON.parse(r.stdout).execution_info.selected_model).toBeTruthy();
  });

  it("shows spend, and lists models", async () => {
    const s = await mc(["spend", "--days", "7"]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/Spend since/);
    expect(s.stdout).toMatch(/gpt-4\.1-mini/);
    expect((await mc(["spend", "--days", "1"])).stdout).toMatch(/^Spend since \S+ UTC \(1 day\)$/m);
    // A refusal is counted with the failures, and the line says so (it said "failed"), as the Overview does.
    await insertRequestRecords(fx.db, [{ teamId: fx.team.id, source: "api", model: "gpt-4.1", status: "refused", errorKind: "budget_exceeded" }]);
    const json = JSON.parse((await mc(["spend", "--days", "1", "--json"])).stdout);
    expect(json.totals.errors).toBeGreaterThan(0);
    expect((await mc(["spend", "--days", "1"])).stdout).toContain(`${json.totals.requests} requests (${json.totals.errors} failed or refused)`);
    const listing = (await mc(["models"])).stdout;
    expect(listing).toMatch(/^auto {2,}mission-control {2,}the router chooses, per request, among the models below that can take it$/m);
    // What each model can do besides text, its window and its output limit where known, as GET /models says.
    expect(listing).toMatch(/^gpt-4\.1-mini {2,}openai {2,}tools, images · 1M context · 33k out$/m);
    expect(listing).toMatch(/^grok-3-mini {2,}xai {2,}tools, reasoning_effort · 131k context$/m);
    expect(listing).toMatch(/^claude-3-5-haiku-20241022 {2,}anthropic {2,}tools · 200k context · 8k out$/m);
    const listed = await mc(["models", "--json"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((m: { id: string }) => m.id)).toContain("gpt-4.1-mini");
  });

  it("rates a request with stars and with thumbs, which the API takes as sent", async () => {
    const id = JSON.parse((await mc(["delegate", "Summarise: launch moved to May.", "--json"])).stdout).response_id as string;
    const stars = await mc(["rate", id, "4", "--json"]);
    expect(stars.code).toBe(0);
    expect(JSON.parse(stars.stdout).rating).toEqual({ kind: "stars", value: 4 });
    const thumbs = await mc(["rate", id, "up"]);
    expect(thumbs.code).toBe(0);
    expect(thumbs.stdout).toMatch(/Rated .*: thumbs up/);
  });

  it("runs a pipeline and shows its progress until it finishes", async () => {
    const { createPipeline, startPipelineRunner, stopPipelineRunner } = await import("@/lib/pipelines");
    await startPipelineRunner({ db: fx.db });
    try {
      const p = await createPipeline(fx.db, { teamId: fx.team.id, name: "cli", steps: [{ key: "only", model: "gpt-4.1-mini", group: 0, template: "Summarise: {{input}}" }] });
      expect((await mc(["pipelines"])).stdout).toContain(`${p.id}  cli  1 step · 0 runs`);
      const r = await mc(["run", p.id, "The", "launch", "moved."]);
      expect(r.code).toBe(0);
      expect((await mc(["pipelines"])).stdout).toContain(`${p.id}  cli  1 step · 1 run`);
      expect(r.stderr).toMatch(/\[1\/1\] succeeded/);
      expect(r.stdout.trim().length).toBeGreaterThan(0);
    } finally {
      await stopPipelineRunner();
    }
  });

  it("Ctrl-C during mc run cancels the run instead of leaving it running unwatched; mc cancel stops one by id", async () => {
    const { createPipeline, getRun, startPipelineRunner, startRun, stopPipelineRunner } = await import("@/lib/pipelines");
    await startPipelineRunner({ db: fx.db });
    await fx.fleet.configure({ models: { "gpt-4.1-mini": { latencyMs: 0, tokensPerSecond: 20 } } });
    try {
      const p = await createPipeline(fx.db, { teamId: fx.team.id, name: "slow", steps: [
        { key: "long", model: "gpt-4.1-mini", group: 0, template: "Write at length about {{input}}" },
        { key: "after", model: "gpt-4.1-mini", group: 1, template: "Shorten: {{steps.long}}" },
      ] });
      const child = spawn("node", [BIN, "run", p.id, "bread"], { env: { ...process.env, MC_API_URL: fx.base, MC_API_KEY: fx.key } });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      await until(async () => /running .*… long/.test(stderr));
      child.kill("SIGINT");
      const code = await exited;
      const runId = /Run ([0-9a-f-]{36})/.exec(stderr)![1];
      expect(stderr).toContain(`Cancelling run ${runId}`);
      expect(stderr).toMatch(/\[0\/2\] cancelled/);
      expect(stderr).toContain("Run cancelled");
      expect(code).toBe(1);
      const run = await getRun(fx.db, fx.team.id, runId);
      expect(run!.status).toBe("cancelled");
      expect(run!.steps.map((s) => s.status)).toEqual(["cancelled", "cancelled"]);

      const other = await startRun(fx.db, { teamId: fx.team.id, pipelineId: p.id, input: "cheese" });
      const c = await mc(["cancel", other.id]);
      expect(c.code).toBe(0);
      await until(async () => (await getRun(fx.db, fx.team.id, other.id))!.status === "cancelled");
      const again = await mc(["cancel", other.id]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("400: This run has already been cancelled; there is nothing to cancel.");
      expect((await mc(["cancel", crypto.randomUUID()])).stderr).toMatch(/404: No such run in this team/);
    } finally {
      await fx.fleet.configure({ models: { "gpt-4.1-mini": { latencyMs: 0, tokensPerSecond: 0 } } });
      await stopPipelineRunner();
    }
  });

  it("fails clearly: bad key → exit 1 with the API's message; no key or no command → exit 2", async () => {
    const bad = await mc(["spend"], { MC_API_KEY: "mc_wrong" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/401: Invalid or revoked API key/);
    expect((await mc(["spend"], { MC_API_KEY: "" })).code).toBe(2);
    expect((await mc(["frobnicate"])).code).toBe(2);
  });
});

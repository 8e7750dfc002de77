import { execFile, spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

// The CLI's own checks, against a stub of the API that records what reaches it; cli.db.test.ts
// runs the CLI against the real gateway.

const run = promisify(execFile);
const BIN = path.resolve(__dirname, "../../bin/mc.mjs");
const REQUEST_ID = "0b6b5f6e-3d0a-4c39-9a57-0c4b2f1d2e3f";

type Seen = { method: string; url: string; body: unknown };
let seen: Seen[] = [];
let server: http.Server;
let base = "";
let modelCount = 3;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const url = req.url ?? "";
      seen.push({ method: req.method ?? "", url, body: raw ? JSON.parse(raw) : undefined });
      if (url.startsWith("/html/")) {
        res.writeHead(200, { "content-type": "text/html" }).end("<html>not the API</html>");
      } else if (url === "/cut/api/v1/delegate/stream") {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(`event: start\ndata: ${JSON.stringify({ selected_model: "m", selection_reason: "r" })}\n\nevent: delta\ndata: {"text":"Half an ans"}\n\n`);
      } else if (url === "/api/v1/models") {
        const data = Array.from({ length: modelCount }, (_, i) => ({ id: i ? `model-${i}` : "auto", object: "model", owned_by: "stub" }));
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data }));
      } else if (url === "/api/v1/feedback") {
        res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ request_id: REQUEST_ID, model: "model-1" }));
      } else {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "stub: no such route" } }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen = [];
  modelCount = 3;
});

const mc = (args: string[], env: Record<string, string> = {}) =>
  run("node", [BIN, ...args], { env: { ...process.env, MC_API_URL: base, MC_API_KEY: "mc_stub", ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );

/** A usage error: exit 2, a one-line reason, the command's usage, no stack trace, no request sent. */
function expectUsageError(r: { code: number; stderr: string }, reason: RegExp, usage: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(reason);
  expect(r.stderr).toMatch(usage);
  expect(r.stderr).not.toMatch(/ERR_PARSE_ARGS|\n\s+at /);
  expect(seen).toEqual([]);
}

describe("mc: bad arguments are usage errors (exit 2) that name the fault and show the usage", () => {
  it("an unknown option, for every command", async () => {
    expectUsageError(await mc(["delegate", "--foo", "x"]), /^mc delegate: unknown option --foo\n/, /Usage: mc delegate <task…>/);
    for (const cmd of ["pipelines", "run", "run-status", "spend", "models", "rate"]) {
      expectUsageError(await mc([cmd, "--foo"]), new RegExp(`^mc ${cmd}: unknown option --foo\\n`), new RegExp(`Usage: mc ${cmd}\\b`));
    }
    expectUsageError(await mc(["--foo", "x", "models"]), /^mc: unknown option --foo\n/, /mc --help/);
  });

  it("an option of another command is refused, not ignored", async () => {
    expectUsageError(await mc(["models", "--days", "7"]), /unknown option --days \(it belongs to mc spend\)/, /Usage: mc models \[--json\]/);
    expectUsageError(await mc(["spend", "--model", "x"]), /unknown option --model \(it belongs to mc delegate\)/, /Usage: mc spend/);
  });

  it("a missing option value, a value given to a switch, text that starts with a dash", async () => {
    expectUsageError(await mc(["delegate", "hi", "--model"]), /--model needs a value/, /Usage: mc delegate/);
    expectUsageError(await mc(["delegate", "--json=yes", "hi"]), /--json is a switch/, /Usage: mc delegate/);
    expectUsageError(await mc(["delegate", "what", "is", "-5", "squared"]), /unknown option -5 .*goes after --/, /Usage: mc delegate/);
  });

  it("missing or surplus arguments", async () => {
    expectUsageError(await mc(["delegate"]), /give the task/, /Usage: mc delegate/);
    expectUsageError(await mc(["run", REQUEST_ID]), /give the run an input/, /Usage: mc run </);
    expectUsageError(await mc(["run-status"]), /give the run's id/, /Usage: mc run-status/);
    expectUsageError(await mc(["models", "extra"]), /unexpected argument "extra"/, /Usage: mc models/);
    expectUsageError(await mc(["rate", REQUEST_ID, "5", "great"]), /unexpected argument "great"/, /Usage: mc rate/);
  });

  it("invalid values: --days, --max-cost, --url", async () => {
    for (const days of ["0", "367", "1.5", "abc"]) expectUsageError(await mc(["spend", "--days", days]), /--days must be a whole number from 1 to 366/, /Usage: mc spend/);
    expectUsageError(await mc(["delegate", "hi", "--max-cost", "abc"]), /--max-cost must be a number of dollars/, /Usage: mc delegate/);
    const url = await mc(["models", "--url", "ftp://example.com"]);
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/--url .* must be the app's http\(s\) address/);
  });

  it("unknown commands", async () => {
    expectUsageError(await mc(["frobnicate"]), /unknown command "frobnicate"/, /mc --help/);
  });
});

describe("mc rate", () => {
  it("refuses a rating the API does not take, locally, saying what it takes", async () => {
    for (const rating of ["6", "0", "4.5", "meh"]) {
      expectUsageError(await mc(["rate", REQUEST_ID, rating]), new RegExp(`rating must be up, down or a whole number of stars from 1 to 5; got "${rating}"`), /Usage: mc rate/);
    }
    expectUsageError(await mc(["rate", "not-an-id", "5"]), /request-id must be the id of an earlier call/, /Usage: mc rate/);
  });

  it("sends stars as a number and thumbs as up/down", async () => {
    const stars = await mc(["rate", REQUEST_ID, "4", "--comment", "good"]);
    expect(stars.code).toBe(0);
    expect(stars.stdout).toMatch(/Rated .*: 4 stars/);
    expect((await mc(["rate", REQUEST_ID, "down"])).code).toBe(0);
    expect(seen.map((s) => s.body)).toEqual([
      { request_id: REQUEST_ID, rating: 4, comment: "good" },
      { request_id: REQUEST_ID, rating: "down" },
    ]);
  });
});

describe("mc output", () => {
  it("models --json prints the models as JSON", async () => {
    const r = await mc(["models", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((m: { id: string }) => m.id)).toEqual(["auto", "model-1", "model-2"]);
  });

  it("stops quietly when stdout is closed (mc models | head -3)", async () => {
    modelCount = 20_000;
    const child = spawn("node", [BIN, "models"], { env: { ...process.env, MC_API_URL: base, MC_API_KEY: "mc_stub" }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy(); // the reader is gone before the first line
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("says so when --url answers with something other than the API's JSON", async () => {
    const r = await mc(["models"], { MC_API_URL: `${base}/html` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/did not answer \/html\/api\/v1\/models with JSON/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("fails when a streamed answer ends before it is done", async () => {
    const r = await mc(["delegate", "hi"], { MC_API_URL: `${base}/cut` });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("Half an ans\n");
    expect(r.stderr).toMatch(/ended before the answer finished/);
  });

  it("--help on a command shows that command's usage", async () => {
    const r = await mc(["rate", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: mc rate <request-id> <up\|down\|1-5>/);
    expect(seen).toEqual([]);
  });
});

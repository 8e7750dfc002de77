import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mc-seed-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// The seed itself is tested on both drivers (seed.db.test.ts); this is the command around it, on a fresh PGlite folder of its own.
describe.skipIf(process.env.DATABASE_URL)("npm run db:seed (a fresh PGlite folder)", () => {
  const seed = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, MC_DATA_DIR: path.join(dir, "pglite"), MOCK_FLEET_URL: "http://127.0.0.1:4999" };
    delete env.DATABASE_URL;
    return run("npx", ["tsx", "db/seed-cli.ts"], { cwd: path.resolve(__dirname, ".."), env });
  };

  it("writes the demo organisation once and prints the sign-ins; a second run finds it and writes nothing", async () => {
    const first = await seed();
    expect(first.stdout).toMatch(/Demo data created \(\d+ labelled demo requests\)/);
    expect(first.stdout).toContain("owner   owner@demo.local  /  owner-demo-pass");
    const second = await seed();
    expect(second.stdout).toContain("Demo data present.");
    expect(second.stdout).not.toContain("Demo data created");
  }, 120_000);
});

/**
 * A second app process for the multi-process budget tests: runs `count` delegate calls with
 * `concurrency` in flight against the database in DATABASE_URL (the parent's), then prints one
 * JSON line with what happened. With `--crash-after-lease` it takes a lease and dies without
 * returning it, as a crashed process would.
 *
 *   npx tsx lib/budgets/testing/child.ts <teamId> <count> <concurrency> <task> <model> <maxOutputTokens>
 */
import { openDb, setDbHandle } from "@/db";
import { delegate } from "@/lib/execution/delegate";
import { DelegateError } from "@/lib/execution/errors";
import { reserve, returnLeases } from "@/lib/budgets";

async function main() {
  const [teamId, count, concurrency, task, model, maxOut, mode] = process.argv.slice(2);
  const handle = openDb({ url: process.env.DATABASE_URL, migrate: false });
  setDbHandle(handle);
  const db = handle.db;
  if (mode === "--crash-after-lease") {
    await reserve(db, { teamId }, Number(maxOut));
    process.stdout.write(JSON.stringify({ leased: true }) + "\n");
    process.kill(process.pid, "SIGKILL");
    return;
  }
  let ok = 0;
  let refused = 0;
  let other = 0;
  let next = 0;
  const n = Number(count);
  const worker = async () => {
    while (next < n) {
      next++;
      try {
        await delegate(db, { teamId, source: "api", task, model, maxOutputTokens: Number(maxOut) });
        ok++;
      } catch (e) {
        if (e instanceof DelegateError && e.status === 402) refused++;
        else {
          other++;
          console.error(e);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  await returnLeases(db);
  process.stdout.write(JSON.stringify({ ok, refused, other }) + "\n");
  await handle.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

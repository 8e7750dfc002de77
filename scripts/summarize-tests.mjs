// Adds up the JSON reports of Vitest and Playwright into one closing line.
import fs from "node:fs";
import path from "node:path";

const [dir, driver] = process.argv.slice(2);
const read = (f) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  } catch {
    return null;
  }
};
let passed = 0, failed = 0, skipped = 0;
const parts = [];
for (const f of ["unit.json", "db.json"]) {
  const r = read(f);
  if (!r) { parts.push(`${f}: missing`); failed += 1; continue; }
  // A file that failed to load has no failed tests of its own: count it once, as one failure.
  const brokenFiles = r.numFailedTests === 0 ? (r.numFailedTestSuites ?? 0) : 0;
  passed += r.numPassedTests; failed += r.numFailedTests + brokenFiles; skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  parts.push(`${f.replace(".json", "")} ${r.numPassedTests}/${r.numTotalTests}`);
}
const e = read("e2e.json");
if (!e) { parts.push("e2e: missing"); failed += 1; }
else {
  const s = e.stats;
  passed += s.expected + s.flaky; failed += s.unexpected; skipped += s.skipped;
  parts.push(`e2e ${s.expected + s.flaky}/${s.expected + s.flaky + s.unexpected + s.skipped}`);
}
console.log(`\nSuite on ${driver}: ${parts.join(", ")}`);
console.log(`Total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);

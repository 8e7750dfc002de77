#!/usr/bin/env bash
# The whole test suite: types, unit tests, database tests, a production build and the Playwright
# journeys. With DATABASE_URL set, database and browser tests run on that Postgres database, which
# is wiped first: point it at a throwaway database whose name contains "test".
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
reports=".data/test-reports"
rm -rf "$reports" && mkdir -p "$reports"
driver=$([ -n "${DATABASE_URL:-}" ] && echo postgres || echo pglite)
status=0
step() { echo; echo "=== $1 ($driver) ==="; }

step "typecheck"
npx tsc --noEmit -p . || status=1

step "unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$reports/unit.json" || status=1

step "database tests"
npx vitest run --project db --no-file-parallelism --reporter=default --reporter=json --outputFile.json="$reports/db.json" || status=1

step "production build"
if npx next build > "$reports/build.log" 2>&1; then
  tail -n 3 "$reports/build.log"
  step "browser tests (Playwright, Chromium)"
  [ -n "${DATABASE_URL:-}" ] && npx tsx scripts/reset-test-db.ts
  PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/e2e.json" npx playwright test --reporter=list,json || status=1
else
  cat "$reports/build.log"; echo "build failed"; status=1
fi

node scripts/summarize-tests.mjs "$reports" "$driver" || status=1
exit $status

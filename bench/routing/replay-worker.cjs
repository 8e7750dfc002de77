// Worker entry for bench/routing.ts: a worker thread does not inherit tsx's hooks, so register
// them here and then load the TypeScript worker.
require("tsx/cjs");
require("./replay-worker.ts");

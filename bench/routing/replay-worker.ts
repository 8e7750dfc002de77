/** One worker of bench/routing.ts: runs the replay for its share of the knobs and posts the result. */
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { parseReplayFile, runReplay, type ReplayOptions } from "@/lib/routing/replay";

const { trainPath, testPath, opts } = workerData as { trainPath: string; testPath: string; opts: ReplayOptions };
const train = parseReplayFile(readFileSync(trainPath, "utf8"), trainPath);
const test = parseReplayFile(readFileSync(testPath, "utf8"), testPath);
parentPort!.postMessage(runReplay(train, test, opts));

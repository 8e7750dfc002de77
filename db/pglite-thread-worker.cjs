// The embedded database's own thread (see db/pglite-thread.ts): owns the PGlite instance and runs
// what the main thread sends. Plain CommonJS so that Node loads it as is, under tsx and in Next.
const { parentPort, workerData } = require("node:worker_threads");
const { PGlite } = require("@electric-sql/pglite");

const pg = new PGlite(workerData.dataDir);
const txs = new Map(); // tx id → { t: PGlite transaction, done(), fail(err) }
const ROLLBACK = Symbol("rollback");

const identity = (v) => v;
function optionsOf(m) {
  const o = {};
  if (m.rowMode) o.rowMode = m.rowMode;
  if (m.rawTypes) o.parsers = Object.fromEntries(m.rawTypes.map((t) => [t, identity]));
  return o;
}

// Only plain values cross threads: an error's own props that are strings, numbers or booleans.
function errorOf(e) {
  const out = { message: String(e?.message ?? e), name: e?.name ?? "Error" };
  if (e && typeof e === "object") {
    for (const [k, v] of Object.entries(e)) if (["string", "number", "boolean"].includes(typeof v)) out[k] = v;
  }
  return out;
}

const reply = (id, result) => parentPort.postMessage({ id, result });
const fail = (id, e) => parentPort.postMessage({ id, error: errorOf(e) });
const target = (m) => {
  if (m.tx === undefined) return pg;
  const x = txs.get(m.tx);
  if (!x) throw new Error(`Transaction ${m.tx} is not open.`);
  return x.t;
};

parentPort.on("message", (m) => {
  try {
    switch (m.op) {
      case "ready":
        pg.waitReady.then(() => reply(m.id, null), (e) => fail(m.id, e));
        return;
      case "query":
        target(m).query(m.sql, m.params, optionsOf(m)).then((r) => reply(m.id, { rows: r.rows, fields: r.fields, affectedRows: r.affectedRows }), (e) => fail(m.id, e));
        return;
      case "exec":
        target(m)
          .exec(m.sql)
          .then((rs) => reply(m.id, rs.map((r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows }))), (e) => fail(m.id, e));
        return;
      case "begin": {
        // The transaction stays open (and PGlite's lock held) until "commit" or "rollback" arrives.
        let endId = null;
        pg.transaction(
          (t) =>
            new Promise((done, failTx) => {
              txs.set(m.tx, { t, done, fail: failTx, setEnd: (id) => (endId = id) });
              reply(m.id, null);
            }),
        ).then(
          () => endId !== null && reply(endId, null),
          (e) => {
            if (endId === null) fail(m.id, e);
            else if (e === ROLLBACK) reply(endId, null);
            else fail(endId, e);
          },
        );
        return;
      }
      case "commit":
      case "rollback": {
        const x = txs.get(m.tx);
        if (!x) throw new Error(`Transaction ${m.tx} is not open.`);
        txs.delete(m.tx);
        x.setEnd(m.id);
        if (m.op === "commit") x.done();
        else x.fail(ROLLBACK);
        return;
      }
      case "close":
        pg.close().then(() => reply(m.id, null), (e) => fail(m.id, e));
        return;
      default:
        throw new Error(`Unknown operation ${m.op}`);
    }
  } catch (e) {
    fail(m.id, e);
  }
});

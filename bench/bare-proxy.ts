/**
 * The floor of any gateway in its own process: node:http in, the body forwarded unchanged to the
 * mock fleet over a keep-alive undici pool, the answer piped back. No auth, no parsing, no
 * database — one extra loopback HTTP hop and nothing else. bench/gateway.ts measures it beside
 * the real gateways so their "added" latency can be read against what the hop alone costs here.
 * Env: UPSTREAM (origin of the fleet, required), PORT (0 = any). Prints {"port":…} when ready.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

const upstream = process.env.UPSTREAM;
if (!upstream) throw new Error("UPSTREAM is required");
const pool = new Pool(upstream, { connections: 256, keepAliveTimeout: 60_000 });

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    pool
      .request({ path: req.url ?? "/", method: (req.method ?? "GET") as "POST", headers: { "content-type": "application/json", authorization: req.headers.authorization ?? "" }, body: Buffer.concat(chunks) })
      .then(async (r) => {
        const body = Buffer.from(await r.body.arrayBuffer());
        res.writeHead(r.statusCode, { "content-type": String(r.headers["content-type"] ?? "application/json"), "content-length": body.length });
        res.end(body);
      })
      .catch((e: Error) => {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: e.message } }));
      });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on("SIGTERM", () => server.close(() => process.exit(0)));

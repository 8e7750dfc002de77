import type { IncomingMessage, ServerResponse } from "node:http";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Entry of the /api/v1 data plane (called by server.ts for every /api/v1/* request). */
export function handleApiV1(req: IncomingMessage, res: ServerResponse) {
  sendJson(res, 404, { error: { type: "not_found", message: `No API route ${req.method} ${req.url?.split("?")[0]}.`, param: null } });
}

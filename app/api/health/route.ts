import { sql } from "drizzle-orm";
import { getDbHandle } from "@/db";
import pkg from "@/package.json";

export const dynamic = "force-dynamic";

export async function GET() {
  let kind: "pglite" | "postgres" | "unknown" = "unknown";
  try {
    const h = getDbHandle();
    kind = h.kind;
    await h.ready;
    await Promise.race([h.db.execute(sql`select 1`), new Promise((_, rej) => setTimeout(() => rej(new Error("no answer within 3 s")), 3000))]);
    return Response.json({ status: "ok", database: kind, version: pkg.version });
  } catch (e) {
    return Response.json({ status: "error", database: kind, version: pkg.version, error: `database unavailable: ${(e as Error).message}` }, { status: 503 });
  }
}

import { z } from "zod";
import { getDb } from "@/db";
import { currentUserId, teamContext } from "@/lib/auth/session";
import { hasScope } from "@/lib/auth/scopes";
import { callerCostMicros, delegateStream } from "@/lib/execution/delegate";
import { DelegateError } from "@/lib/execution/errors";

export const dynamic = "force-dynamic";

const bodySchema = z.object({
  task: z
    .string()
    .trim()
    .min(1, "Type a task first.")
    .max(400_000, "The task is too long (400,000 characters at most).")
    // Postgres text cannot hold U+0000: refuse it before the provider is paid and the row fails to save.
    .refine((t) => !t.includes("\u0000"), "The task contains a NUL character (\\u0000); remove it."),
  model: z.string().min(1).refine((m) => !m.includes("\u0000"), "Choose a model from the list.").default("auto"),
  private: z.boolean().optional(),
  maxOutputTokens: z.number().int().min(16).max(32_000).optional(),
});

const json = (status: number, message: string) => Response.json({ error: { message } }, { status });

/** The playground's streaming run: the signed-in member's session, then delegate(), as server-sent events. */
export async function POST(req: Request, { params }: { params: Promise<{ team: string }> }) {
  const userId = await currentUserId();
  if (!userId) return json(401, "Your session has ended. Sign in again.");
  const db = await getDb();
  const ctx = await teamContext(db, userId, { slug: (await params).team });
  if (!ctx) return json(404, "No such team.");
  if (!hasScope(ctx.role, "requests:write")) return json(403, `Your role (${ctx.role}) cannot run tasks.`);
  let body;
  try {
    body = bodySchema.parse(await req.json());
  } catch (e) {
    return json(400, e instanceof z.ZodError ? e.issues[0].message : "The request body must be JSON.");
  }

  const enc = new TextEncoder();
  const stream = new ReadableStream({
    async start(controller) {
      const send = (event: string, data: unknown) => {
        try {
          controller.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          // The browser went away; delegate() sees req.signal and stops.
        }
      };
      try {
        for await (const ev of delegateStream(db, {
          teamId: ctx.team.id,
          userId,
          source: "playground",
          task: body.task,
          model: body.model,
          contextTags: body.private ? ["private"] : undefined,
          maxOutputTokens: body.maxOutputTokens,
          signal: req.signal,
        })) {
          if (ev.type === "start") send("start", { requestId: ev.requestId, model: ev.model, reason: ev.reason, confidence: ev.confidence, fallbacks: ev.fallbacks, domain: ev.profile.domain });
          else if (ev.type === "delta") send("delta", { text: ev.text });
          else if (ev.type === "fallback") send("fallback", ev);
          else {
            const r = ev.result;
            send("done", { requestId: r.requestId, model: r.model, reason: r.reason, usage: r.usage, costMicros: callerCostMicros(r), latencyMs: r.latencyMs, fallbacksTried: r.fallbacksTried });
          }
        }
      } catch (e) {
        if (e instanceof DelegateError) send("error", { status: e.status, type: e.type, message: e.message, requestId: e.requestId });
        else {
          console.error("[playground]", e);
          send("error", { status: 500, type: "internal", message: "The run failed on our side; it was not charged. Try again." });
        }
      } finally {
        try {
          controller.close();
        } catch {}
      }
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" } });
}

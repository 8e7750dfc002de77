"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { rateRequestAction } from "@/lib/ratings/actions";
import { useHasScope, useTeam } from "@/components/shell/team-context";
import { ThumbIcon } from "@/components/ui/icons";

type Current = { kind: "thumbs" | "stars"; value: number; comment?: string | null } | null;

/** Thumbs, 1–5 stars and an optional comment for one result; the router learns from them. */
export function RatingControls({ requestId, current }: { requestId: string; current?: Current }) {
  const team = useTeam();
  const canRate = useHasScope("ratings:write");
  const router = useRouter();
  const [rating, setRating] = useState<Current>(current ?? null);
  const [comment, setComment] = useState(current?.comment ?? "");
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  if (!canRate) return null;
  const send = (kind: "thumbs" | "stars", value: number) =>
    start(async () => {
      const res = await rateRequestAction({ teamId: team.id, requestId, kind, value, comment: comment || undefined });
      if (res.ok) {
        setRating({ kind, value, comment });
        setError(null);
        router.refresh();
      } else setError(res.error);
    });
  const on = (kind: string, value: number) => rating?.kind === kind && rating.value === value;
  const btn = (active: boolean) => `rounded px-1.5 py-0.5 text-sm ${active ? "bg-indigo-100 dark:bg-indigo-900" : "hover:bg-zinc-100 dark:hover:bg-zinc-800"}`;
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm" data-testid={`rating-${requestId}`}>
      <span className="text-xs text-zinc-500">Rate:</span>
      <button type="button" aria-label="Thumbs up" aria-pressed={on("thumbs", 1)} disabled={pending} className={btn(on("thumbs", 1))} onClick={() => send("thumbs", 1)}>
        <ThumbIcon />
      </button>
      <button type="button" aria-label="Thumbs down" aria-pressed={on("thumbs", 0)} disabled={pending} className={btn(on("thumbs", 0))} onClick={() => send("thumbs", 0)}>
        <ThumbIcon down />
      </button>
      <span className="mx-1 text-zinc-300">|</span>
      {[1, 2, 3, 4, 5].map((n) => (
        <button
          key={n}
          type="button"
          aria-label={`${n} star${n > 1 ? "s" : ""}`}
          aria-pressed={on("stars", n)}
          disabled={pending}
          className={`${btn(false)} ${rating?.kind === "stars" && rating.value >= n ? "text-amber-500" : "text-zinc-400"}`}
          onClick={() => send("stars", n)}
        >
          ★
        </button>
      ))}
      <input
        aria-label="Comment"
        placeholder="Comment (optional)"
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        className="w-48 rounded border border-zinc-300 bg-white px-2 py-0.5 text-xs dark:border-zinc-700 dark:bg-zinc-950"
      />
      {rating && <span className="text-xs text-emerald-600" role="status">Rated — thanks</span>}
      {error && (
        <span className="text-xs text-red-600" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

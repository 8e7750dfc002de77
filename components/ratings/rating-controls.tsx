"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { rateRequestAction } from "@/lib/ratings/actions";
import { useHasScope, useTeam } from "@/components/shell/team-context";
import { ThumbIcon } from "@/components/ui/icons";

export type CurrentRating = { kind: "thumbs" | "stars"; value: number; comment?: string | null } | null;

const sameRating = (a: CurrentRating, b: CurrentRating) => a === b || (!!a && !!b && a.kind === b.kind && a.value === b.value && (a.comment ?? "") === (b.comment ?? ""));

/**
 * Thumbs, 1–5 stars and an optional comment for one result; the router learns from them.
 * `current` is the viewer's saved rating as the server last rendered it: when it changes (the same
 * result rated through other controls on the page, then refreshed), these controls show it.
 */
export function RatingControls({ requestId, current = null }: { requestId: string; current?: CurrentRating }) {
  const team = useTeam();
  const canRate = useHasScope("ratings:write");
  const router = useRouter();
  const [rating, setRating] = useState<CurrentRating>(current);
  const [comment, setComment] = useState(current?.comment ?? "");
  const [shown, setShown] = useState<CurrentRating>(current);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  if (!sameRating(shown, current)) {
    setShown(current);
    setRating(current);
    setComment(current?.comment ?? "");
  }
  if (!canRate) return null;
  const send = (kind: "thumbs" | "stars", value: number) =>
    start(async () => {
      const text = comment.trim();
      const res = await rateRequestAction({ teamId: team.id, requestId, kind, value, comment: text || undefined });
      if (res.ok) {
        setRating({ kind, value, comment: text });
        setError(null);
        router.refresh();
      } else setError(res.error);
    });
  // A comment typed after rating is saved with the rating as it stands, never dropped unsaved.
  const commentUnsaved = !!rating && comment.trim() !== (rating.comment ?? "");
  const saveComment = () => rating && send(rating.kind, rating.value);
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
        onKeyDown={(e) => {
          if (e.key === "Enter" && commentUnsaved && !pending) saveComment();
        }}
        className="w-48 rounded border border-zinc-300 bg-white px-2 py-0.5 text-xs dark:border-zinc-700 dark:bg-zinc-950"
      />
      {commentUnsaved && (
        <button type="button" disabled={pending} onClick={saveComment} className="rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800">
          Save comment
        </button>
      )}
      {rating && !error && !commentUnsaved && (
        <span className="text-xs text-emerald-600" role="status">
          Rated — thanks
        </span>
      )}
      {error && (
        <span className="text-xs text-red-600" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

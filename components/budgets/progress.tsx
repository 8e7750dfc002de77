import { formatUsd } from "@/lib/format";

/** Spent (solid) and set aside for calls in progress (striped) against the limit. */
export function BudgetProgress({ spent, reserved, limit, label }: { spent: number; reserved: number; limit: number; label: string }) {
  const pct = (x: number) => Math.min(100, (x / Math.max(1, limit)) * 100);
  const used = pct(spent);
  const held = Math.min(100 - used, pct(reserved));
  return (
    <div>
      <div className="flex justify-between text-sm">
        <span data-testid="budget-spent">
          {formatUsd(spent)} of {formatUsd(limit)}
        </span>
        <span className="text-zinc-500">{used.toFixed(0)} %</span>
      </div>
      <div className="mt-1 flex h-2 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800" role="progressbar" aria-label={label} aria-valuenow={Math.round(used)} aria-valuemin={0} aria-valuemax={100}>
        <div className={used >= 100 ? "bg-red-600" : used >= 80 ? "bg-amber-500" : "bg-indigo-600"} style={{ width: `${used}%` }} />
        {held > 0 && <div className="bg-indigo-300" style={{ width: `${held}%` }} title={`${formatUsd(reserved)} set aside for calls in progress (each server keeps what it set aside for a few seconds after its calls end)`} />}
      </div>
    </div>
  );
}

import Link from "next/link";
import { formatUsd } from "@/lib/format";
import { formatInZone } from "@/lib/zone";
import { StatusBadge } from "./status";

type Row = { id: string; pipelineName: string; status: "queued" | "running" | "succeeded" | "failed" | "cancelled"; input: string; costMicros: number; createdAt: Date; queuedReason?: string | null };

export function RunsTable({ runs, base, timeZone }: { runs: Row[]; base: string; timeZone: string }) {
  if (!runs.length) return <p className="text-sm text-zinc-500">No runs yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="runs-table">
        <thead className="text-xs text-zinc-500">
          <tr>
            <th className="py-1 pr-3">Started ({timeZone})</th>
            <th className="pr-3">Pipeline</th>
            <th className="pr-3">Input</th>
            <th className="pr-3">Status</th>
            <th className="text-right">Cost</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} className="border-t border-zinc-100 dark:border-zinc-800">
              <td className="whitespace-nowrap py-1.5 pr-3">
                <Link href={`${base}/runs/${r.id}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
                  {formatInZone(r.createdAt, timeZone, true)}
                </Link>
              </td>
              <td className="pr-3">{r.pipelineName}</td>
              <td className="max-w-48 truncate pr-3 text-zinc-500 sm:max-w-xs">{r.input}</td>
              <td className="pr-3">
                <StatusBadge status={r.status} />
                {r.queuedReason && (
                  <div className="mt-0.5 max-w-xs text-xs text-zinc-500" data-testid="run-queued-reason">
                    {r.queuedReason}
                  </div>
                )}
              </td>
              <td className="text-right tabular-nums">{formatUsd(r.costMicros)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

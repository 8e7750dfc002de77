import Link from "next/link";
import { formatUsd } from "@/lib/format";
import { StatusBadge } from "./status";

type Row = { id: string; pipelineName: string; status: "queued" | "running" | "succeeded" | "failed" | "cancelled"; input: string; costMicros: number; createdAt: Date };

export function RunsTable({ runs, base }: { runs: Row[]; base: string }) {
  if (!runs.length) return <p className="text-sm text-zinc-500">No runs yet.</p>;
  return (
    <table className="w-full text-left text-sm" data-testid="runs-table">
      <thead className="text-xs text-zinc-500">
        <tr>
          <th className="py-1">Started</th>
          <th>Pipeline</th>
          <th>Input</th>
          <th>Status</th>
          <th className="text-right">Cost</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} className="border-t border-zinc-100 dark:border-zinc-800">
            <td className="py-1.5">
              <Link href={`${base}/runs/${r.id}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
                {r.createdAt.toISOString().replace("T", " ").slice(0, 19)}
              </Link>
            </td>
            <td>{r.pipelineName}</td>
            <td className="max-w-xs truncate text-zinc-500">{r.input}</td>
            <td>
              <StatusBadge status={r.status} />
            </td>
            <td className="text-right tabular-nums">{formatUsd(r.costMicros)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

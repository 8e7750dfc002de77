import { Badge } from "@/components/ui/empty-state";

const tones = {
  queued: "zinc",
  pending: "zinc",
  running: "indigo",
  succeeded: "green",
  failed: "red",
  cancelled: "amber",
  skipped: "zinc",
} as const;

export function StatusBadge({ status }: { status: keyof typeof tones }) {
  return <Badge tone={tones[status]}>{status}</Badge>;
}

/** Micro-dollars as dollars with enough digits for tiny amounts. */
export function usd(micros: number): string {
  if (micros === 0) return "$0";
  const d = micros / 1e6;
  return Math.abs(d) < 0.01 ? `$${d.toFixed(6)}` : `$${d.toFixed(4)}`;
}

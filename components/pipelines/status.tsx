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


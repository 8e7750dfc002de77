"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { useHasScope, useTeam } from "@/components/shell/team-context";
import { Button } from "@/components/ui/button";
import { archivePipelineAction } from "@/lib/pipelines/actions";

/** Archives the pipeline (its runs stay viewable) and goes back to the list. Hidden from roles that cannot edit pipelines. */
export function DeletePipelineButton({ pipelineId, name }: { pipelineId: string; name: string }) {
  const team = useTeam();
  const canWrite = useHasScope("pipelines:write");
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  if (!canWrite) return null;
  return (
    <div className="flex flex-col items-end gap-1">
      <Button
        variant="danger"
        type="button"
        disabled={pending}
        onClick={() =>
          confirm(`Delete the pipeline "${name}"? It can no longer be run; its past runs stay viewable.`) &&
          start(async () => {
            const res = await archivePipelineAction({ teamId: team.id, pipelineId });
            if (!res.ok) return setError(res.error);
            router.push(`/t/${team.slug}/pipelines`);
          })
        }
      >
        {pending ? "Deleting…" : "Delete pipeline"}
      </Button>
      {error && (
        <p className="text-sm text-red-700" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

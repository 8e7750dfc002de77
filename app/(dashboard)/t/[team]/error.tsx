"use client";

import { Button } from "@/components/ui/button";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="mx-auto max-w-lg rounded-lg border border-red-200 bg-red-50 p-6 dark:border-red-900 dark:bg-red-950" role="alert">
      <h2 className="font-semibold text-red-800 dark:text-red-300">This page could not be loaded</h2>
      <p className="mt-1 text-sm text-red-700 dark:text-red-300">
        Something failed on our side{error.digest ? ` (reference ${error.digest})` : ""}. Nothing you entered was lost. Try again, and if it keeps
        failing check /api/health.
      </p>
      <Button className="mt-4" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}

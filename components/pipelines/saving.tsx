import type { ReactNode } from "react";
import { formatUsd } from "@/lib/format";

type Saving = { savingMicros: number; savingPct: number };

/**
 * Instruction synthesis against the strong model alone: green with "saved $x (y%)" when it was
 * cheaper, amber with "cost $x more" when it was not. Shared by the playground's panel and the run view.
 */
export function SavingBox({ saving, className = "", children }: { saving: Saving; className?: string; children: ReactNode }) {
  const saved = saving.savingMicros >= 0;
  const tone = saved ? "bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200" : "bg-amber-50 text-amber-900 dark:bg-amber-950 dark:text-amber-200";
  return (
    <div className={`rounded p-2 ${tone} ${className}`} data-testid="synthesis-saving" data-saving={saved ? "saved" : "cost-more"}>
      {children}
    </div>
  );
}

/** "saved $0.0012 (40%)" or "cost $0.0017 more"; `capital` starts it with a capital letter. */
export function savingWords({ savingMicros, savingPct }: Saving, capital = false): string {
  const words = savingMicros >= 0 ? `saved ${formatUsd(savingMicros)} (${savingPct}%)` : `cost ${formatUsd(-savingMicros)} more`;
  return capital ? words[0].toUpperCase() + words.slice(1) : words;
}

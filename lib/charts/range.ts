import type { Dimension } from "@/lib/usage/queries";

export const RANGES = [7, 30, 90] as const;
export const DIMENSIONS: { value: Dimension; label: string }[] = [
  { value: "model", label: "Model" },
  { value: "user", label: "Member" },
  { value: "key", label: "API key" },
  { value: "team", label: "Team (yours)" },
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The costs page's range and grouping from its search params: `days` (7, 30, 90) or an explicit
 * `from`/`to` (at most 366 days, swapped if reversed), and `by`. Anything unusable falls back to 30 days by model.
 */
export function parseCostsQuery(q: Record<string, string | string[] | undefined>, today: string) {
  const one = (k: string) => (Array.isArray(q[k]) ? q[k]![0] : (q[k] as string | undefined));
  const by = (DIMENSIONS.find((d) => d.value === one("by"))?.value ?? "model") as Dimension;
  let from = one("from");
  let to = one("to");
  if (from && to && DAY.test(from) && DAY.test(to) && !Number.isNaN(Date.parse(from)) && !Number.isNaN(Date.parse(to))) {
    if (from > to) [from, to] = [to, from];
    const span = (Date.parse(to) - Date.parse(from)) / 86_400_000;
    if (span > 365) from = new Date(Date.parse(to) - 365 * 86_400_000).toISOString().slice(0, 10);
    return { from, to, days: null as number | null, by };
  }
  const days = RANGES.find((r) => String(r) === one("days")) ?? 30;
  return { from: new Date(Date.parse(today) - (days - 1) * 86_400_000).toISOString().slice(0, 10), to: today, days, by };
}

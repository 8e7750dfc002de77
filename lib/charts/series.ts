/** Pure data preparation for the cost charts: micro-dollars → dollars, top-N + "Others", gaps filled. */

export type DimRow = { day: string; key: string; costMicros: number; requests?: number };
export type StackedPoint = { day: string } & Record<string, number | string>;
export type Stacked = { data: StackedPoint[]; keys: string[]; totalMicros: number };

const DAY_MS = 86_400_000;
export const OTHERS = "Others";

/** Every `YYYY-MM-DD` from `from` to `to`, inclusive (calendar days: the team's, as the rollup stores them). */
export function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export const microsToDollars = (m: number) => Math.round(m) / 1_000_000;

/**
 * One point per day with one numeric field (dollars) per series. The `topN` series by total spend
 * keep their names; the rest are summed into "Others". Days without spend are present with zeros,
 * so stacked bars and areas do not skip days.
 */
export function stackByDay(rows: DimRow[], opts: { from: string; to: string; topN?: number }): Stacked {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.key, (totals.get(r.key) ?? 0) + r.costMicros);
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
  const topN = opts.topN ?? 6;
  const keep = new Set(ranked.length > topN ? ranked.slice(0, topN - 1) : ranked);
  const keys = ranked.filter((k) => keep.has(k));
  if (ranked.length > keep.size) keys.push(OTHERS);
  const byDay = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const k = keep.has(r.key) ? r.key : OTHERS;
    const m = byDay.get(r.day) ?? new Map<string, number>();
    m.set(k, (m.get(k) ?? 0) + r.costMicros);
    byDay.set(r.day, m);
  }
  const data = dayRange(opts.from, opts.to).map((day) => {
    const p: StackedPoint = { day };
    for (const k of keys) p[k] = microsToDollars(byDay.get(day)?.get(k) ?? 0);
    return p;
  });
  return { data, keys, totalMicros: [...totals.values()].reduce((s, v) => s + v, 0) };
}

/** Per-series totals for the table under a chart, largest first. */
export function totalsByKey(rows: DimRow[]): { key: string; costMicros: number; requests: number }[] {
  const m = new Map<string, { key: string; costMicros: number; requests: number }>();
  for (const r of rows) {
    const t = m.get(r.key) ?? { key: r.key, costMicros: 0, requests: 0 };
    t.costMicros += r.costMicros;
    t.requests += r.requests ?? 0;
    m.set(r.key, t);
  }
  return [...m.values()].sort((a, b) => b.costMicros - a.costMicros || (a.key < b.key ? -1 : 1));
}

/** RFC 4180 CSV: fields with commas, quotes or line breaks are quoted; formulas are defused. */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null) => {
    let s = v === null ? "" : String(v);
    if (/^[=+\-@]/.test(s) && typeof v === "string") s = `'${s}`; // spreadsheet formula injection
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

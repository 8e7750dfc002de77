/** Micro-dollars → "$1.23"; amounts under a cent keep enough digits to not read as zero. */
export function formatUsd(micros: number): string {
  const dollars = micros / 1_000_000;
  if (micros !== 0 && Math.abs(dollars) < 0.01) return `$${dollars.toFixed(4)}`;
  return dollars.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function formatInt(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** Micro-dollars → "$1.23"; amounts under a cent keep enough digits to not read as zero. */
export function formatUsd(micros: number): string {
  const dollars = micros / 1_000_000;
  // Below a cent, two significant digits: $0.0015, $0.000037 (four fixed decimals read $0.0000),
  // written out in full (toPrecision would write 1.0e-7).
  if (micros !== 0 && Math.abs(dollars) < 0.01) {
    const d = Math.abs(dollars);
    return `${dollars < 0 ? "-" : ""}$${d.toFixed(Math.min(12, 1 - Math.floor(Math.log10(d))))}`;
  }
  return dollars.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/**
 * Two amounts for one sentence that compares them ("cost $0.00272, over its cap of $0.00270"):
 * as formatUsd writes them, or with as many more decimals as it takes for different amounts not to read alike.
 */
export function formatUsdApart(a: number, b: number): [string, string] {
  const plain: [string, string] = [formatUsd(a), formatUsd(b)];
  if (plain[0] !== plain[1] || a === b) return plain;
  const fixed = (micros: number, digits: number) =>
    (micros / 1_000_000).toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: digits, maximumFractionDigits: digits });
  for (let digits = 3; digits <= 12; digits++) {
    const pair: [string, string] = [fixed(a, digits), fixed(b, digits)];
    if (pair[0] !== pair[1]) return pair;
  }
  return plain;
}

/**
 * Dollars on a chart's axis: as many decimals as the tick needs (up to four, at least two once
 * there are cents), so that a tick at $0.015 does not read "$0.01" and one at $0.25 not "$0".
 */
export function formatAxisUsd(dollars: number): string {
  if (dollars === 0) return "$0";
  if (Math.abs(dollars) >= 100) return `$${Math.round(dollars).toLocaleString("en-US")}`;
  let s = dollars.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
  if (/\.\d$/.test(s)) s += "0";
  return `$${s}`;
}

export function formatInt(n: number): string {
  return n.toLocaleString("en-US");
}

/** Who gave a rating: the person's email, else the API key it came through. */
export function raterLabel(who: string | null, keyName: string | null): string {
  return who ?? (keyName ? `API key ${keyName}` : "API");
}

/** A 0..1 share as a whole percentage: 0.456 → "46 %" (the Models page's error rates and ratings). */
export function formatPct(x: number): string {
  return `${Math.round(x * 100)} %`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/**
 * A team's time zone (teams.timezone, an IANA name): its days, its midnights, and how the
 * dashboard prints a moment in it. Pure; every page, the API and the budget periods use these.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock parts of an instant in a time zone. */
export function partsIn(date: Date, timeZone: string) {
  // Building a DateTimeFormat costs far more than using one: keep one per zone.
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", weekday: "short" });
    formats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), h: Number(p.hour), min: Number(p.minute), s: Number(p.second), weekday: p.weekday as string };
}

/** The instant at which the wall-clock time y-m-d 00:00 happens in `timeZone`. */
export function zonedMidnight(y: number, m: number, d: number, timeZone: string): Date {
  // Start from the UTC guess and correct by the zone's offset at that moment (twice, for DST edges).
  let t = Date.UTC(y, m - 1, d);
  for (let i = 0; i < 2; i++) {
    const p = partsIn(new Date(t), timeZone);
    const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
    t -= asUtc - Date.UTC(y, m - 1, d);
  }
  // Where the clocks jump forward at midnight (America/Santiago, America/Havana) 00:00 never
  // happens and the loop lands in the hour before, on the previous day: the day starts at the jump.
  const p = partsIn(new Date(t), timeZone);
  if (Date.UTC(p.y, p.m - 1, p.d) < Date.UTC(y, m - 1, d)) t += Date.UTC(p.y, p.m - 1, p.d + 1) - Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
  return new Date(t);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** The calendar day ("YYYY-MM-DD") an instant falls on in `timeZone`: the day the rollup files it under. */
export function dayIn(at: Date, timeZone: string): string {
  const p = partsIn(at, timeZone);
  return `${pad(p.y, 4)}-${pad(p.m)}-${pad(p.d)}`;
}

/** The first instant of a calendar day ("YYYY-MM-DD") in `timeZone`. */
export function dayStart(day: string, timeZone: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  return zonedMidnight(y, m, d, timeZone);
}

/** "YYYY-MM-DD" `n` calendar days after (or before) `day`. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** True for a zone name this runtime knows (IANA names such as "Asia/Tokyo", and "UTC"). */
export function isTimeZone(name: string): boolean {
  if (!name || name !== name.trim()) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** ICU still lists some zones under names IANA has since replaced: people look for the current ones. */
const CURRENT_NAMES: Record<string, string> = {
  "Africa/Asmera": "Africa/Asmara",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Coral_Harbour": "America/Atikokan",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Godthab": "America/Nuuk",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Louisville": "America/Kentucky/Louisville",
  "America/Mendoza": "America/Argentina/Mendoza",
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Europe/Kiev": "Europe/Kyiv",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
};

/** Every zone a team can choose, by its current IANA name, "UTC" first (Intl does not list UTC itself). */
let names: string[] | null = null;
export function timeZoneNames(): string[] {
  return (names ??= ["UTC", ...Intl.supportedValuesOf("timeZone").map((z) => CURRENT_NAMES[z] ?? z).filter((z) => z !== "UTC" && isTimeZone(z))].sort((a, b) => (a === "UTC" ? -1 : b === "UTC" ? 1 : a < b ? -1 : 1)));
}

/**
 * The zone named by what someone typed, as the list spells it ("asia/kathmandu" and
 * "Asia/Katmandu" → "Asia/Kathmandu"); another name the runtime knows (an alias such as
 * "US/Pacific") as the runtime resolves it; null for anything else.
 */
export function zoneName(input: string): string | null {
  const typed = input.trim();
  if (!isTimeZone(typed)) return null;
  const listed = timeZoneNames().find((z) => z.toLowerCase() === typed.toLowerCase());
  if (listed) return listed;
  const resolved = new Intl.DateTimeFormat("en-US", { timeZone: typed }).resolvedOptions().timeZone;
  return CURRENT_NAMES[resolved] ?? resolved;
}

/** The zone's offset from UTC at `at`, e.g. "+09:00", "+05:45", "-08:00". */
export function offsetAt(at: Date, timeZone: string): string {
  const p = partsIn(at, timeZone);
  const mins = Math.round((Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
  const a = Math.abs(mins);
  return `${mins < 0 ? "-" : "+"}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** A moment as the dashboard shows it, on the team's clock: "2026-11-26 23:34" (with seconds when asked). */
export function formatInZone(at: Date | string, timeZone: string, seconds = false): string {
  const d = typeof at === "string" ? new Date(at) : at;
  const p = partsIn(d, timeZone);
  return `${dayIn(d, timeZone)} ${pad(p.h)}:${pad(p.min)}${seconds ? `:${pad(p.s)}` : ""}`;
}

/** A moment in a sentence, on the team's clock: "1 Dec 2026, 00:00" (say the zone beside it). */
export function formatDayTime(at: Date, timeZone: string): string {
  return at.toLocaleString("en-GB", { timeZone, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** The same, followed by the zone's name, for a moment printed on its own: "2026-11-26 23:34 Asia/Tokyo". */
export function formatWithZone(at: Date | string, timeZone: string, seconds = false): string {
  return `${formatInZone(at, timeZone, seconds)} ${timeZone}`;
}

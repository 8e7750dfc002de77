import { and, eq, lt, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { ttlCache } from "@/db/cache";
import { rateLimitWindows, teams } from "@/db/schema";
import { brandError } from "@/lib/errors";

/** One limited thing: an API key or a team, with its per-minute limits (null = unlimited). */
export type Bucket = { key: string; label: string; rpm: number | null; tpm: number | null };

/**
 * A request or call over a per-minute limit. Branded (brandError): the one RateLimiter on globalThis
 * throws the copy of this class that made it, and the other copy's callers must still know it — a
 * dashboard-started run's step waits for the limit instead of failing with "Internal error: …".
 */
export class RateLimitedError extends Error {
  constructor(
    message: string,
    public readonly retryAfterSeconds: number,
    /** Which limit, in words, without the advice ("This team made its 60 requests this minute."). */
    public readonly limit: string = message,
  ) {
    super(message);
    this.name = "RateLimitedError";
  }
}
brandError(RateLimitedError, "RateLimitedError");

const WINDOW_MS = 60_000;
/** How soon tokens given back (or used beyond a hold) are written to the shared row. */
const TOKEN_SYNC_MS = 200;

type Win = {
  start: number;
  /** Requests this process has claimed from the shared row, and how many it has used. */
  claimed: number;
  used: number;
  /** The limit under which the shared count refused a claim (null: not used up); a higher limit claims again. */
  exhaustedAt: number | null;
  claiming: Promise<void> | null;
  /**
   * Tokens. `shared`: the window's shared count as last read. `pool`: tokens this process claimed
   * there and has not given to a call. `delta`: what it still has to add (+, calls that used more
   * than they held) or give back (−, holds calls did not use) there.
   */
  tokens: { shared: number; pool: number; delta: number; claiming: Promise<boolean> | null; refusedAt: number; refusedNeed: number };
  syncing: boolean;
};

/** A request admitted on its request counts: `holdTokens` takes it back when its tokens do not fit. */
export type Admission = { counted: Win[] };
/** A call's tokens held at admission, per bucket with a token limit; `settleTokens` replaces it with what the call used. */
export type TokenHold = { held: { key: string; w: Win; n: number; tpm: number }[]; settled: boolean };

/**
 * Per-process view of the shared windows. Requests are claimed from `rate_limit_windows` in small
 * chunks, so all processes share one limit. Tokens the same way: a call holds its most tokens
 * (prompt estimate + max output) at admission, claimed from the shared count; when it ends the
 * hold becomes what it used and the difference is written back in the background. One instance
 * per process lives on globalThis (`rateLimiter()`).
 */
export class RateLimiter {
  private wins = new Map<string, Win>();
  private timer: NodeJS.Timeout | null = null;
  private db: Db | null = null;
  private cleanedAt = 0;

  private windowOf(bucket: string, now: number): Win {
    const start = now - (now % WINDOW_MS);
    let w = this.wins.get(bucket);
    if (!w || w.start !== start) {
      w = { start, claimed: 0, used: 0, exhaustedAt: null, claiming: null, tokens: { shared: 0, pool: 0, delta: 0, claiming: null, refusedAt: 0, refusedNeed: Infinity }, syncing: false };
      this.wins.set(bucket, w);
    }
    return w;
  }

  /**
   * Admits one request against every bucket's requests per minute, or throws RateLimitedError with
   * the seconds until the window turns. A request refused by a later bucket (the team's) is not
   * counted by the earlier ones (its key's): the slot stays with this process for its next request.
   */
  async admit(db: Db, buckets: Bucket[]): Promise<Admission> {
    const counted: Win[] = [];
    try {
      await this.admitEach(db, buckets, counted);
    } catch (e) {
      for (const w of counted) w.used--;
      throw e;
    }
    return { counted };
  }

  private async admitEach(db: Db, buckets: Bucket[], counted: Win[]) {
    for (const b of buckets) {
      if (b.rpm === null) continue;
      const now = Date.now();
      let w = this.windowOf(b.key, now);
      while (w.used >= w.claimed) {
        if ((w.exhaustedAt !== null && b.rpm <= w.exhaustedAt) || b.rpm <= 0) {
          const limit = `${b.label} made its ${b.rpm} requests this minute.`;
          throw new RateLimitedError(`${limit} Retry in ${retryAfter(w, now)} s, or ask an admin to raise the limit.`, retryAfter(w, now), limit);
        }
        const cur = w;
        cur.claiming ??= claim(db, b, cur, b.rpm).finally(() => (cur.claiming = null));
        await cur.claiming;
        w = this.windowOf(b.key, Date.now());
      }
      w.used++;
      counted.push(w);
      this.cleanupSoon(db);
    }
  }

  /**
   * Holds a call's most tokens on every bucket with a token limit, or throws RateLimitedError (and
   * gives back the request `admission` counted, as a refusal by the request limits would). A call
   * that may use more than a whole limit holds all of it: it runs alone in an unused window.
   */
  async holdTokens(db: Db, buckets: Bucket[], tokens: number, admission?: Admission): Promise<TokenHold> {
    const hold: TokenHold = { held: [], settled: false };
    try {
      for (const b of buckets) {
        if (b.tpm === null) continue;
        const n = Math.min(Math.max(0, Math.ceil(tokens)), b.tpm);
        const w = await this.takeTokens(db, b, b.tpm, n, tokens);
        hold.held.push({ key: b.key, w, n, tpm: b.tpm });
      }
    } catch (e) {
      this.settleTokens(db, hold, 0);
      for (const w of admission?.counted ?? []) w.used--;
      throw e;
    }
    return hold;
  }

  private async takeTokens(db: Db, b: Bucket, tpm: number, n: number, asked: number): Promise<Win> {
    for (;;) {
      const now = Date.now();
      const w = this.windowOf(b.key, now);
      const t = w.tokens;
      // What this process holds in the shared count for calls that did not use it is taken first.
      if (t.pool < n && t.delta < 0) {
        const back = Math.min(-t.delta, n - t.pool);
        t.delta += back;
        t.pool += back;
      }
      if (t.pool >= n) {
        t.pool -= n;
        this.cleanupSoon(db);
        return w;
      }
      if (t.claiming) {
        await t.claiming;
        continue;
      }
      const need = n - t.pool;
      // Refused a moment ago for as much or less: refuse without another round trip.
      if (!(now - t.refusedAt < 100 && need >= t.refusedNeed)) {
        t.claiming = claimTokens(db, b.key, tpm, w, need).finally(() => (t.claiming = null));
        if (await t.claiming) continue;
        t.refusedAt = Date.now();
        t.refusedNeed = Math.min(t.refusedNeed, need);
      }
      const left = Math.max(0, tpm - t.shared) + t.pool;
      const limit = `${b.label} has ${left} of its ${tpm} tokens per minute left and this call may use up to ${Math.ceil(asked)}.`;
      throw new RateLimitedError(`${limit} Retry in ${retryAfter(w, now)} s, lower max_tokens, or ask an admin to raise the limit.`, retryAfter(w, now), limit);
    }
  }

  /**
   * Replaces a hold with the tokens the call used (0 when it failed), once. What it did not use goes
   * back to this process's pool (up to a claim's chunk) and the rest to the shared count; what it
   * used beyond the hold (the prompt estimate fell short) is added there. Written within TOKEN_SYNC_MS.
   */
  settleTokens(db: Db, hold: TokenHold, used: number) {
    if (hold.settled) return;
    hold.settled = true;
    for (const { key, w, n, tpm } of hold.held) {
      if (this.wins.get(key) !== w) continue; // the window turned: the hold went with it
      const t = w.tokens;
      const diff = Math.max(0, used) - n;
      if (diff <= 0) {
        t.pool -= diff;
        const spare = t.pool - chunkOf(tpm);
        if (spare > 0) {
          t.pool -= spare;
          t.delta -= spare;
        }
      } else {
        const fromPool = Math.min(t.pool, diff);
        t.pool -= fromPool;
        t.delta += diff - fromPool;
      }
    }
    if (hold.held.some((h) => h.w.tokens.delta !== 0)) this.scheduleSync(db);
  }

  private scheduleSync(db: Db) {
    this.db = db;
    if (this.timer) return;
    this.timer = setTimeout(() => void this.syncTokens(), TOKEN_SYNC_MS);
    this.timer.unref?.();
  }

  /** Writes what settled holds give back or add to the shared token counts. */
  async syncTokens() {
    this.timer = null;
    const db = this.db;
    if (!db) return;
    const now = Date.now();
    await Promise.all(
      [...this.wins.entries()].map(async ([key, w]) => {
        const t = w.tokens;
        if (w.syncing || t.delta === 0 || now - w.start >= WINDOW_MS) return;
        const add = t.delta;
        w.syncing = true;
        try {
          const [row] = await db
            .insert(rateLimitWindows)
            .values({ key, windowStart: new Date(w.start), requests: 0, tokens: Math.max(0, add) })
            .onConflictDoUpdate({ target: [rateLimitWindows.key, rateLimitWindows.windowStart], set: { tokens: sql`greatest(0, ${rateLimitWindows.tokens} + ${add})` } })
            .returning({ tokens: rateLimitWindows.tokens });
          t.delta -= add;
          t.shared = row.tokens;
        } catch (e) {
          console.error("[ratelimit] token sync failed; will retry", e);
        } finally {
          w.syncing = false;
        }
      }),
    );
    if ([...this.wins.values()].some((w) => w.tokens.delta !== 0 && Date.now() - w.start < WINDOW_MS)) this.scheduleSync(db);
  }

  /** Drops windows older than five minutes, at most once a minute per process. */
  private cleanupSoon(db: Db) {
    const now = Date.now();
    if (now - this.cleanedAt < WINDOW_MS) return;
    this.cleanedAt = now;
    for (const [k, w] of this.wins) if (now - w.start > 2 * WINDOW_MS) this.wins.delete(k);
    void db
      .delete(rateLimitWindows)
      .where(lt(rateLimitWindows.windowStart, new Date(now - 5 * WINDOW_MS)))
      .catch((e) => console.error("[ratelimit] cleanup failed", e));
  }

  /** Forgets this process's windows (tests use it to act as a fresh process). */
  reset() {
    this.wins.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

// One per process, whichever copy of this module made it (ARCHITECTURE.md, "The data plane"). What an
// object on globalThis throws reaches the other copy's `instanceof`: only branded errors (brandError,
// lib/errors.ts, which lists the rule) may be thrown from it — here RateLimitedError.
const g = globalThis as { __mcRateLimiter?: RateLimiter };
export const rateLimiter = () => (g.__mcRateLimiter ??= new RateLimiter());

/** Each process takes requests from the shared count in chunks of about 5 % of the limit, so a limit
 * of 60 000/min costs one round trip per 3 000 requests while small limits stay exact. */
export const chunkOf = (limit: number) => Math.max(1, Math.floor(limit / 20));

const retryAfter = (w: Win, now: number) => Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000));

async function claim(db: Db, bucket: Bucket, w: Win, rpm: number) {
  const got = await claimShared(db, bucket.key, new Date(w.start), "requests", 1, rpm);
  if (got) w.claimed += got.n;
  else w.exhaustedAt = rpm;
}

/**
 * Adds a chunk of about 5 % of `limit` (else just `need`) to a window's shared count of requests or
 * tokens, only while it stays within the limit. Atomic: the shared count never passes the limit,
 * however many processes claim at once. Returns what was added and the new count, or null.
 */
async function claimShared(db: Db, key: string, at: Date, what: "requests" | "tokens", need: number, limit: number) {
  const col = rateLimitWindows[what];
  const chunk = chunkOf(limit);
  for (const n of chunk > need ? [chunk, need] : [need]) {
    const rows = await db
      .insert(rateLimitWindows)
      .values({ key, windowStart: at, requests: what === "requests" ? n : 0, tokens: what === "tokens" ? n : 0 })
      .onConflictDoUpdate({ target: [rateLimitWindows.key, rateLimitWindows.windowStart], set: { [what]: sql`${col} + ${n}` }, setWhere: sql`${col} + ${n} <= ${limit}` })
      .returning({ count: col });
    if (rows.length) return { n, count: rows[0].count };
  }
  return null;
}

/** Claims tokens for this process from the shared count (see claimShared); false when they do not fit. */
async function claimTokens(db: Db, key: string, tpm: number, w: Win, need: number): Promise<boolean> {
  const at = new Date(w.start);
  const got = await claimShared(db, key, at, "tokens", need, tpm);
  if (got) {
    w.tokens.pool += got.n;
    w.tokens.shared = got.count;
    return true;
  }
  // Refused: the count as it is, for the refusal's "… left".
  const [row] = await db.select({ tokens: rateLimitWindows.tokens }).from(rateLimitWindows).where(and(eq(rateLimitWindows.key, key), eq(rateLimitWindows.windowStart, at)));
  w.tokens.shared = row?.tokens ?? w.tokens.shared;
  return false;
}

export type TeamLimits = { rpm: number | null; tpm: number | null };

/** The defaults for teams without limits of their own: MC_TEAM_RPM / MC_TEAM_TPM, else none. */
export function defaultTeamLimits(): TeamLimits {
  const num = (v: string | undefined) => (v && Number(v) > 0 ? Math.floor(Number(v)) : null);
  return { rpm: num(process.env.MC_TEAM_RPM), tpm: num(process.env.MC_TEAM_TPM) };
}

const teamLimitCache = ttlCache<TeamLimits>("__mcTeamLimits", () => 5_000);

/**
 * A team's API rate limits across all its keys: its own (Admin → API keys), else the defaults.
 * Cached for 5 s; a change in this process applies at once (`invalidateTeamLimits`).
 */
export function teamLimits(db: Db, teamId: string): Promise<TeamLimits> {
  return teamLimitCache.get(teamId, async () => {
    const own = await ownTeamLimits(db, teamId);
    const d = defaultTeamLimits();
    return { rpm: own.rpm ?? d.rpm, tpm: own.tpm ?? d.tpm };
  });
}

/** The limits a team's admin set (null where none), uncached: what the admin form shows. */
export async function ownTeamLimits(db: Db, teamId: string): Promise<TeamLimits> {
  const [row] = await db.select({ rpm: teams.requestsPerMinute, tpm: teams.tokensPerMinute }).from(teams).where(eq(teams.id, teamId));
  return { rpm: row?.rpm ?? null, tpm: row?.tpm ?? null };
}

export function invalidateTeamLimits(teamId: string) {
  teamLimitCache.delete(teamId);
}

/** An API key's limits as the data plane knows them; `limitId` is its rotation chain's first key. */
export type LimitedKey = { teamId: string; name: string; limitId: string; requestsPerMinute: number | null; tokensPerMinute: number | null };

/** What an API key's calls count against: the key (per rotation chain) and its team. */
export async function apiKeyBuckets(db: Db, key: LimitedKey): Promise<Bucket[]> {
  return [{ key: `key:${key.limitId}`, label: `API key "${key.name}"`, rpm: key.requestsPerMinute, tpm: key.tokensPerMinute }, ...(await teamBuckets(db, key.teamId))];
}

/** What a team's calls count against: its limits, shared by its keys and the pipeline runs started from the dashboard. */
export async function teamBuckets(db: Db, teamId: string): Promise<Bucket[]> {
  const team = await teamLimits(db, teamId);
  return [{ key: `team:${teamId}`, label: "This team", rpm: team.rpm, tpm: team.tpm }];
}

/** delegate()'s `tokenGate`: holds a call's most tokens, and returns what settles them to what it used. */
export type TokenGate = (maxTokens: number) => Promise<(usedTokens: number) => void>;

/**
 * Admits one call on the buckets' request limits (429 past them) and returns its token gate: it
 * holds the call's most tokens on the token limits (a refusal there takes the request back from the
 * request counts) and settles them to what the call used.
 */
export async function admitCall(db: Db, buckets: Bucket[]): Promise<TokenGate> {
  const admission = await rateLimiter().admit(db, buckets);
  return async (maxTokens) => {
    const hold = await rateLimiter().holdTokens(db, buckets, maxTokens, admission);
    return (used) => rateLimiter().settleTokens(db, hold, used);
  };
}

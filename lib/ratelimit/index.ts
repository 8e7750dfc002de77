import { eq, lt, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { ttlCache } from "@/db/cache";
import { rateLimitWindows, teams } from "@/db/schema";

/** One limited thing: an API key or a team, with its per-minute limits (null = unlimited). */
export type Bucket = { key: string; label: string; rpm: number | null; tpm: number | null };

export class RateLimitedError extends Error {
  constructor(
    message: string,
    public readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = "RateLimitedError";
  }
}

const WINDOW_MS = 60_000;
/** How often unsynced token counts are pushed (and other processes' counts pulled). */
const TOKEN_SYNC_MS = 200;

type Win = {
  start: number;
  /** Requests this process has claimed from the shared row, and how many it has used. */
  claimed: number;
  used: number;
  /** The limit under which the shared count refused a claim (null: not used up); a higher limit claims again. */
  exhaustedAt: number | null;
  claiming: Promise<void> | null;
  /** Tokens of the window as last read from the shared row, and those counted here but not yet written. */
  tokensShared: number;
  tokensPending: number;
  syncing: boolean;
  syncedAt: number;
};
/**
 * Per-process view of the shared windows. Requests are claimed from `rate_limit_windows` in small
 * chunks, so all processes share one limit; tokens are counted after each call (`countTokens`) and
 * synced in the background. One instance per process lives on globalThis (`rateLimiter()`).
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
      w = { start, claimed: 0, used: 0, exhaustedAt: null, claiming: null, tokensShared: 0, tokensPending: 0, syncing: false, syncedAt: 0 };
      this.wins.set(bucket, w);
    }
    return w;
  }

  /**
   * Admits one request against every bucket, or throws RateLimitedError with the seconds until the
   * window turns. A request refused by a later bucket (the team's) is not counted by the earlier
   * ones (its key's): the slot stays with this process for its next request.
   */
  async admit(db: Db, buckets: Bucket[]): Promise<void> {
    const counted: Win[] = [];
    try {
      await this.admitEach(db, buckets, counted);
    } catch (e) {
      for (const w of counted) w.used--;
      throw e;
    }
  }

  private async admitEach(db: Db, buckets: Bucket[], counted: Win[]) {
    for (const b of buckets) {
      if (b.rpm === null && b.tpm === null) continue;
      const now = Date.now();
      let w = this.windowOf(b.key, now);
      if (b.tpm !== null) {
        if (w.tokensShared + w.tokensPending >= b.tpm) {
          throw new RateLimitedError(`${b.label} used its ${b.tpm} tokens per minute. Retry in ${retryAfter(w, now)} s, or ask an admin to raise the limit.`, retryAfter(w, now));
        }
        if (now - w.syncedAt > TOKEN_SYNC_MS * 5) this.scheduleSync(db);
      }
      if (b.rpm === null) continue;
      while (w.used >= w.claimed) {
        if ((w.exhaustedAt !== null && b.rpm <= w.exhaustedAt) || b.rpm <= 0) {
          throw new RateLimitedError(`${b.label} made its ${b.rpm} requests this minute. Retry in ${retryAfter(w, now)} s, or ask an admin to raise the limit.`, retryAfter(w, now));
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

  /** Adds a finished call's tokens to every bucket with a token limit. */
  countTokens(db: Db, buckets: Bucket[], tokens: number) {
    if (tokens <= 0) return;
    let any = false;
    for (const b of buckets) {
      if (b.tpm === null) continue;
      this.windowOf(b.key, Date.now()).tokensPending += tokens;
      any = true;
    }
    if (any) this.scheduleSync(db);
  }

  private scheduleSync(db: Db) {
    this.db = db;
    if (this.timer) return;
    this.timer = setTimeout(() => void this.syncTokens(), TOKEN_SYNC_MS);
    this.timer.unref?.();
  }

  /** Pushes pending token counts and reads back the shared totals (other processes' use included). */
  async syncTokens() {
    this.timer = null;
    const db = this.db;
    if (!db) return;
    const now = Date.now();
    await Promise.all(
      [...this.wins.entries()].map(async ([key, w]) => {
        if (w.syncing || now - w.start >= WINDOW_MS) return;
        const add = w.tokensPending;
        w.syncing = true;
        try {
          const [row] = await db
            .insert(rateLimitWindows)
            .values({ key, windowStart: new Date(w.start), requests: 0, tokens: add })
            .onConflictDoUpdate({ target: [rateLimitWindows.key, rateLimitWindows.windowStart], set: { tokens: sql`${rateLimitWindows.tokens} + ${add}` } })
            .returning({ tokens: rateLimitWindows.tokens });
          w.tokensPending -= add;
          w.tokensShared = row.tokens;
          w.syncedAt = Date.now();
        } catch (e) {
          console.error("[ratelimit] token sync failed; will retry", e);
        } finally {
          w.syncing = false;
        }
      }),
    );
    if ([...this.wins.values()].some((w) => w.tokensPending > 0)) this.scheduleSync(db);
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

const g = globalThis as { __mcRateLimiter?: RateLimiter };
export const rateLimiter = () => (g.__mcRateLimiter ??= new RateLimiter());

/** Each process takes requests from the shared count in chunks of about 5 % of the limit, so a limit
 * of 60 000/min costs one round trip per 3 000 requests while small limits stay exact. */
export const chunkOf = (limit: number) => Math.max(1, Math.floor(limit / 20));

const retryAfter = (w: Win, now: number) => Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000));

async function claim(db: Db, bucket: Bucket, w: Win, rpm: number) {
  const at = new Date(w.start);
  for (const n of chunkOf(rpm) > 1 ? [chunkOf(rpm), 1] : [1]) {
    // Atomic: the shared count never passes the limit, however many processes claim at once.
    const rows = await db
      .insert(rateLimitWindows)
      .values({ key: bucket.key, windowStart: at, requests: n, tokens: 0 })
      .onConflictDoUpdate({
        target: [rateLimitWindows.key, rateLimitWindows.windowStart],
        set: { requests: sql`${rateLimitWindows.requests} + ${n}` },
        setWhere: sql`${rateLimitWindows.requests} + ${n} <= ${rpm}`,
      })
      .returning({ tokens: rateLimitWindows.tokens });
    if (rows.length) {
      w.claimed += n;
      w.tokensShared = Math.max(w.tokensShared, rows[0].tokens);
      return;
    }
  }
  w.exhaustedAt = rpm;
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

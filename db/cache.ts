/**
 * A small per-process cache for settings the hot path reads on every call (a team's routing
 * settings, budgets, learned snapshot): each value is kept for `ttlMs()` after it was read, and
 * calls that arrive while a read is in flight share that read (single flight), so a cold or
 * expired key costs one query however many requests ask at once. A failed read is not kept.
 *
 * Kept on globalThis under `name`, because Next bundles its own copy of lib/ and db/ beside the one
 * server.ts imports (ARCHITECTURE.md, "The data plane"): both must see one cache, and an
 * invalidation from either applies to both.
 */
export type TtlCache<V> = {
  get(key: string, load: () => Promise<V>): Promise<V>;
  /** Store a value just written (e.g. after an update), fresh from now. */
  set(key: string, value: V): void;
  delete(key: string): void;
  clear(): void;
};

type Entry<V> = { value: Promise<V>; at: number };

export function ttlCache<V>(name: string, ttlMs: () => number): TtlCache<V> {
  const g = globalThis as unknown as Record<string, Map<string, Entry<unknown>> | undefined>;
  const map = (g[name] ??= new Map()) as Map<string, Entry<V>>;
  return {
    async get(key, load) {
      const hit = map.get(key);
      if (hit && (hit.at === 0 || Date.now() - hit.at < ttlMs())) return hit.value; // at 0: a read in flight
      const entry: Entry<V> = { value: load(), at: 0 };
      map.set(key, entry);
      try {
        const v = await entry.value;
        if (map.get(key) === entry) entry.at = Date.now();
        return v;
      } catch (e) {
        if (map.get(key) === entry) map.delete(key);
        throw e;
      }
    },
    set(key, value) {
      map.set(key, { value: Promise.resolve(value), at: Date.now() });
    },
    delete(key) {
      map.delete(key);
    },
    clear() {
      map.clear();
    },
  };
}

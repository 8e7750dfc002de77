import { describe, expect, it } from "vitest";
import { ttlCache } from "./cache";

describe("ttlCache", () => {
  it("shares one read among concurrent callers and keeps it for the TTL", async () => {
    const c = ttlCache<number>(`__test_cache_${Math.random()}`, () => 60_000);
    let reads = 0;
    const load = async () => {
      reads++;
      await new Promise((r) => setTimeout(r, 10));
      return 42;
    };
    expect(await Promise.all(Array.from({ length: 20 }, () => c.get("k", load)))).toEqual(Array(20).fill(42));
    expect(await c.get("k", load)).toBe(42);
    expect(reads).toBe(1);
  });

  it("reads again after the TTL, after delete, and after a failed read", async () => {
    let ttl = 60_000;
    const c = ttlCache<number>(`__test_cache_${Math.random()}`, () => ttl);
    let n = 0;
    const load = async () => ++n;
    expect(await c.get("k", load)).toBe(1);
    c.delete("k");
    expect(await c.get("k", load)).toBe(2);
    ttl = 0;
    expect(await c.get("k", load)).toBe(3);
    await expect(c.get("bad", async () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await c.get("bad", load)).toBe(4);
    ttl = 60_000;
    c.set("k", 99);
    expect(await c.get("k", load)).toBe(99);
  });

  it("is one cache per name, shared by every copy of the module (globalThis)", async () => {
    const name = `__test_cache_${Math.random()}`;
    const a = ttlCache<string>(name, () => 60_000);
    const b = ttlCache<string>(name, () => 60_000);
    a.set("k", "from a");
    expect(await b.get("k", async () => "loaded")).toBe("from a");
    b.clear();
    expect(await a.get("k", async () => "loaded")).toBe("loaded");
  });
});

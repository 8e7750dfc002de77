/**
 * Text hashing shared by the analyser (keyword lookup, hashed n-gram vector) and the learned
 * text model. FNV-1a over UTF-16 code units: deterministic across processes and platforms.
 */
export const FNV_OFFSET = 0x811c9dc5;

export function fnvStep(h: number, code: number): number {
  return Math.imul(h ^ code, 0x01000193) >>> 0;
}

export function hashString(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = fnvStep(h, s.charCodeAt(i));
  return h;
}

/** Combines two word hashes into a bigram hash (order matters). */
export function pairHash(a: number, b: number): number {
  return Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) >>> 0;
}

/** Sparse vector: parallel arrays, indices ascending and unique. JSON-serialisable. */
export interface SparseVector {
  indices: number[];
  values: number[];
}

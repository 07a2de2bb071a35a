/**
 * A seeded pseudo-random generator (mulberry32) returning floats in [0, 1): property and fuzz tests draw
 * their cases from it, so that a failure replays with the same seed.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded xorshift32 generator returning unsigned 32-bit integers (never 0): for fuzz tests that pick
 * bytes and lengths with `r() % n`.
 */
export function seededUint32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

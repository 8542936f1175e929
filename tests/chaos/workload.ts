/**
 * The chaos run's workload, shared by the producer (`producer.ts`) and the
 * orchestrator (`chaos.ts`, which needs to know the busiest partition before
 * the first record is sent): record `n` of `records` goes to key
 * `key-<k>`, and its value says which key, which per-key sequence number and
 * which global index it is: `k=<k>;s=<seq>;n=<n>` (plus optional padding).
 *
 * Keys are skewed (`k = floor(keys · u²)`, u uniform from a seeded PRNG), so
 * a few hot keys carry many records each (key 0 ≈ 1 % of them) and one
 * partition is clearly the busiest. Plain TypeScript, no runtime API: it runs
 * under Bun, Deno and Node alike.
 *
 * @module
 */

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The key index of every record, in send order. */
export function keySequence(records: number, keys: number, seed: number): Int32Array {
  const next = prng(seed);
  const out = new Int32Array(records);
  for (let n = 0; n < records; n++) {
    const u = next();
    out[n] = Math.min(keys - 1, Math.floor(keys * u * u));
  }
  return out;
}

/** The key string of key index `k`. */
export function keyName(k: number): string {
  return `key-${k}`;
}

/** The value of record `n` (key `k`, per-key sequence `seq`). */
export function valueOf(k: number, seq: number, n: number, pad: string): string {
  return pad.length === 0 ? `k=${k};s=${seq};n=${n}` : `k=${k};s=${seq};n=${n};p=${pad}`;
}

/** Parses a value made by {@linkcode valueOf}; null if it is not one. */
export function parseValue(v: string): { k: number; s: number; n: number } | null {
  const m = /^k=(\d+);s=(\d+);n=(\d+)(?:;p=.*)?$/.exec(v);
  if (m === null) return null;
  return { k: Number(m[1]), s: Number(m[2]), n: Number(m[3]) };
}

/**
 * Exponential backoff with jitter, as Java's `ExponentialBackoff`
 * (multiplier 2, jitter ±20 %): used for retries (`retry.backoff.ms` →
 * `retry.backoff.max.ms`) and reconnects (`reconnect.backoff.ms` →
 * `reconnect.backoff.max.ms`).
 *
 * @module
 */

/**
 * The wait before attempt `attempts + 1`: `initialMs × 2^attempts`, times a
 * random factor in [0.8, 1.2), capped at `maxMs`.
 *
 * @example Usage
 * ```ts
 * import { backoffMs } from "./backoff.ts";
 * const first = backoffMs(0, 100, 1000);
 * console.assert(first >= 80 && first < 120);
 * const capped = backoffMs(20, 100, 1000); // the term is capped before jitter, the result after
 * console.assert(capped >= 800 && capped <= 1000);
 * ```
 */
export function backoffMs(attempts: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  // Java starts from the smaller of the two and caps the exponent where the
  // term reaches the max, before jitter.
  const initial = Math.min(initialMs, maxMs);
  if (initial <= 0) return 0;
  const expMax = maxMs > initial ? Math.log(maxMs / initial) / Math.LN2 : 0;
  // Java's ExponentialBackoff: initial >= max is a constant backoff, without jitter.
  if (expMax === 0) return initial;
  const term = initial * 2 ** Math.min(Math.max(0, attempts), expMax);
  const jittered = Math.floor(term * (0.8 + random() * 0.4));
  return Math.min(jittered, maxMs);
}

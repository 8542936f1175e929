/**
 * Client-side quota throttling (KIP-219): since these versions a broker that
 * throttles a client answers at once with `throttle_time_ms` and mutes the
 * connection, and the client must send nothing more on it until that time
 * has passed; older versions were delayed by the broker instead. The table is
 * Java's `AbstractResponse.shouldClientThrottle` for the APIs this producer
 * speaks.
 *
 * @module
 */

/** API key → the first version whose throttle time the client honours (absent: never, as SASL's). */
const CLIENT_THROTTLE_FROM: ReadonlyMap<number, number> = new Map([
  [0, 6], // Produce
  [3, 6], // Metadata
  [10, 2], // FindCoordinator
  [18, 2], // ApiVersions
  [22, 1], // InitProducerId
  [24, 1], // AddPartitionsToTxn
  [25, 1], // AddOffsetsToTxn
  [26, 1], // EndTxn
  [28, 1], // TxnOffsetCommit
]);

/**
 * Whether a response of `apiKey` at `version` asks the client to hold back
 * its next requests for its throttle time (Java's `shouldClientThrottle`).
 *
 * @example Produce throttles the client from v6 on
 * ```ts
 * import { shouldClientThrottle } from "./throttle.ts";
 * console.assert(shouldClientThrottle(0, 11) && !shouldClientThrottle(0, 5) && !shouldClientThrottle(36, 2));
 * ```
 */
export function shouldClientThrottle(apiKey: number, version: number): boolean {
  const from = CLIENT_THROTTLE_FROM.get(apiKey);
  return from !== undefined && version >= from;
}

/**
 * A decoded response's `throttleTimeMs`, 0 when it has none (as Java's
 * `DEFAULT_THROTTLE_TIME`) or it is not a positive finite number.
 *
 * @example
 * ```ts
 * import { throttleTimeOf } from "./throttle.ts";
 * console.assert(throttleTimeOf({ throttleTimeMs: 250 }) === 250 && throttleTimeOf({}) === 0 && throttleTimeOf(undefined) === 0);
 * ```
 */
export function throttleTimeOf(response: unknown): number {
  if (typeof response !== "object" || response === null) return 0;
  const ms = (response as { throttleTimeMs?: unknown }).throttleTimeMs;
  return typeof ms === "number" && Number.isFinite(ms) && ms > 0 ? ms : 0;
}

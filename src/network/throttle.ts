/**
 * Client-side quota throttling (KIP-219): since these versions a broker that
 * throttles a client answers at once with `throttle_time_ms` and mutes the
 * connection, and the client must send nothing more on it until that time
 * has passed; older versions were delayed by the broker instead. The table is
 * Java's `AbstractResponse.shouldClientThrottle` for the APIs this producer
 * speaks.
 *
 * A request the caller sends on a muted connection (a coordinator request:
 * the sender checks readiness first) waits the throttle out, but never past
 * the caller's deadline: a broker may throttle for longer than a commit may
 * wait (`max.block.ms`), and Java's caller gets its `TimeoutException` then.
 *
 * @module
 */

import { ClosedError, TimeoutError } from "../errors.ts";

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

/**
 * Requests waiting for a connection's throttle to end, each on a timer that
 * {@linkcode ThrottleWaits.close} clears (so none keeps a closed producer's
 * process alive).
 *
 * @example A wait that would outlast its deadline fails at the deadline
 * ```ts
 * import { ThrottleWaits } from "./throttle.ts";
 * const waits = new ThrottleWaits();
 * const error = await waits.wait('Node 1 "b1:9092"', 60_000, Date.now() + 10).catch((e: Error) => e);
 * console.assert(error instanceof Error && error.name === "TimeoutError");
 * ```
 */
export class ThrottleWaits {
  /** The cancel function of each wait under way; added and deleted only by wait(), emptied by close(). */
  readonly #cancels = new Set<() => void>();
  /** Set by close(): later waits are refused. */
  #closed = false;

  /**
   * Resolves after `ms`; rejects with a `TimeoutError` at `deadline` (epoch
   * ms) if the throttle ends later, and with a `ClosedError` on close().
   * `what` names the throttled broker in the error.
   */
  wait(what: string, ms: number, deadline?: number): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError("The producer was closed: no new requests"));
    const now = Date.now();
    const late = deadline !== undefined && now + ms > deadline;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#cancels.delete(cancel);
        if (!late) return resolve();
        reject(new TimeoutError(`${what} throttled this client (a broker quota) for ${ms} ms, longer than the request could wait`));
      }, late ? Math.max(0, deadline - now) : ms);
      const cancel = () => {
        clearTimeout(timer);
        reject(new ClosedError("The producer was closed while a request waited for a broker's throttle to end"));
      };
      this.#cancels.add(cancel);
    });
  }

  /** Ends every wait (with a `ClosedError`) and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
  }
}

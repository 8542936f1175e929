/**
 * Kafka's `ThroughputThrottler` (`org.apache.kafka.server.util`), as
 * `ProducerPerformance --throughput` uses it, with the same arithmetic:
 *
 * - `shouldThrottle(amountSoFar, sendStartMs)`: true when the average rate
 *   since the start, `amountSoFar / elapsedSec`, is above the target
 *   (`elapsedSec` is a Java `float`, reproduced with `Math.fround`); never
 *   for a negative target (-1: unthrottled).
 * - `throttle()`: adds one period (`1e9 / target` ns, truncated) to a sleep
 *   deficit and, once the deficit reaches 2 ms, sleeps it off (whole
 *   milliseconds rounded up, as `Object.wait(ms, ns)` does), then clears it.
 *   A target of 0 blocks until {@linkcode ThroughputThrottler.wakeup}.
 *
 * Java sleeps its thread; here `throttle()` returns a promise, so the
 * producer keeps sending while the loop sleeps.
 *
 * @module
 */

const NS_PER_MS = 1_000_000;
const NS_PER_SEC = 1000 * NS_PER_MS;
const MIN_SLEEP_NS = 2 * NS_PER_MS;

/**
 * Paces a loop to about `targetThroughput` items per second.
 *
 * @example 1000 records/s
 * ```ts ignore
 * const throttler = new ThroughputThrottler(1000, Date.now());
 * for (let i = 0; i < n; i++) {
 *   const sendStartMs = Date.now();
 *   producer.send(record, callback);
 *   if (throttler.shouldThrottle(i, sendStartMs)) await throttler.throttle();
 * }
 * ```
 */
export class ThroughputThrottler {
  readonly #startMs: number;
  readonly #sleepTimeNs: number;
  readonly #target: number;
  #sleepDeficitNs = 0;
  #wakeup = false;
  #wake: (() => void) | null = null;

  /**
   * @param targetThroughput Items per second (negative: no throttling).
   * @param startMs When the first item was sent (ms since the epoch).
   */
  constructor(targetThroughput: number, startMs: number) {
    this.#startMs = startMs;
    this.#target = targetThroughput;
    this.#sleepTimeNs = targetThroughput > 0 ? Math.trunc(NS_PER_SEC / targetThroughput) : Number.MAX_SAFE_INTEGER;
  }

  /** Whether the loop is ahead of the target after `amountSoFar` items. */
  shouldThrottle(amountSoFar: number, sendStartMs: number): boolean {
    if (this.#target < 0) return false;
    const elapsedSec = Math.fround(Math.fround(sendStartMs - this.#startMs) / 1000);
    return elapsedSec > 0 && amountSoFar / elapsedSec > this.#target;
  }

  /** Sleeps off the accumulated deficit once it reaches 2 ms. */
  async throttle(): Promise<void> {
    if (this.#target === 0) {
      while (!this.#wakeup) await new Promise<void>((resolve) => (this.#wake = resolve));
      return;
    }
    this.#sleepDeficitNs += this.#sleepTimeNs;
    if (this.#sleepDeficitNs < MIN_SLEEP_NS) return;
    const sleepStart = performance.now();
    let remaining = this.#sleepDeficitNs;
    while (!this.#wakeup && remaining > 0) {
      await this.#sleep(Math.ceil(remaining / NS_PER_MS));
      remaining = this.#sleepDeficitNs - (performance.now() - sleepStart) * NS_PER_MS;
    }
    this.#wakeup = false;
    this.#sleepDeficitNs = 0;
  }

  /** Ends a sleep early (Java's `wakeup()`). */
  wakeup(): void {
    this.#wakeup = true;
    this.#wake?.();
    this.#wake = null;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.#wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}

/**
 * When to give up on the brokers a producer learned and go back to
 * `bootstrap.servers` (KIP-899, KIP-1102), as Java 4.x's
 * `DefaultMetadataUpdater`: the `metadata.recovery.strategy` and the clock
 * of `metadata.recovery.rebootstrap.trigger.ms`.
 *
 * The clock starts when a metadata update falls due and stops at the next
 * applied response; failed attempts in between do not restart it. A broker
 * answering REBOOTSTRAP_REQUIRED makes a re-bootstrap due at once.
 *
 * @module
 */

/** `metadata.recovery.strategy`: what to do when no known broker can give metadata. */
export type MetadataRecoveryStrategy = "none" | "rebootstrap";

/** Options of {@linkcode RebootstrapClock}. */
export interface RebootstrapClockOptions {
  /** `metadata.recovery.strategy`. */
  strategy: MetadataRecoveryStrategy;
  /** `metadata.recovery.rebootstrap.trigger.ms`. */
  triggerMs: number;
}

/**
 * Tracks how long metadata has been wanted and not obtained.
 *
 * @example Due after the trigger time without metadata
 * ```ts
 * import { RebootstrapClock } from "./rebootstrap.ts";
 * const clock = new RebootstrapClock({ strategy: "rebootstrap", triggerMs: 1000 });
 * clock.attempting(0);
 * console.assert(!clock.due(1000) && clock.due(1001) && clock.timeToDue(500) === 501);
 * clock.succeeded();
 * console.assert(!clock.due(5000));
 * ```
 */
export class RebootstrapClock {
  readonly #options: RebootstrapClockOptions;
  /**
   * When attempts to fetch metadata began with no response applied since
   * (Java's `metadataAttemptStartMs`); null: no attempt pending; -Infinity:
   * a broker asked for a re-bootstrap. Changed only by the methods below.
   */
  #startMs: number | null = null;

  constructor(options: RebootstrapClockOptions) {
    this.#options = options;
  }

  /** Whether the strategy is `rebootstrap`. */
  get enabled(): boolean {
    return this.#options.strategy === "rebootstrap";
  }

  /** A metadata update is due and about to be tried: starts the clock unless it runs. */
  attempting(now: number): void {
    this.#startMs ??= now;
  }

  /** A metadata response was applied: nothing is pending any more. */
  succeeded(): void {
    this.#startMs = null;
  }

  /** A broker answered REBOOTSTRAP_REQUIRED: a re-bootstrap is due at once (if enabled). */
  requested(): void {
    this.#startMs = -Infinity;
  }

  /** A re-bootstrap happened: metadata is wanted from the bootstrap servers from `now` on. */
  restarted(now: number): void {
    this.#startMs = now;
  }

  /** Whether a re-bootstrap is due (more than the trigger time without metadata, or requested). */
  due(now: number): boolean {
    return this.enabled && this.#startMs !== null && now - this.#startMs > this.#options.triggerMs;
  }

  /** Milliseconds until {@linkcode due} turns true (Infinity if it cannot, 0 if it is). */
  timeToDue(now: number): number {
    if (!this.enabled || this.#startMs === null) return Infinity;
    return Math.max(0, this.#startMs + this.#options.triggerMs + 1 - now);
  }
}

/**
 * Backpressure for the tools' send loops.
 *
 * Java's `KafkaProducer.send()` blocks its caller when `buffer.memory` is
 * used up, which is what keeps `kafka-console-producer` from reading a
 * multi-GB input faster than the cluster takes it, and what paces
 * `ProducerPerformance` when unthrottled. Our `send()` never blocks: records
 * that find no memory wait in an (unbounded) queue. So the loops keep their
 * own account of what is outstanding — sent but not yet acknowledged or
 * failed — in bytes, and stop feeding the producer once that reaches
 * `buffer.memory`: the same bound Java's blocking gives.
 *
 * Each record counts its key, value and header bytes plus
 * {@linkcode RECORD_OVERHEAD} (its share of batch headers, varints and the
 * per-record callback state), so many tiny records are bounded too.
 *
 * Second job: a loop that only ever calls `send()` would starve the event
 * loop (socket reads, writes and timers run between macrotasks), so the
 * sender could not send while records are produced. The gate asks the loop
 * to yield every {@linkcode SLICE_MS} ms of uninterrupted sending.
 *
 * @module
 */

/**
 * Bytes added to each record's size in the account.
 *
 * @example Usage
 * ```ts
 * import { RECORD_OVERHEAD, SendGate } from "./send_gate.ts";
 * const gate = new SendGate(1024, () => Promise.resolve());
 * console.assert(gate.sizeOf(null, new Uint8Array(100), 0) === 100 + RECORD_OVERHEAD);
 * ```
 */
export const RECORD_OVERHEAD = 64;

/**
 * Longest uninterrupted run of sends before yielding to the event loop (ms).
 *
 * @example Usage
 * ```ts
 * import { SLICE_MS } from "./send_gate.ts";
 * console.assert(SLICE_MS > 0);
 * ```
 */
export const SLICE_MS = 1;

/** Sends between two looks at the clock. */
const CLOCK_EVERY = 64;

/**
 * Counts outstanding bytes and tells the send loop when to pause.
 *
 * @example A send loop
 * ```ts ignore
 * const gate = new SendGate(producer.config.bufferMemory, io.yieldToEventLoop);
 * for (const record of records) {
 *   const size = gate.sizeOf(record.key, record.value, null);
 *   producer.send(record, () => gate.done(size));
 *   if (gate.add(size)) await gate.pause();
 * }
 * await gate.idle();
 * ```
 */
export class SendGate {
  /** Outstanding bytes at which the loop stops (`buffer.memory`). */
  readonly limitBytes: number;
  /** Outstanding bytes at which a stopped loop resumes (¾ of the limit). */
  readonly resumeBytes: number;
  readonly #yield: () => Promise<void>;
  #bytes = 0;
  #records = 0;
  #sinceClock = 0;
  #sliceStart = performance.now();
  /** The paused loop's wake-up (at most one loop per gate). */
  #wake: (() => void) | null = null;
  /** Waiters for "nothing outstanding". */
  #idle: Array<() => void> = [];

  constructor(limitBytes: number, yieldToEventLoop: () => Promise<void>) {
    this.limitBytes = Math.max(1, limitBytes);
    this.resumeBytes = Math.floor(this.limitBytes * 0.75);
    this.#yield = yieldToEventLoop;
  }

  /** Records outstanding. */
  get outstanding(): number {
    return this.#records;
  }

  /** Bytes outstanding (by the gate's account). */
  get outstandingBytes(): number {
    return this.#bytes;
  }

  /** The account size of a record. */
  sizeOf(key: Uint8Array | null | undefined, value: Uint8Array | null | undefined, headerBytes: number): number {
    return (key?.length ?? 0) + (value?.length ?? 0) + headerBytes + RECORD_OVERHEAD;
  }

  /** Counts a record handed to `send()`; true if the loop should `await pause()` now. */
  add(bytes: number): boolean {
    this.#bytes += bytes;
    this.#records++;
    if (this.#bytes >= this.limitBytes) return true;
    if (++this.#sinceClock < CLOCK_EVERY) return false;
    this.#sinceClock = 0;
    return performance.now() - this.#sliceStart >= SLICE_MS;
  }

  /** Counts a record settled (acknowledged or failed). */
  done(bytes: number): void {
    this.#bytes -= bytes;
    this.#records--;
    if (this.#wake !== null && this.#bytes <= this.resumeBytes) {
      const wake = this.#wake;
      this.#wake = null;
      wake();
    }
    if (this.#records === 0 && this.#idle.length > 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }

  /**
   * Waits until the account is back under the resume mark if it is over
   * the limit; otherwise just lets the event loop run once.
   */
  async pause(): Promise<void> {
    if (this.#bytes >= this.limitBytes) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
    } else {
      await this.#yield();
    }
    this.#sliceStart = performance.now();
    this.#sinceClock = 0;
  }

  /** Resolves once nothing is outstanding. */
  idle(): Promise<void> {
    if (this.#records === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}

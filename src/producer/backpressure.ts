/**
 * Backpressure for the producer's callers: what Java gets from a `send()`
 * that blocks while `buffer.memory` is used up, without blocking the event
 * loop. `Producer.bufferFull`, `ready()`, `sendAll()` and `writable()` are
 * thin members over this module.
 *
 * - *Full* is the send queue's state (`send_queue.ts`): records wait for
 *   buffer memory, or more than a megabyte (or `max.queued.records`) of
 *   records wait for metadata. While it is not full a `send()` is appended
 *   at once or waits briefly; a caller that sends only then keeps the
 *   producer's memory within `buffer.memory` plus that megabyte.
 * - `ready()` is one promise shared by every caller, made when the first
 *   caller finds the queue full and resolved by the queue as the record
 *   that made it full leaves (a caller's `AbortSignal` adds a wrapper).
 * - `sendAll()` and the stream also yield to the event loop every
 *   {@linkcode SLICE_MS} ms of sending, so that the producer's socket I/O
 *   runs while records are produced (a loop that only calls `send()` would
 *   starve it until the buffer fills).
 *
 * @module
 */

import type { SendAllOptions, SendAllResult, SendableRecord, WritableOptions } from "./api_types.ts";
import { closedError, type SendPipeline } from "./pipeline.ts";
import type { SendCallback } from "../serde.ts";

/**
 * Longest uninterrupted run of sends before a yield to the event loop (ms).
 *
 * Half a millisecond: on Deno each socket write and read completes only on a
 * later turn of the event loop, so the slice bounds how fast requests go out
 * and come back. Measured (perf tool, 3M × 100 B, 64 KiB batches, linger 5 ms,
 * unthrottled): with 1 ms slices Deno's p50 was 11–47 ms (the buffer filled)
 * and its peak RSS 200–290 MiB; with 0.5 ms, 4 ms and 172 MiB at 1.42M
 * records/s (0.25 ms: 2 ms, but 1.09–1.37M/s). Bun and Node lost nothing
 * (Bun 1.63–1.72M → 1.74–1.79M/s, Node 1.17–1.27M → 1.20–1.33M/s).
 *
 * @example Usage
 * ```ts
 * import { SLICE_MS } from "./backpressure.ts";
 * console.assert(SLICE_MS > 0);
 * ```
 */
export const SLICE_MS = 0.5;

/** Sends between two looks at the clock. */
const CLOCK_EVERY = 64;

/** What the backpressure needs of its producer. */
export interface BackpressureHost<K, V> {
  /** The producer's callback `send()`, with the topic of a record that names none. */
  send(record: SendableRecord<K, V>, callback: SendCallback, topic: string | undefined): void;
  flush(): Promise<void>;
  /** Whether `close()` was called. */
  closed(): boolean;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * One producer's backpressure.
 *
 * @example Used by the producer
 * ```ts ignore
 * const backpressure = new Backpressure(host, engine.pipeline, engine.yieldToEventLoop);
 * for (const record of records) {
 *   if (backpressure.full) await backpressure.ready();
 *   producer.send(record, callback);
 * }
 * ```
 */
export class Backpressure<K, V> {
  readonly #host: BackpressureHost<K, V>;
  readonly #pipeline: SendPipeline;
  readonly #yield: () => Promise<void>;
  /** The shared `ready()` promise while the queue is full and someone waits; null otherwise. */
  #room: Promise<void> | null = null;

  constructor(host: BackpressureHost<K, V>, pipeline: SendPipeline, yieldToEventLoop: () => Promise<void>) {
    this.#host = host;
    this.#pipeline = pipeline;
    this.#yield = yieldToEventLoop;
  }

  /** Records wait for buffer memory, or the queue of waiting records is over its bound. */
  get full(): boolean {
    return this.#pipeline.full;
  }

  /** Resolves once the buffer is not full (at once if it is not); rejects with `signal.reason` on abort. */
  ready(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.#pipeline.full) return RESOLVED;
    const room = (this.#room ??= new Promise<void>((resolve) =>
      this.#pipeline.wantRoom(() => {
        this.#room = null;
        resolve();
      })
    ));
    if (signal === undefined) return room;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      void room.then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /** `Producer.sendAll()`: sends every record, paced; settles once every record sent settled. */
  async sendAll(
    records: Iterable<SendableRecord<K, V>> | AsyncIterable<SendableRecord<K, V>>,
    options: SendAllOptions = {},
  ): Promise<SendAllResult> {
    const { topic, signal, onDelivery } = options;
    const tracker = new Tracker(onDelivery);
    const callback = tracker.callback;
    const isAsync = Symbol.asyncIterator in records;
    const iterator = isAsync
      ? (records as AsyncIterable<SendableRecord<K, V>>)[Symbol.asyncIterator]()
      : (records as Iterable<SendableRecord<K, V>>)[Symbol.iterator]();
    const pacer = new Pacer(this, this.#yield);
    let count = 0;
    let finished = false;
    try {
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        if (this.#host.closed()) throw closedError();
        const wait = pacer.next(signal);
        if (wait !== null) await wait;
        const next = isAsync ? await iterator.next() : (iterator as Iterator<SendableRecord<K, V>>).next();
        if (next.done === true) {
          finished = true;
          break;
        }
        tracker.pending++;
        count++;
        this.#host.send(next.value, callback, topic);
      }
    } catch (error) {
      tracker.fail(error);
    } finally {
      if (!finished) await Promise.resolve(iterator.return?.()).catch(() => {});
    }
    await tracker.settled();
    if (tracker.failed) throw tracker.error;
    return { count };
  }

  /** `Producer.writable()`: a stream whose writes wait for room. */
  writable(options: WritableOptions = {}): WritableStream<SendableRecord<K, V>> {
    const { topic, highWaterMark = 16 } = options;
    const tracker = new Tracker(undefined);
    const callback = tracker.callback;
    const pacer = new Pacer(this, this.#yield);
    const host = this.#host;
    return new WritableStream<SendableRecord<K, V>>({
      write(record): Promise<void> | void {
        if (tracker.failed) throw tracker.error;
        if (host.closed()) throw closedError();
        tracker.pending++;
        host.send(record, callback, topic);
        return pacer.next(undefined) ?? undefined;
      },
      async close(): Promise<void> {
        await host.flush();
        await tracker.settled();
        if (tracker.failed) throw tracker.error;
      },
    }, new CountQueuingStrategy({ highWaterMark }));
  }
}

/** Paces a send loop: waits while the buffer is full, yields every slice. */
class Pacer<K, V> {
  readonly #backpressure: Backpressure<K, V>;
  readonly #yield: () => Promise<void>;
  #sinceClock = 0;
  #sliceStart = performance.now();

  constructor(backpressure: Backpressure<K, V>, yieldToEventLoop: () => Promise<void>) {
    this.#backpressure = backpressure;
    this.#yield = yieldToEventLoop;
  }

  /** What to await before the next send, or null: go on now. */
  next(signal: AbortSignal | undefined): Promise<void> | null {
    if (this.#backpressure.full) return this.#after(this.#backpressure.ready(signal));
    if (++this.#sinceClock < CLOCK_EVERY) return null;
    this.#sinceClock = 0;
    if (performance.now() - this.#sliceStart < SLICE_MS) return null;
    return this.#after(this.#yield());
  }

  async #after(wait: Promise<void>): Promise<void> {
    await wait;
    this.#sliceStart = performance.now();
    this.#sinceClock = 0;
  }
}

/** Counts a loop's records outstanding and keeps the first failure (one callback for all). */
class Tracker {
  pending = 0;
  failed = false;
  error: unknown = undefined;
  #wake: (() => void) | null = null;
  readonly callback: SendCallback;

  constructor(onDelivery: SendCallback | undefined) {
    this.callback = (error, metadata) => {
      if (error !== null) this.fail(error);
      try {
        onDelivery?.(error, metadata);
      } finally {
        if (--this.pending === 0 && this.#wake !== null) this.#wake();
      }
    };
  }

  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.error = error;
  }

  /** Resolves once nothing is outstanding. */
  settled(): Promise<void> {
    if (this.pending === 0) return RESOLVED;
    return new Promise((resolve) => (this.#wake = resolve));
  }
}

/**
 * The memory bound of the producer (`buffer.memory`), as Java's `BufferPool`.
 *
 * Batches live in `Uint8Array` slabs. Slabs of exactly `batch.size` bytes are
 * kept on a free list and reused, so steady-state producing allocates no
 * batch memory; other sizes come from, and return to, a plain byte budget.
 * When memory runs out, allocations wait in strict FIFO order (memory freed
 * goes to the oldest waiter first, so a large request cannot starve) until
 * `max.block.ms`, then fail with a {@linkcode BufferExhaustedError}.
 *
 * @module
 */

import { BufferExhaustedError, RecordTooLargeError } from "../errors.ts";

/** One allocation waiting for memory. */
interface Waiter {
  readonly size: number;
  /** Bytes already set aside for this waiter. */
  accumulated: number;
  readonly resolve: (slab: Uint8Array) => void;
  readonly reject: (error: unknown) => void;
  readonly start: number;
  cleanup: () => void;
}

/**
 * A bounded pool of batch slabs.
 *
 * @example Allocating and returning a slab
 * ```ts
 * import { BufferPool } from "./buffer_pool.ts";
 * const pool = new BufferPool(1024 * 1024, 16384);
 * const slab = pool.tryAllocate(16384)!;
 * pool.deallocate(slab);
 * console.assert(pool.availableMemory === 1024 * 1024);
 * ```
 */
export class BufferPool {
  /** `buffer.memory`. */
  readonly totalMemory: number;
  /** `batch.size`: the slab size kept on the free list. */
  readonly poolableSize: number;
  /** Reusable slabs of `poolableSize` bytes. */
  readonly #free: Uint8Array[] = [];
  /** Memory not held by slabs in use nor on the free list. */
  #nonPooledAvailable: number;
  /** Allocations waiting for memory, oldest first. Guards FIFO fairness. */
  readonly #waiters: Waiter[] = [];
  /** Total milliseconds allocations spent waiting (`bufferpool-wait-time-total`). */
  waitTimeTotalMs = 0;
  /** Allocations that gave up (`buffer-exhausted-total`); changed only by the timeout and `recordExhausted`. */
  #exhaustedTotal = 0;

  constructor(totalMemory: number, poolableSize: number) {
    this.totalMemory = totalMemory;
    this.poolableSize = poolableSize;
    this.#nonPooledAvailable = totalMemory;
  }

  /** Bytes free now (free list plus unallocated). */
  get availableMemory(): number {
    return this.#nonPooledAvailable + this.#free.length * this.poolableSize;
  }

  /** Allocations that gave up (`buffer-exhausted-total`). */
  get exhaustedTotal(): number {
    return this.#exhaustedTotal;
  }

  /** Counts a record that gave up waiting for memory outside `allocate` (behind other waiting records). */
  recordExhausted(): void {
    this.#exhaustedTotal++;
  }

  /** Allocations waiting for memory. */
  get queued(): number {
    return this.#waiters.length;
  }

  /**
   * A slab of `size` bytes now, or `null` if memory is short or others are
   * already waiting (they go first).
   */
  tryAllocate(size: number): Uint8Array | null {
    this.#checkSize(size);
    if (this.#waiters.length > 0) return null;
    if (size === this.poolableSize && this.#free.length > 0) return this.#free.pop()!;
    if (this.availableMemory < size) return null;
    this.#freeUp(size);
    this.#nonPooledAvailable -= size;
    return new Uint8Array(size);
  }

  /**
   * A slab of `size` bytes, waiting in line up to `maxBlockMs` for memory
   * (`configuredMaxBlockMs`, for the message, is `max.block.ms` when the
   * caller already spent part of it).
   * Rejects with a `BufferExhaustedError` on timeout, or with
   * `signal.reason` if `signal` aborts first.
   */
  allocate(size: number, maxBlockMs: number, signal?: AbortSignal, configuredMaxBlockMs = maxBlockMs): Promise<Uint8Array> {
    try {
      const now = this.tryAllocate(size);
      if (now !== null) return Promise.resolve(now);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Uint8Array>((resolve, reject) => {
      const waiter: Waiter = { size, accumulated: 0, resolve, reject, start: Date.now(), cleanup: () => {} };
      const give = (error: unknown) => {
        const i = this.#waiters.indexOf(waiter);
        if (i < 0) return;
        this.#waiters.splice(i, 1);
        waiter.cleanup();
        // Whatever was set aside goes back, and may satisfy the next in line.
        this.#nonPooledAvailable += waiter.accumulated;
        this.waitTimeTotalMs += Date.now() - waiter.start;
        reject(error);
        this.#serveWaiters();
      };
      const timer = setTimeout(() => {
        this.#exhaustedTotal++;
        give(
          new BufferExhaustedError(
            `Failed to allocate ${size} bytes within the configured max blocking time ${configuredMaxBlockMs} ms ("max.block.ms"). ` +
              `Total memory: ${this.totalMemory} bytes. Available memory: ${this.availableMemory} bytes. ` +
              `Poolable size: ${this.poolableSize} bytes`,
          ),
        );
      }, maxBlockMs);
      const onAbort = () => give(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      waiter.cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      this.#waiters.push(waiter);
      this.#serveWaiters();
    });
  }

  /** Returns a slab to the pool. */
  deallocate(slab: Uint8Array): void {
    if (slab.length === this.poolableSize) this.#free.push(slab);
    else this.#nonPooledAvailable += slab.length;
    if (this.#waiters.length > 0) this.#serveWaiters();
  }

  /** Fails every waiter (the producer is closing). */
  failWaiters(error: unknown): void {
    for (const w of this.#waiters.splice(0)) {
      w.cleanup();
      this.#nonPooledAvailable += w.accumulated;
      w.reject(error);
    }
  }

  #checkSize(size: number): void {
    if (size > this.totalMemory) {
      throw new RecordTooLargeError(
        `The record needs ${size} bytes, over the "buffer.memory" limit of ${this.totalMemory} bytes`,
        { limit: "buffer.memory" },
      );
    }
  }

  /** Hands free memory to waiters, oldest first. */
  #serveWaiters(): void {
    while (this.#waiters.length > 0) {
      const w = this.#waiters[0]!;
      if (w.accumulated === 0 && w.size === this.poolableSize && this.#free.length > 0) {
        this.#finish(w, this.#free.pop()!);
        continue;
      }
      // Take what is free now towards this waiter; it stays first in line.
      const want = w.size - w.accumulated;
      this.#freeUp(Math.min(want, this.availableMemory));
      const got = Math.min(want, this.#nonPooledAvailable);
      this.#nonPooledAvailable -= got;
      w.accumulated += got;
      if (w.accumulated < w.size) return;
      this.#finish(w, new Uint8Array(w.size));
    }
  }

  #finish(w: Waiter, slab: Uint8Array): void {
    this.#waiters.shift();
    w.cleanup();
    this.waitTimeTotalMs += Date.now() - w.start;
    w.resolve(slab);
  }

  /** Releases free-list slabs into the byte budget until `size` bytes are unpooled. */
  #freeUp(size: number): void {
    while (this.#nonPooledAvailable < size && this.#free.length > 0) {
      this.#free.pop();
      this.#nonPooledAvailable += this.poolableSize;
    }
  }
}

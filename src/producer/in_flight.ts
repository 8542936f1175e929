/**
 * The batches sent to a broker and not answered yet. The sender adds them
 * when it writes a Produce request; the response handler (and a forced close)
 * takes them out. It is the one owner of that set, because two rules depend
 * on it: a batch's slab returns to the pool only when the batch is settled
 * *and* no longer in flight (the socket may still be writing it), and
 * in-flight batches still expire by `delivery.timeout.ms`.
 *
 * @module
 */

import type { ProducerBatch } from "./batch.ts";

/**
 * Batches in flight, each with the broker it was sent to.
 *
 * @example Usage
 * ```ts
 * import { ProducerBatch } from "./batch.ts";
 * import { InFlightBatches } from "./in_flight.ts";
 * const batch = new ProducerBatch("events", 0, new Uint8Array(1024), Date.now());
 * const inFlight = new InFlightBatches();
 * inFlight.add([batch], 1); // the Produce request to node 1 is written
 * console.assert(inFlight.size === 1);
 * inFlight.delete(batch); // its response (or failure) arrived
 * console.assert(inFlight.size === 0);
 * ```
 */
export class InFlightBatches {
  /** Batch → node id. Guards slab release and in-flight expiry; changed only by add/delete/takeAll. */
  readonly #batches = new Map<ProducerBatch, number>();

  /** How many batches are in flight. */
  get size(): number {
    return this.#batches.size;
  }

  /** Records that `batches` were sent to `nodeId`. */
  add(batches: readonly ProducerBatch[], nodeId: number): void {
    for (const b of batches) this.#batches.set(b, nodeId);
  }

  /** Takes `batch` out (its response or failure arrived); false if it was not in flight. */
  delete(batch: ProducerBatch): boolean {
    return this.#batches.delete(batch);
  }

  /** Whether `batch` is in flight (a socket write may still read its slab). */
  has(batch: ProducerBatch): boolean {
    return this.#batches.has(batch);
  }

  /** The batches in flight, oldest request first. */
  batches(): IterableIterator<ProducerBatch> {
    return this.#batches.keys();
  }

  /** Takes every batch out and returns them (forced close). */
  takeAll(): ProducerBatch[] {
    const all = [...this.#batches.keys()];
    this.#batches.clear();
    return all;
  }
}

/**
 * The per-topic compression ratio estimate, as Java's
 * `CompressionRatioEstimator`: it lets a compressed batch fill to
 * `batch.size` *after* compression rather than before.
 *
 * Records are written uncompressed into the batch's slab and compressed when
 * the batch is sealed, so the compressed size is known only then. The
 * accumulator therefore sizes a new compressed batch's slab from the
 * estimate (`slabSize`), and each sealed batch reports its observed ratio
 * (`update`). As in Java, the estimate rises at once (by at least 0.05) when
 * a batch compresses worse than expected, and falls slowly (0.005 per batch)
 * when it compresses better, so a batch seldom comes out over `batch.size`;
 * a split (MESSAGE_TOO_LARGE) resets it to the big batch's ratio. Unlike
 * Java's, whose table is shared by the whole JVM, each producer keeps its own
 * (one producer has one codec).
 *
 * @module
 */

import { BATCH_HEADER_SIZE } from "../protocol/record_batch.ts";

/** How fast the estimate falls when a batch compresses better than expected (Java's value). */
export const COMPRESSION_RATIO_IMPROVING_STEP = 0.005;
/** The least the estimate rises when a batch compresses worse than expected (Java's value). */
export const COMPRESSION_RATIO_DETERIORATE_STEP = 0.05;
/** Java's safety margin on the estimate (`COMPRESSION_RATE_ESTIMATION_FACTOR`). */
export const COMPRESSION_RATE_ESTIMATION_FACTOR = 1.05;

/**
 * Compressed-to-uncompressed size estimates per topic (1 until a batch of
 * the topic has been compressed).
 *
 * @example Filling a batch to batch.size after compression
 * ```ts
 * import { CompressionRatioEstimator } from "./compression_ratio.ts";
 * const est = new CompressionRatioEstimator();
 * console.assert(est.estimate("events") === 1);
 * est.update("events", 0.2); // compressed better: falls slowly
 * console.assert(Math.abs(est.estimate("events") - 0.995) < 1e-9);
 * est.update("events", 1.2); // compressed worse: rises at once
 * console.assert(est.estimate("events") === 1.2);
 * // A 16 KiB batch of records compressing to a quarter holds about 4x the records.
 * est.set("events", 0.25);
 * console.assert(est.slabSize("events", 16384, 1048576) > 3 * 16384);
 * ```
 */
export class CompressionRatioEstimator {
  /** The estimate per topic; only `update`/`set` change it. */
  readonly #ratios = new Map<string, number>();

  /** The current estimate for `topic` (1 if none yet). */
  estimate(topic: string): number {
    return this.#ratios.get(topic) ?? 1;
  }

  /** Folds in the ratio a sealed batch of `topic` showed; returns the new estimate. */
  update(topic: string, observed: number): number {
    const current = this.estimate(topic);
    let next = current;
    if (observed > current) next = Math.max(current + COMPRESSION_RATIO_DETERIORATE_STEP, observed);
    else if (observed < current) next = current - COMPRESSION_RATIO_IMPROVING_STEP;
    this.#ratios.set(topic, next);
    return next;
  }

  /** Sets the estimate outright (after a split, to the big batch's ratio, at least 1). */
  set(topic: string, ratio: number): void {
    this.#ratios.set(topic, ratio);
  }

  /**
   * The slab size for a new batch of `topic` whose records should compress
   * to about `batchSize` bytes with the header: never below `batchSize`
   * (so incompressible data keeps the pool's reusable slabs), never above
   * `cap` (`max.request.size`, `buffer.memory`).
   */
  slabSize(topic: string, batchSize: number, cap: number): number {
    const ratio = this.estimate(topic) * COMPRESSION_RATE_ESTIMATION_FACTOR;
    if (ratio >= 1 || batchSize <= BATCH_HEADER_SIZE) return batchSize;
    const size = BATCH_HEADER_SIZE + Math.floor((batchSize - BATCH_HEADER_SIZE) / ratio);
    return Math.max(batchSize, Math.min(size, cap));
  }
}

/**
 * What the sender loop works with, and how transactions plug into it: the
 * types the sender, the response handler and the transaction manager share,
 * kept apart so none of them imports another for its types.
 *
 * @module
 */

import type { KafkaError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Metadata } from "../metadata.ts";
import type { NetworkClient } from "../network/client.ts";
import type { RecordAccumulator } from "./accumulator.ts";
import type { Compressor, ProducerBatch } from "./batch.ts";
import type { BufferPool } from "./buffer_pool.ts";
import type { Idempotence } from "./idempotence.ts";
import type { ProducerMetrics } from "./metrics.ts";

/** Everything the sender works with. */
export interface SenderContext {
  metadata: Metadata;
  accumulator: RecordAccumulator;
  pool: BufferPool;
  client: NetworkClient;
  /** Idempotence state; `null` when `enable.idempotence` is off. */
  idempotence: Idempotence | null;
  compressor: Compressor | null;
  metrics: ProducerMetrics;
  logger: Logger;
  acks: number;
  requestTimeoutMs: number;
  maxRequestSize: number;
  deliveryTimeoutMs: number;
  retries: number;
  batchSize: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  transactionTimeoutMs: number;
  transactionalId: string | null;
  /** Transactions add their own requests and gates (see `transactions.ts`). */
  hooks?: SenderHooks;
}

/** How transactions plug into the loop. */
export interface SenderHooks {
  /** Runs first in every loop; returns false to hold back produce requests. */
  beforeDrain(now: number): boolean;
  /** The Produce version cap (11 for transaction.version 1). */
  produceVersionCap(nodeId: number): number;
  /** A batch failed for good (abortable/fatal transitions). */
  onBatchFailed(batch: ProducerBatch, error: Error): void;
  /** Sequences of a partition can no longer be trusted: the transaction must abort. */
  onAbortableError(error: KafkaError): void;
}


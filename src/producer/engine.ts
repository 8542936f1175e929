/**
 * The producer's engine, as the inside of Java's `KafkaProducer`: builds one
 * producer's components from its resolved configuration and wires them
 * together (metadata, buffer pool, accumulator, network client, sender, send
 * pipeline, transaction manager), and runs flush and the close sequence over
 * them. `Producer` (`src/producer.ts`) is the public API on top of it.
 *
 * @module
 */

import type { ResolvedConfig } from "../config.ts";
import { ClosedError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { Metadata, type PartitionInfo } from "../metadata.ts";
import { NetworkClient } from "../network/client.ts";
import { saslAuthenticator } from "../network/authenticate.ts";
import { mechanismFactory } from "../security/settings.ts";
import { connectionCap, resolvePlatform } from "../platform.ts";
import { crc32cReady } from "../protocol/crc32c.ts";
import type { Serializer } from "../serde.ts";
import { withTls } from "../socket.ts";
import { RecordAccumulator } from "./accumulator.ts";
import { BufferPool } from "./buffer_pool.ts";
import { compressionLevel, compressorFor } from "./compression.ts";
import { Coordinators } from "./coordinator.ts";
import { Idempotence } from "./idempotence.ts";
import { Interceptors } from "./interceptors.ts";
import { ProducerMetrics } from "./metrics.ts";
import { SendPipeline } from "./pipeline.ts";
import { Sender } from "./sender.ts";
import { TransactionManager } from "./transactions.ts";

/**
 * One producer's components, wired; built once by `Producer`'s constructor.
 *
 * @example Usage
 * ```ts
 * import { resolveConfig } from "../config.ts";
 * import { ProducerEngine } from "./engine.ts";
 * const engine = new ProducerEngine(resolveConfig({ bootstrapServers: ["127.0.0.1:9092"] }));
 * console.assert(engine.transactions === null && engine.metrics()["record-send-total"] === 0);
 * await engine.close(0);
 * ```
 */
export class ProducerEngine {
  /** Where send() hands records over (the producer's hot path goes straight to it). */
  readonly pipeline: SendPipeline;
  /** One turn of the event loop with socket I/O (the platform's, else a 0 ms timer). */
  readonly yieldToEventLoop: () => Promise<void>;
  /** The transaction state machine; `null` without `transactional.id`. */
  readonly transactions: TransactionManager | null = null;
  readonly #logger: Logger;
  /** Set by `Producer.close()`: sends and transaction calls are refused. */
  closed = false;
  readonly #metadata: Metadata;
  readonly #pool: BufferPool;
  readonly #accumulator: RecordAccumulator;
  readonly #client: NetworkClient;
  readonly #sender: Sender;
  readonly #metrics = new ProducerMetrics();
  readonly #interceptors: Interceptors<unknown, unknown>;

  /** Builds and wires the components of a producer configured by `config`. */
  constructor(config: ResolvedConfig) {
    const logger = (this.#logger = config.logger);
    for (const note of config.notes) logger.info(note);
    const platform = resolvePlatform(config.platform, config.connect);
    this.yieldToEventLoop = platform.yieldToEventLoop ?? (() => new Promise((resolve) => setTimeout(resolve, 0)));
    const compressor = compressorFor(config.compressionType, compressionLevel(config), platform, config.codecs);
    // TLS (security.protocol SSL) travels with every connect; the network layer passes nothing along.
    const connect = withTls(platform.connect, config.tls);
    // The platform's WebAssembly CRC-32C (Bun, Deno, Node); without one (Workers, browsers), the TypeScript tables.
    void crc32cReady(platform.wasmCrc32c);
    const maxConnections = connectionCap(config.maxConnections, platform);
    this.#metadata = new Metadata({
      bootstrap: config.bootstrapServers,
      metadataMaxAgeMs: config.metadataMaxAgeMs,
      metadataMaxIdleMs: config.metadataMaxIdleMs,
      retryBackoffMs: config.retryBackoffMs,
      retryBackoffMaxMs: config.retryBackoffMaxMs,
      recoveryStrategy: config.metadataRecoveryStrategy,
      rebootstrapTriggerMs: config.metadataRecoveryRebootstrapTriggerMs,
    });
    this.#pool = new BufferPool(config.bufferMemory, config.batchSize);
    this.#interceptors = new Interceptors(config.interceptors as never[], logger);
    this.#accumulator = new RecordAccumulator({
      batchSize: config.batchSize,
      lingerMs: config.lingerMs,
      retryBackoffMs: config.retryBackoffMs,
      retryBackoffMaxMs: config.retryBackoffMaxMs,
      deliveryTimeoutMs: config.deliveryTimeoutMs,
      maxRequestSize: config.maxRequestSize,
      adaptivePartitioning: config.partitionerAdaptivePartitioningEnable,
      availabilityTimeoutMs: config.partitionerAvailabilityTimeoutMs,
      // As Java's guaranteeMessageOrder: one request in flight per connection means order is promised.
      guaranteeMessageOrder: config.maxInFlightRequestsPerConnection === 1,
      compressed: compressor !== null,
      compressor,
      onCompressed: () => this.#sender.wakeup(),
      listener: this.#interceptors.isEmpty ? null : (_b, _i, error, md) => this.#interceptors.onAcknowledgement(md, error),
    }, this.#pool);
    this.#client = new NetworkClient({
      connect,
      clientId: config.clientId,
      requestTimeoutMs: config.requestTimeoutMs,
      socketConnectionSetupTimeoutMs: config.socketConnectionSetupTimeoutMs,
      socketConnectionSetupTimeoutMaxMs: config.socketConnectionSetupTimeoutMaxMs,
      reconnectBackoffMs: config.reconnectBackoffMs,
      reconnectBackoffMaxMs: config.reconnectBackoffMaxMs,
      connectionsMaxIdleMs: config.connectionsMaxIdleMs,
      maxInFlightRequestsPerConnection: config.maxInFlightRequestsPerConnection,
      maxConnections,
      logger,
      authenticate: config.sasl === null ? undefined : saslAuthenticator(mechanismFactory(config.sasl), logger),
      onFatalError: (error) => this.#metadata.connectionFailed(error),
      onChange: () => this.#sender.wakeup(),
      onDisconnect: () => this.#metadata.requestUpdate(),
      onThrottleTime: (ms, now) => this.#metrics.recordThrottle(ms, now),
      onReauthenticated: (ms, error) => {
        this.#metrics.recordReauthentication(ms, error === null, Date.now());
        if (error === null) logger.debug("Re-authenticated (KIP-368)", { latencyMs: ms });
        else logger.warn("Re-authentication failed: the connection was closed", { error: error.message });
      },
    });
    const idempotence = config.enableIdempotence ? new Idempotence(config.transactionalId !== null) : null;
    if (config.transactionalId !== null && idempotence !== null) {
      this.transactions = new TransactionManager({
        transactionalId: config.transactionalId,
        transactionTimeoutMs: config.transactionTimeoutMs,
        maxBlockMs: config.maxBlockMs,
        idempotence,
        coordinators: new Coordinators({
          client: this.#client,
          metadata: this.#metadata,
          logger,
          retryBackoffMs: config.retryBackoffMs,
          retryBackoffMaxMs: config.retryBackoffMaxMs,
          wakeup: () => this.#sender.wakeup(),
        }),
        client: this.#client,
        logger,
        wakeup: () => this.#sender.wakeup(),
        settleAll: () => this.flush(),
        failUnsent: (error) => {
          this.pipeline.failAll(error);
          this.#sender.failUnsent(error);
        },
      });
    }
    this.#sender = new Sender({
      metadata: this.#metadata,
      accumulator: this.#accumulator,
      pool: this.#pool,
      client: this.#client,
      idempotence,
      hooks: this.transactions ?? undefined,
      compressor,
      metrics: this.#metrics,
      logger,
      acks: config.acks,
      requestTimeoutMs: config.requestTimeoutMs,
      maxRequestSize: config.maxRequestSize,
      deliveryTimeoutMs: config.deliveryTimeoutMs,
      retries: config.retries,
      batchSize: config.batchSize,
      retryBackoffMs: config.retryBackoffMs,
      retryBackoffMaxMs: config.retryBackoffMaxMs,
      transactionTimeoutMs: config.transactionTimeoutMs,
      transactionalId: config.transactionalId,
    });
    this.pipeline = new SendPipeline({
      metadata: this.#metadata,
      accumulator: this.#accumulator,
      pool: this.#pool,
      interceptors: this.#interceptors,
      keySerializer: config.keySerializer as Serializer<unknown> | null,
      valueSerializer: config.valueSerializer as Serializer<unknown> | null,
      partitioner: config.partitioner,
      ignoreKeys: config.partitionerIgnoreKeys,
      maxBlockMs: config.maxBlockMs,
      maxRequestSize: config.maxRequestSize,
      maxQueuedRecords: config.maxQueuedRecords,
      network: this.#client,
      logger,
      wakeup: () => this.#sender.wakeup(),
      onEarlyError: () => this.#metrics.recordErrors(1, Date.now()),
      beforeAppend: this.transactions ? (topic, partition) => this.transactions!.beforeAppend(topic, partition) : undefined,
      beforeSend: this.transactions ? () => this.transactions!.checkSend() : undefined,
      onSendError: this.transactions ? (e) => this.transactions!.onSendError(e) : undefined,
    });
  }

  /**
   * Sends every record given to `send()` so far without waiting for
   * `linger.ms`, and resolves once each has settled (`Producer.flush()`).
   */
  async flush(): Promise<void> {
    await this.pipeline.whenQueued();
    const batches = [...this.#accumulator.incomplete];
    this.#accumulator.beginFlush();
    this.#sender.wakeup();
    try {
      await Promise.all(batches.map((b) => b.settled()));
    } finally {
      this.#accumulator.endFlush();
    }
  }

  /** The partitions of `topic` as known now, once `pipeline.waitForTopic()` resolved (else empty). */
  partitions(topic: string): readonly PartitionInfo[] {
    return this.#metadata.partitions(topic) ?? [];
  }

  /** Where the producer logs (`config.logger`). */
  get logger(): Logger {
    return this.#logger;
  }

  /** Producer metrics under Java's names (e.g. `record-send-total`), as of now. */
  metrics(): Record<string, number> {
    return this.#metrics.snapshot({
      requestsInFlight: this.#sender.inFlightCount,
      bufferTotalBytes: this.#pool.totalMemory,
      bufferAvailableBytes: this.#pool.availableMemory,
      bufferpoolWaitTimeMs: this.#pool.waitTimeTotalMs,
      bufferExhaustedTotal: this.#pool.exhaustedTotal,
      waitingRecords: this.pipeline.queued,
      waitingRecordsMax: this.pipeline.queuedMax,
    }, Date.now());
  }

  /**
   * The close sequence: ends an open transaction, delivers what was sent
   * (within `timeoutMs`), then fails whatever is left and releases every
   * socket and timer. `Producer.close()` runs it once.
   */
  async close(timeoutMs: number): Promise<void> {
    this.#logger.info("Closing the producer", { timeoutMs });
    const txn = this.transactions;
    try {
      if (timeoutMs > 0 && txn !== null) {
        // As Java: an open transaction is aborted on close; a commit under way is let finish.
        const finishing = txn.finishOnClose().catch((e) => this.#logger.warn("Ending the transaction on close failed", { error: String(e) }));
        await this.#within(finishing, timeoutMs);
      }
      if (timeoutMs > 0) {
        this.#accumulator.beginClose();
        this.#sender.wakeup();
        await this.#within(this.#settleEverything(), timeoutMs);
      }
    } finally {
      // Whatever happened above, every record settles and every socket and timer is released:
      // a close() that failed half-way would keep the process alive for good.
      const error = new ClosedError("The producer was closed before the record was delivered");
      this.pipeline.failAll(error);
      this.#pool.failWaiters(error);
      this.#sender.failQueued(error);
      this.#sender.failInFlight(error);
      this.#sender.stop();
      this.#client.close();
      this.#interceptors.close();
    }
  }

  /** Waits for `p`, at most `timeoutMs`. */
  async #within(p: Promise<unknown>, timeoutMs: number): Promise<void> {
    if (!Number.isFinite(timeoutMs)) {
      await p;
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Resolves once no record is queued, batched or in flight. */
  async #settleEverything(): Promise<void> {
    for (;;) {
      await this.pipeline.whenQueued();
      const pending = [...this.#accumulator.incomplete].filter((b) => !b.done);
      if (pending.length === 0 && this.pipeline.queued === 0) return;
      this.#sender.wakeup();
      await Promise.all(pending.map((b) => b.settled()));
    }
  }
}

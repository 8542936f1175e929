/**
 * The public producer, as Java's `KafkaProducer`: `send`, `flush`, `close`,
 * `partitionsFor`, `metrics`. See `DESIGN.md` for the data flow.
 *
 * @module
 */

import { configFromProperties, type ProducerOptions, type ResolvedConfig, resolveConfig } from "./config.ts";
import { ClosedError, TransactionStateError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { Metadata, type PartitionInfo } from "./metadata.ts";
import { NetworkClient } from "./network/client.ts";
import { crc32cReady } from "./protocol/crc32c.ts";
import { RecordAccumulator } from "./producer/accumulator.ts";
import { CALLBACK } from "./producer/batch.ts";
import { BufferPool } from "./producer/buffer_pool.ts";
import { compressorFor } from "./producer/compression.ts";
import { Idempotence } from "./producer/idempotence.ts";
import { Interceptors } from "./producer/interceptors.ts";
import { ProducerMetrics } from "./producer/metrics.ts";
import { closedError, SendPipeline } from "./producer/pipeline.ts";
import { Coordinators } from "./producer/coordinator.ts";
import { Sender } from "./producer/sender.ts";
import { type GroupMetadata, TransactionManager, type TransactionOffsets } from "./producer/transactions.ts";
import type { Bytes, ProducerRecord, RecordMetadata, SendCallback, Serializer } from "./serde.ts";
import { resolvePlatform } from "./platform.ts";

/** Options of one `send()`. */
export interface SendOptions {
  /** Gives up waiting for metadata or buffer memory (the record is not sent). */
  signal?: AbortSignal;
}

/** Options of `close()`. */
export interface CloseOptions {
  /**
   * How long to wait for queued records to be delivered; then the rest fail.
   * 0 fails them at once. Default: wait (bounded by `delivery.timeout.ms`).
   */
  timeoutMs?: number;
}

/** Producer options with typed serializers. */
export type TypedProducerOptions<K, V> = Omit<ProducerOptions, "keySerializer" | "valueSerializer"> & {
  keySerializer?: Serializer<K>;
  valueSerializer?: Serializer<V>;
};

/** A partition as `partitionsFor()` reports it. */
export interface TopicPartitionInfo extends PartitionInfo {
  readonly topic: string;
}

/**
 * A Kafka producer.
 *
 * @typeParam K Key type (bytes or string unless `keySerializer` is set).
 * @typeParam V Value type (bytes or string unless `valueSerializer` is set).
 *
 * @example Sending a record and closing
 * ```ts ignore
 * import { Producer } from "@edgekafka/producer";
 * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], lingerMs: 5 });
 * const md = await producer.send({ topic: "events", key: "user-1", value: "signed up" });
 * console.log(md.partition, md.offset);
 * ```
 */
export class Producer<K = Bytes, V = Bytes> implements AsyncDisposable {
  /** The resolved configuration (Java defaults filled in). */
  readonly config: ResolvedConfig;
  readonly #logger: Logger;
  readonly #metadata: Metadata;
  readonly #pool: BufferPool;
  readonly #accumulator: RecordAccumulator;
  readonly #client: NetworkClient;
  readonly #sender: Sender;
  readonly #pipeline: SendPipeline;
  readonly #metrics = new ProducerMetrics();
  readonly #interceptors: Interceptors<unknown, unknown>;
  /** The transaction state machine; `null` without `transactional.id`. */
  readonly #transactions: TransactionManager | null = null;
  /** Set by `close()`: sends are refused. */
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(options: TypedProducerOptions<K, V>) {
    const config = (this.config = resolveConfig(options as ProducerOptions));
    const logger = (this.#logger = config.logger);
    for (const note of config.notes) logger.info(note);
    const platform = resolvePlatform(config.platform, config.connect);
    const connect = platform.connect;
    void crc32cReady();
    this.#metadata = new Metadata({
      bootstrap: config.bootstrapServers,
      metadataMaxAgeMs: config.metadataMaxAgeMs,
      metadataMaxIdleMs: config.metadataMaxIdleMs,
      retryBackoffMs: config.retryBackoffMs,
      retryBackoffMaxMs: config.retryBackoffMaxMs,
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
      logger,
      onChange: () => this.#sender.wakeup(),
      onDisconnect: () => this.#metadata.requestUpdate(),
    });
    const idempotence = config.enableIdempotence ? new Idempotence(config.transactionalId !== null) : null;
    if (config.transactionalId !== null && idempotence !== null) {
      this.#transactions = new TransactionManager({
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
          this.#pipeline.failAll(error);
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
      hooks: this.#transactions ?? undefined,
      compressor: compressorFor(config.compressionType, config.compressionGzipLevel, platform),
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
    this.#pipeline = new SendPipeline({
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
      logger,
      wakeup: () => this.#sender.wakeup(),
      onEarlyError: () => this.#metrics.recordErrors(1, Date.now()),
      beforeAppend: this.#transactions ? (topic, partition) => this.#transactions!.beforeAppend(topic, partition) : undefined,
      beforeSend: this.#transactions ? () => this.#transactions!.checkSend() : undefined,
      onSendError: this.#transactions ? (e) => this.#transactions!.onSendError(e) : undefined,
    });
  }

  /**
   * A producer from Java-style properties (all values strings).
   *
   * @example Usage
   * ```ts ignore
   * const producer = Producer.fromProperties({ "bootstrap.servers": "127.0.0.1:9092", "linger.ms": "5" });
   * ```
   */
  static fromProperties(properties: Record<string, string>, extra: Partial<TypedProducerOptions<Bytes, Bytes>> = {}): Producer {
    configFromProperties(properties); // checks the Properties form: every value a string
    // The constructor takes Java names and their string values as they are.
    return new Producer({ ...properties, ...extra } as TypedProducerOptions<Bytes, Bytes>);
  }

  /**
   * Sends a record; `callback` is called once, with the metadata once the
   * broker acknowledged it (per `acks`), or with the error.
   * (This overload comes first so an untyped callback parameter is inferred.)
   */
  send(record: ProducerRecord<K, V>, callback: SendCallback, options?: SendOptions): void;
  /** Sends a record; resolves with where it landed, or rejects with why it was not sent. */
  send(record: ProducerRecord<K, V>, options?: SendOptions): Promise<RecordMetadata>;
  send(
    record: ProducerRecord<K, V>,
    callbackOrOptions?: SendCallback | SendOptions,
    maybeOptions?: SendOptions,
  ): Promise<RecordMetadata> | void {
    const r = record as ProducerRecord<unknown, unknown>;
    if (typeof callbackOrOptions === "function") {
      const cb = callbackOrOptions;
      if (this.#closed) {
        return void queueMicrotask(() => {
          try {
            cb(closedError(), null);
          } catch (thrown) {
            this.#logger.warn("A send callback threw; ignored", { error: String(thrown) });
          }
        });
      }
      this.#pipeline.send(r, cb, CALLBACK, (e) => cb(e, null), maybeOptions?.signal);
      return;
    }
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<RecordMetadata>((resolve, reject) => {
      this.#pipeline.send(r, resolve, reject, reject, callbackOrOptions?.signal);
    });
  }

  /**
   * Sends every record given to `send()` so far without waiting for
   * `linger.ms`, and resolves once each has settled.
   */
  async flush(): Promise<void> {
    await this.#pipeline.whenQueued();
    const batches = [...this.#accumulator.incomplete];
    this.#accumulator.beginFlush();
    this.#sender.wakeup();
    try {
      await Promise.all(batches.map((b) => b.settled()));
    } finally {
      this.#accumulator.endFlush();
    }
  }

  /** The partitions of `topic` (waits up to `max.block.ms` for its metadata). */
  async partitionsFor(topic: string, options: SendOptions = {}): Promise<TopicPartitionInfo[]> {
    if (this.#closed) throw closedError();
    await this.#pipeline.waitForTopic(topic, options.signal);
    return (this.#metadata.partitions(topic) ?? []).map((p) => ({ topic, ...p }));
  }

  /** Producer metrics under Java's names (e.g. `record-send-total`). */
  metrics(): Record<string, number> {
    return this.#metrics.snapshot({
      requestsInFlight: this.#sender.inFlightCount,
      bufferTotalBytes: this.#pool.totalMemory,
      bufferAvailableBytes: this.#pool.availableMemory,
      bufferpoolWaitTimeMs: this.#pool.waitTimeTotalMs,
      bufferExhaustedTotal: this.#pool.exhaustedTotal,
    }, Date.now());
  }

  /**
   * Gets the producer id for `transactional.id`, fencing any older producer
   * with the same id, and finishes what it left open. Call once, first.
   */
  async initTransactions(): Promise<void> {
    return this.#txn("initTransactions").initTransactions();
  }

  /** Starts a transaction: records sent until commit or abort belong to it. */
  beginTransaction(): void {
    this.#txn("beginTransaction").beginTransaction();
  }

  /**
   * Commits consumed offsets with the transaction (consume-transform-produce):
   * `offsets[topic][partition]` is the next offset to consume.
   */
  async sendOffsetsToTransaction(offsets: TransactionOffsets, groupMetadata: GroupMetadata): Promise<void> {
    return this.#txn("sendOffsetsToTransaction").sendOffsetsToTransaction(offsets, groupMetadata);
  }

  /** Sends every record of the transaction, then commits it. */
  async commitTransaction(): Promise<void> {
    return this.#txn("commitTransaction").commitTransaction();
  }

  /** Aborts the transaction: unsent records fail, sent ones are discarded by readers. */
  async abortTransaction(): Promise<void> {
    return this.#txn("abortTransaction").abortTransaction();
  }

  /**
   * Runs `fn` in a transaction: commits if it resolves, aborts (and rethrows)
   * if it throws or the commit fails.
   *
   * @example Usage
   * ```ts ignore
   * await producer.transaction(async (tx) => {
   *   await tx.send({ topic: "out", value: "v" });
   *   await tx.sendOffsetsToTransaction({ in: { 0: 42n } }, "my-group");
   * });
   * ```
   */
  async transaction<T>(fn: (tx: this) => Promise<T> | T): Promise<T> {
    this.beginTransaction();
    let result: T;
    try {
      result = await fn(this);
      await this.commitTransaction();
    } catch (error) {
      const state = this.#transactions!.state;
      if (state === "IN_TRANSACTION" || state === "ABORTABLE_ERROR" || state === "COMMITTING") {
        await this.abortTransaction().catch((e) => this.#logger.warn("Abort after a failed transaction failed", { error: String(e) }));
      }
      throw error;
    }
    return result;
  }

  #txn(method: string): TransactionManager {
    if (this.#closed) throw closedError();
    if (this.#transactions === null) {
      throw new TransactionStateError(
        `Cannot call ${method}(): transactions need the "transactional.id" configuration (and idempotence)`,
      );
    }
    return this.#transactions;
  }

  /**
   * Stops accepting records, delivers what was sent (within `timeoutMs`),
   * fails the rest, and releases connections. Safe to call more than once.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#close(options.timeoutMs ?? Infinity);
    return this.#closing;
  }

  /** `await using producer = new Producer(…)` closes it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#logger.info("Closing the producer", { timeoutMs });
    const txn = this.#transactions;
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
      this.#pipeline.failAll(error);
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
      await this.#pipeline.whenQueued();
      const pending = [...this.#accumulator.incomplete].filter((b) => !b.done);
      if (pending.length === 0 && this.#pipeline.queued === 0) return;
      this.#sender.wakeup();
      await Promise.all(pending.map((b) => b.settled()));
    }
  }
}

/**
 * The public producer, as Java's `KafkaProducer`: `send`, `flush`, `close`,
 * `partitionsFor`, `metrics` and the transactional API. The components it
 * runs on are built and wired by `producer/engine.ts`, its option types are
 * in `producer/api_types.ts`; see `DESIGN.md` for the data flow.
 *
 * @module
 */

import { configFromProperties, type ProducerOptions, type ResolvedConfig, resolveConfig } from "./config.ts";
import { TransactionStateError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { CloseOptions, SendOptions, TopicPartitionInfo, TypedProducerOptions } from "./producer/api_types.ts";
import { CALLBACK } from "./producer/batch.ts";
import { ProducerEngine } from "./producer/engine.ts";
import { closedError, type SendPipeline } from "./producer/pipeline.ts";
import type { GroupMetadata, TransactionManager, TransactionOffsets } from "./producer/transactions.ts";
import type { Bytes, ProducerRecord, RecordMetadata, SendCallback } from "./serde.ts";

/**
 * A Kafka producer, as Java's `KafkaProducer`: `send()` batches records per
 * partition and a background loop writes them to the partitions' leaders.
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
  /**
   * The resolved configuration (Java defaults filled in).
   *
   * @example Usage
   * ```ts
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], lingerMs: 5 });
   * console.assert(producer.config.lingerMs === 5 && producer.config.acks === -1);
   * ```
   */
  readonly config: ResolvedConfig;
  readonly #logger: Logger;
  /** The components and their lifecycle. */
  readonly #engine: ProducerEngine;
  /** The engine's pipeline, kept here for the hot path of `send()`. */
  readonly #pipeline: SendPipeline;
  /** Set by `close()`: sends are refused. */
  #closed = false;
  /** The one close sequence, started by the first `close()`. */
  #closing: Promise<void> | null = null;

  /**
   * A producer configured by `options`: Java names (`"linger.ms": 5`) or
   * camelCase (`lingerMs: 5`); see `CONFIG_KEYS` for every key. Throws
   * `ConfigError` for an unknown key or a bad value. It connects when it first
   * needs metadata.
   *
   * @example Typed values
   * ```ts
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer<string, { total: number }>({
   *   bootstrapServers: ["127.0.0.1:9092"],
   *   valueSerializer: (_topic, order) => JSON.stringify(order),
   * });
   * console.assert(producer.config.valueSerializer !== null);
   * ```
   *
   * @example A wrong key names the closest right one
   * ```ts
   * import { ConfigError, Producer } from "@edgekafka/producer";
   * try {
   *   new Producer({ bootstrapServers: ["127.0.0.1:9092"], "linger.msx": 5 } as never);
   * } catch (e) {
   *   console.assert(e instanceof ConfigError && e.message.includes("linger.ms"));
   * }
   * ```
   */
  constructor(options: TypedProducerOptions<K, V>) {
    const config = (this.config = resolveConfig(options as ProducerOptions));
    this.#logger = config.logger;
    this.#engine = new ProducerEngine(config);
    this.#pipeline = this.#engine.pipeline;
  }

  /**
   * A producer from Java-style properties (all values strings); `extra` adds
   * what properties cannot hold (a logger, serializers, a platform).
   *
   * @example Usage
   * ```ts
   * import { Producer } from "@edgekafka/producer";
   * await using producer = Producer.fromProperties({ "bootstrap.servers": "127.0.0.1:9092", "linger.ms": "5" });
   * console.assert(producer.config.lingerMs === 5);
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
   *
   * @example Callback form
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * producer.send({ topic: "events", key: "user-1", value: "clicked" }, (error, metadata) => {
   *   if (error) console.error("not sent:", error.message);
   *   else console.log(`partition ${metadata!.partition}, offset ${metadata!.offset}`);
   * });
   * await producer.flush();
   * ```
   */
  send(record: ProducerRecord<K, V>, callback: SendCallback, options?: SendOptions): void;
  /**
   * Sends a record; resolves with where it landed, or rejects with why it was not sent.
   *
   * @example Promise form, with headers and a give-up signal
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * const md = await producer.send(
   *   { topic: "orders", key: "order-1", value: JSON.stringify({ total: 42 }), headers: [["source", "web"]] },
   *   { signal: AbortSignal.timeout(5_000) }, // gives up waiting for metadata or memory after 5 s
   * );
   * console.log(md.topic, md.partition, md.offset, new Date(md.timestamp));
   * ```
   *
   * @example A closed producer refuses records
   * ```ts
   * import { ClosedError, Producer } from "@edgekafka/producer";
   * const producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * await producer.close();
   * const error = await producer.send({ topic: "events", value: "late" }).catch((e) => e);
   * console.assert(error instanceof ClosedError);
   * ```
   */
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
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], lingerMs: 1_000 });
   * for (let i = 0; i < 100; i++) producer.send({ topic: "events", value: `event ${i}` }, () => {});
   * await producer.flush(); // all 100 settled, without waiting for linger.ms
   * ```
   *
   * @example With nothing sent, it resolves at once
   * ```ts
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * await producer.flush();
   * ```
   */
  flush(): Promise<void> {
    return this.#engine.flush();
  }

  /**
   * The partitions of `topic` (waits up to `max.block.ms` for its metadata,
   * or until `options.signal` aborts).
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * for (const p of await producer.partitionsFor("events")) {
   *   console.log(`${p.topic}-${p.partition}: leader ${p.leader}, in sync ${p.isr.join(",")}`);
   * }
   * ```
   */
  async partitionsFor(topic: string, options: SendOptions = {}): Promise<TopicPartitionInfo[]> {
    if (this.#closed) throw closedError();
    await this.#pipeline.waitForTopic(topic, options.signal);
    return this.#engine.partitions(topic).map((p) => ({ topic, ...p }));
  }

  /**
   * Producer metrics under Java's names (e.g. `record-send-total`).
   *
   * @example Usage
   * ```ts
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], bufferMemory: 1_048_576 });
   * const metrics = producer.metrics();
   * console.assert(metrics["record-send-total"] === 0 && metrics["buffer-total-bytes"] === 1_048_576);
   * ```
   */
  metrics(): Record<string, number> {
    return this.#engine.metrics();
  }

  /**
   * Gets the producer id for `transactional.id`, fencing any older producer
   * with the same id, and finishes what it left open. Call once, first.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "orders-writer-1" });
   * await producer.initTransactions(); // an older "orders-writer-1" is now fenced
   * ```
   *
   * @example Without `transactional.id` it throws
   * ```ts
   * import { Producer, TransactionStateError } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * const error = await producer.initTransactions().catch((e) => e);
   * console.assert(error instanceof TransactionStateError);
   * ```
   */
  async initTransactions(): Promise<void> {
    return this.#txn("initTransactions").initTransactions();
  }

  /**
   * Starts a transaction: records sent until commit or abort belong to it.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "orders-writer-1" });
   * await producer.initTransactions();
   * producer.beginTransaction();
   * await producer.send({ topic: "orders", key: "order-1", value: "created" });
   * await producer.commitTransaction();
   * ```
   */
  beginTransaction(): void {
    this.#txn("beginTransaction").beginTransaction();
  }

  /**
   * Commits consumed offsets with the transaction (consume-transform-produce):
   * `offsets[topic][partition]` is the next offset to consume.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "enricher-1" });
   * await producer.initTransactions();
   * producer.beginTransaction();
   * await producer.send({ topic: "orders-enriched", key: "order-1", value: "enriched" });
   * // The input record was orders-0 at offset 41: the group goes on from 42 once this commits.
   * await producer.sendOffsetsToTransaction({ orders: { 0: 42n } }, "enricher-group");
   * await producer.commitTransaction();
   * ```
   */
  async sendOffsetsToTransaction(offsets: TransactionOffsets, groupMetadata: GroupMetadata): Promise<void> {
    return this.#txn("sendOffsetsToTransaction").sendOffsetsToTransaction(offsets, groupMetadata);
  }

  /**
   * Sends every record of the transaction, then commits it.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "orders-writer-1" });
   * await producer.initTransactions();
   * producer.beginTransaction();
   * producer.send({ topic: "orders", value: "a" }, () => {});
   * producer.send({ topic: "orders", value: "b" }, () => {});
   * await producer.commitTransaction(); // both records are delivered first, then committed
   * ```
   */
  async commitTransaction(): Promise<void> {
    return this.#txn("commitTransaction").commitTransaction();
  }

  /**
   * Aborts the transaction: unsent records fail, sent ones are discarded by readers.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "orders-writer-1" });
   * await producer.initTransactions();
   * producer.beginTransaction();
   * try {
   *   await producer.send({ topic: "orders", value: "a" });
   *   throw new Error("the order is invalid");
   * } catch {
   *   await producer.abortTransaction(); // read_committed consumers never see "a"
   * }
   * ```
   */
  async abortTransaction(): Promise<void> {
    return this.#txn("abortTransaction").abortTransaction();
  }

  /**
   * Runs `fn` in a transaction: commits if it resolves, aborts (and rethrows)
   * if it throws or the commit fails.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "enricher-1" });
   * await producer.initTransactions();
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
      const state = this.#engine.transactions!.state;
      if (state === "IN_TRANSACTION" || state === "ABORTABLE_ERROR" || state === "COMMITTING") {
        await this.abortTransaction().catch((e) => this.#logger.warn("Abort after a failed transaction failed", { error: String(e) }));
      }
      throw error;
    }
    return result;
  }

  #txn(method: string): TransactionManager {
    if (this.#closed) throw closedError();
    const transactions = this.#engine.transactions;
    if (transactions === null) {
      throw new TransactionStateError(
        `Cannot call ${method}(): transactions need the "transactional.id" configuration (and idempotence)`,
      );
    }
    return transactions;
  }

  /**
   * Stops accepting records, delivers what was sent (within `timeoutMs`),
   * fails the rest, and releases connections. Safe to call more than once.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * const producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * producer.send({ topic: "events", value: "last words" }, () => {});
   * await producer.close({ timeoutMs: 10_000 }); // delivered, or failed after 10 s
   * ```
   *
   * @example `timeoutMs: 0` fails what is not delivered, at once
   * ```ts
   * import { ClosedError, Producer } from "@edgekafka/producer";
   * const producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * const sent = producer.send({ topic: "events", value: "v" }).catch((e) => e);
   * await producer.close({ timeoutMs: 0 });
   * console.assert((await sent) instanceof ClosedError);
   * ```
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#engine.close(options.timeoutMs ?? Infinity);
    return this.#closing;
  }

  /**
   * `await using producer = new Producer(…)` closes it at scope exit, as
   * `close()` does (delivering what was sent).
   *
   * @example Usage
   * ```ts
   * import { Producer } from "@edgekafka/producer";
   * {
   *   await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   *   console.assert(producer.metrics()["record-send-total"] === 0);
   * } // closed here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * The public producer, as Java's `KafkaProducer`: `send`, `flush`, `close`,
 * `partitionsFor`, `metrics` and the transactional API. The components it
 * runs on are built and wired by `producer/engine.ts`, its option types are
 * in `producer/api_types.ts`; see `DESIGN.md` for the data flow.
 *
 * @module
 */

import { configFromProperties, type ProducerOptions, type ResolvedConfig, resolveConfig } from "./config.ts";
import type { Logger } from "./logger.ts";
import type {
  CloseOptions,
  SendableRecord,
  SendAllOptions,
  SendAllResult,
  SendOptions,
  TopicPartitionInfo,
  TypedProducerOptions,
  WritableOptions,
} from "./producer/api_types.ts";
import { Backpressure } from "./producer/backpressure.ts";
import { CALLBACK } from "./producer/batch.ts";
import { ProducerEngine } from "./producer/engine.ts";
import { closedError, type SendPipeline } from "./producer/pipeline.ts";
import { TransactionalApi } from "./producer/transactional.ts";
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
export class Producer<K = Bytes, V = Bytes> extends TransactionalApi implements AsyncDisposable {
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
  /** `bufferFull`, `ready()`, `sendAll()`, `writable()`. */
  readonly #backpressure: Backpressure<K, V>;
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
    const config = resolveConfig(options as ProducerOptions);
    const engine = new ProducerEngine(config);
    super(engine);
    this.config = config;
    this.#logger = config.logger;
    this.#engine = engine;
    this.#pipeline = engine.pipeline;
    const host = {
      send: (r: SendableRecord<K, V>, cb: SendCallback, topic?: string) =>
        engine.closed ? this.send(r as ProducerRecord<K, V>, cb) : engine.pipeline.send(r as ProducerRecord<unknown, unknown>, cb, CALLBACK, undefined, topic),
      flush: () => this.flush(),
      closed: () => engine.closed,
    };
    this.#backpressure = new Backpressure(host, this.#pipeline, this.#engine.yieldToEventLoop);
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
      if (this.#engine.closed) {
        return void queueMicrotask(() => {
          try {
            cb(closedError(), null);
          } catch (thrown) {
            this.#logger.warn("A send callback threw; ignored", { error: String(thrown) });
          }
        });
      }
      this.#pipeline.send(r, cb, CALLBACK, maybeOptions?.signal);
      return;
    }
    if (this.#engine.closed) return Promise.reject(closedError());
    return new Promise<RecordMetadata>((resolve, reject) => {
      this.#pipeline.send(r, resolve, reject, callbackOrOptions?.signal);
    });
  }

  /**
   * True while records wait for buffer memory (or too many wait for
   * metadata): a loop should `await ready()` before it sends more, as Java's
   * `send()` would block. A field read, cheap on every record.
   *
   * @example A hand-written loop within `buffer.memory`
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * for (let i = 0; i < 1_000_000; i++) {
   *   if (producer.bufferFull) await producer.ready();
   *   producer.send({ topic: "events", value: `event ${i}` }, (error) => error && console.error(error.message));
   * }
   * ```
   */
  get bufferFull(): boolean {
    return this.#backpressure.full;
  }

  /**
   * Resolves once `bufferFull` is false (at once if it is; one promise
   * shared by all callers), or rejects with `signal.reason` if it aborts.
   *
   * @example Usage
   * ```ts
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * await producer.ready(AbortSignal.timeout(1_000)); // nothing waits: at once
   * console.assert(!producer.bufferFull);
   * ```
   */
  ready(signal?: AbortSignal): Promise<void> {
    return this.#backpressure.ready(signal);
  }

  /**
   * *The* way to produce fast: sends every record of `records` (an array, a
   * generator, an async iterable), pausing while `bufferFull` and yielding
   * to the event loop, so memory stays within `buffer.memory`. As Java's
   * send loop, every record sent settles: it resolves with the count once
   * all were acknowledged, or rejects with the first failure once all have
   * settled (`onDelivery` sees each outcome). It stops taking records when
   * `signal` aborts or the producer closes.
   *
   * @example Ten million records
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * function* records() {
   *   for (let i = 0; i < 10_000_000; i++) yield { key: `k${i % 100}`, value: `event ${i}` };
   * }
   * const { count } = await producer.sendAll(records(), { topic: "events" });
   * ```
   *
   * @example Nothing to send
   * ```ts
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * console.assert((await producer.sendAll([])).count === 0);
   * ```
   */
  sendAll(records: Iterable<SendableRecord<K, V>> | AsyncIterable<SendableRecord<K, V>>, options?: SendAllOptions): Promise<SendAllResult> {
    return this.#backpressure.sendAll(records, options);
  }

  /**
   * A `WritableStream` of records: each `write()` waits while `bufferFull`,
   * so `readable.pipeTo(producer.writable())` is paced by `buffer.memory`.
   * `close()` flushes and rejects with the first failed record if any; a
   * write after a failure rejects with it (which errors the stream).
   *
   * @example Piping a stream
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * const events = new ReadableStream<{ value: string }>({
   *   start(controller) {
   *     for (const value of ["a", "b", "c"]) controller.enqueue({ value });
   *     controller.close();
   *   },
   * });
   * await events.pipeTo(producer.writable({ topic: "events" })); // all delivered when it resolves
   * ```
   *
   * @example Closing an unused stream
   * ```ts
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * await producer.writable({ topic: "events" }).close();
   * ```
   */
  writable(options?: WritableOptions): WritableStream<SendableRecord<K, V>> {
    return this.#backpressure.writable(options);
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
    if (this.#engine.closed) throw closedError();
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
    this.#engine.closed = true;
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

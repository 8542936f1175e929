/**
 * A Durable Object that owns one long-lived producer for a whole Worker:
 * requests hand it their records, it sends them with the records of every
 * other request in flight (Kafka-sized batches, one idempotent producer id,
 * connections kept open between requests) and answers each request with
 * its records' metadata.
 *
 * Why a Durable Object: a socket opened by a Worker belongs to the request
 * that opened it, so a producer in a plain Worker lives one request (its
 * batches hold that request's records only, and every request pays for
 * connecting). A Durable Object's I/O belongs to the object, so its producer
 * serves every request routed to it.
 *
 * @module
 */

import { Producer } from "../src/producer.ts";
import type { ProducerOptions } from "../src/config.ts";
import type { ProducerRecord, RecordMetadata } from "../src/serde.ts";
import { ConfigError, KafkaError } from "../src/errors.ts";
import { platform as cloudflarePlatform } from "./cloudflare.ts";

/**
 * A record as a request sends it to the object (JSON): text key and value,
 * text headers.
 *
 * @example Usage
 * ```ts
 * import type { JsonRecord } from "@edgekafka/producer/cloudflare-do";
 * const record: JsonRecord = { topic: "clicks", key: "user-1", value: '{"page":"/"}' };
 * console.assert(record.topic === "clicks");
 * ```
 */
export interface JsonRecord {
  /** The topic to write to. */
  topic: string;
  /** The key (UTF-8); absent or null: none. */
  key?: string | null;
  /** The value (UTF-8); absent or null: a tombstone. */
  value?: string | null;
  /** Headers (values UTF-8), in order. */
  headers?: Record<string, string>;
  /** A partition chosen by the caller. */
  partition?: number;
}

/** What the object answers: each record's metadata in order, offsets as decimal strings. */
export interface ProduceAnswer {
  /** Per record: its metadata, or why it was not written. */
  results: Array<
    | { topic: string; partition: number; offset: string; timestamp: number }
    | { error: { name: string; message: string } }
  >;
}

/** The part of a Durable Object's `state` used here. */
interface DurableObjectStateLike {
  waitUntil?(promise: Promise<unknown>): void;
}

/** The bindings the default {@linkcode KafkaProducerObject.producerOptions} reads. */
export interface KafkaProducerEnv {
  /** `bootstrap.servers`, e.g. `"broker-1.example.com:9092"`. */
  readonly KAFKA_BOOTSTRAP?: string;
}

/**
 * The Durable Object class: export it from the Worker's main module and bind
 * it (`durable_objects.bindings` in `wrangler.toml`). Requests `POST` it
 * `{ "records": JsonRecord[] }` (see {@linkcode sendThroughObject}); it
 * answers {@linkcode ProduceAnswer}. `GET /metrics` answers the producer's
 * metrics. Subclass it and override {@linkcode producerOptions} to configure
 * the producer (by default: `bootstrap.servers` from `env.KAFKA_BOOTSTRAP`,
 * `linger.ms` 20 so concurrent requests share batches).
 *
 * @example A Worker that sends through the object
 * ```ts ignore
 * import { type DurableObjectStubLike, KafkaProducerObject, sendThroughObject } from "@edgekafka/producer/cloudflare-do";
 * export { KafkaProducerObject };
 * interface Env { PRODUCER: { idFromName(name: string): unknown; get(id: unknown): DurableObjectStubLike } }
 * export default {
 *   async fetch(request: Request, env: Env) {
 *     const stub = env.PRODUCER.get(env.PRODUCER.idFromName("kafka"));
 *     const answer = await sendThroughObject(stub, [{ topic: "clicks", value: await request.text() }]);
 *     return Response.json(answer);
 *   },
 * };
 * ```
 */
export class KafkaProducerObject {
  /** The bindings, for {@linkcode producerOptions}. */
  protected readonly env: KafkaProducerEnv;
  /** The producer, made at the first request; replaced after it failed fatally. */
  #producer: Producer<string, string> | null = null;

  /**
   * Called by the runtime.
   *
   * @param _state The object's state (unused: the producer keeps nothing durable).
   * @param env The Worker's bindings.
   */
  constructor(_state: DurableObjectStateLike, env: KafkaProducerEnv) {
    this.env = env;
  }

  /**
   * The producer's options; override to configure it. `platform` is set to
   * Cloudflare's by the object.
   *
   * @returns Options for `new Producer(...)`.
   */
  protected producerOptions(): ProducerOptions {
    const bootstrap = this.env.KAFKA_BOOTSTRAP;
    if (bootstrap === undefined) {
      throw new ConfigError("bootstrap.servers", 'The KafkaProducerObject needs a "KAFKA_BOOTSTRAP" binding, or override producerOptions()');
    }
    return { bootstrapServers: bootstrap, lingerMs: 20 };
  }

  /** The producer, created on first use. */
  protected producer(): Producer<string, string> {
    this.#producer ??= new Producer<string, string>({ ...this.producerOptions(), platform: cloudflarePlatform });
    return this.#producer;
  }

  /**
   * Handles a request: `POST` records, `GET /metrics`.
   *
   * @param request `POST` with `{ "records": JsonRecord[] }`, or `GET /metrics`.
   * @returns {@linkcode ProduceAnswer} as JSON (status 200, per-record errors inside), 400 for a bad body.
   */
  async fetch(request: Request): Promise<Response> {
    if (request.method === "GET" && new URL(request.url).pathname.endsWith("/metrics")) {
      return Response.json(this.#producer?.metrics() ?? {});
    }
    let records: JsonRecord[];
    try {
      const body = await request.json() as { records?: unknown };
      if (!Array.isArray(body.records)) throw new Error('expected { "records": [...] }');
      records = body.records as JsonRecord[];
    } catch (error) {
      return Response.json({ error: { name: "BadRequest", message: `Invalid body: ${(error as Error).message}` } }, { status: 400 });
    }
    const producer = this.producer();
    const settled = await Promise.allSettled(records.map((r) => producer.send(toRecord(r))));
    const answer: ProduceAnswer = { results: settled.map(toResult) };
    if (settled.some((s) => s.status === "rejected" && (s.reason as { fatal?: unknown }).fatal === true)) {
      // A fatal error (fenced, out of order) ends this producer: the next request gets a new one.
      const broken = producer;
      this.#producer = null;
      void broken.close({ timeoutMs: 0 }).catch(() => {});
    }
    return Response.json(answer);
  }
}

function toRecord(r: JsonRecord): ProducerRecord<string, string> {
  return {
    topic: r.topic,
    key: r.key ?? null,
    value: r.value ?? null,
    ...(r.headers === undefined ? {} : { headers: r.headers }),
    ...(r.partition === undefined ? {} : { partition: r.partition }),
  };
}

function toResult(s: PromiseSettledResult<RecordMetadata>): ProduceAnswer["results"][number] {
  if (s.status === "fulfilled") {
    const md = s.value;
    return { topic: md.topic, partition: md.partition, offset: md.offset.toString(), timestamp: md.timestamp };
  }
  const e = s.reason as Error;
  return { error: { name: e.name, message: e.message } };
}

/** The part of a Durable Object stub used here. */
export interface DurableObjectStubLike {
  fetch(input: string | Request, init?: RequestInit): Promise<Response>;
}

/**
 * Sends `records` through a {@linkcode KafkaProducerObject} and returns its
 * answer; rejects if the object could not be reached or refused the body.
 *
 * @example Usage
 * ```ts
 * import { sendThroughObject } from "@edgekafka/producer/cloudflare-do";
 * const stub = { fetch: async () => Response.json({ results: [{ topic: "t", partition: 0, offset: "7", timestamp: 1 }] }) };
 * const answer = await sendThroughObject(stub, [{ topic: "t", value: "v" }]);
 * console.assert("offset" in answer.results[0]! && answer.results[0].offset === "7");
 * ```
 */
export async function sendThroughObject(stub: DurableObjectStubLike, records: JsonRecord[]): Promise<ProduceAnswer> {
  const response = await stub.fetch("https://kafka-producer-object/produce", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ records }),
  });
  if (!response.ok) throw new KafkaError(`The KafkaProducerObject answered "${response.status}": ${await response.text()}`);
  return await response.json() as ProduceAnswer;
}

/**
 * The Worker the workerd tests run (bundled by `./workerd.ts`): each request
 * does one thing a user's Worker would, through the package's public entry
 * points, and answers JSON.
 *
 * - `POST /produce?topic=T` with `{ "records": [{ "key", "value" }], "tls"?: true }`
 *   (and `"compression"`, `"codecs"`: the codec, from `@edgekafka/producer/codecs`):
 *   a producer for this request only (the platform picked automatically),
 *   every record sent, the acknowledgements awaited, then flushed and closed
 *   inside `ctx.waitUntil` (a socket belongs to the request that opened it).
 *   Answers the records' metadata, the runtime and CRC-32C implementation seen.
 * - `POST /do/produce?topic=T` with `{ "records": [...] }`: through the
 *   `KafkaProducerObject` Durable Object (one producer for every request).
 * - `GET /do/metrics`: the Durable Object producer's metrics.
 * - `GET /tls-probe`: opens a TLS socket to `BOOTSTRAP_TLS` with the adapter,
 *   sends an ApiVersions request and answers how the connection ended
 *   (the broker's first bytes, or the error's name and message).
 * - `GET /bench/encode?n=N`: encodes N records of 100 bytes into sealed 16 KiB
 *   batches as the producer does (CRC-32C by the TypeScript tables), and
 *   `GET /bench/crc?n=N`: N checksums of 64 KiB. Timed by the caller: inside
 *   Workers the clock stands still while code runs.
 */

import { Producer, type RecordMetadata } from "../../mod.ts";
import { detectRuntime } from "../../runtime/auto.ts";
import { connect } from "../../runtime/cloudflare.ts";
import { crc32cImplementation } from "../../src/protocol/crc32c.ts";
import { KafkaProducerObject, sendThroughObject } from "../../runtime/cloudflare_do.ts";
import { portableCodecs } from "../../src/portable_codecs.ts";
import { crc32cTable } from "../../src/protocol/crc32c_table.ts";
import { RecordWriter } from "../../src/protocol/record_batch.ts";
import { ProducerBatch } from "../../src/producer/batch.ts";
import { BufferPool } from "../../src/producer/buffer_pool.ts";

export { KafkaProducerObject };

/** The bindings of the test's workerd config. */
interface Env {
  /** `host:port` of the plaintext listener. */
  readonly BOOTSTRAP: string;
  /** `host:port` of a TLS listener, if the test has one. */
  readonly BOOTSTRAP_TLS?: string;
  /** The `KafkaProducerObject` namespace. */
  readonly PRODUCER: {
    idFromName(name: string): unknown;
    get(id: unknown): { fetch(input: string | Request, init?: RequestInit): Promise<Response> };
  };
}

/** What workerd passes as the third argument of `fetch`. */
interface Context {
  waitUntil(promise: Promise<unknown>): void;
}

interface ProduceBody {
  records: Array<{ key?: string | null; value: string }>;
  tls?: boolean;
  maxConnections?: number;
  maxBlockMs?: number;
  /** Overrides the bootstrap binding (an address nobody listens on, for the failure test). */
  bootstrap?: string;
  /** SASL_SSL to the TLS binding with these SCRAM credentials. */
  scram?: { mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-512"; username: string; password: string };
  /** `compression.type`; with `codecs: true` the portable codecs of `@edgekafka/producer/codecs` are passed. */
  compression?: "gzip" | "snappy" | "lz4" | "zstd";
  codecs?: boolean;
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)), {
    status,
    headers: { "content-type": "application/json" },
  });

async function produce(request: Request, env: Env, ctx: Context): Promise<Response> {
  const topic = new URL(request.url).searchParams.get("topic")!;
  const body = await request.json() as ProduceBody;
  let producer: Producer | null = null;
  try {
    producer = new Producer({
      bootstrapServers: body.bootstrap ?? (body.tls || body.scram ? env.BOOTSTRAP_TLS! : env.BOOTSTRAP),
      ...(body.tls ? { securityProtocol: "SSL" as const } : {}),
      ...(body.scram ? { securityProtocol: "SASL_SSL" as const, sasl: body.scram } : {}),
      ...(body.maxConnections === undefined ? {} : { maxConnections: body.maxConnections }),
      ...(body.compression === undefined ? {} : { compressionType: body.compression }),
      ...(body.codecs ? { codecs: portableCodecs } : {}),
      lingerMs: 5,
      deliveryTimeoutMs: 20_000,
      requestTimeoutMs: 10_000,
      maxBlockMs: body.maxBlockMs ?? 15_000,
    });
    const p = producer;
    const sends: Promise<RecordMetadata>[] = body.records.map((r) => p.send({ topic, key: r.key ?? null, value: r.value }));
    const metadata = await Promise.all(sends);
    return json({ runtime: detectRuntime(), crc32c: crc32cImplementation(), metadata });
  } catch (error) {
    const e = error as Error;
    return json({ error: { name: e.name, message: e.message } }, 500);
  } finally {
    // The producer's sockets belong to this request: flush and close before it ends.
    const p = producer;
    if (p !== null) ctx.waitUntil(p.flush().finally(() => p.close()));
  }
}

/** ApiVersions v0, correlation id 1, client id "probe". */
const API_VERSIONS = new Uint8Array([0, 0, 0, 15, 0, 18, 0, 0, 0, 0, 0, 1, 0, 5, 112, 114, 111, 98, 101]);

async function tlsProbe(env: Env): Promise<Response> {
  const [host, port] = env.BOOTSTRAP_TLS!.split(":") as [string, string];
  const tls = { ca: null, caFile: null, cert: null, key: null, keyPassword: null, verifyHostname: true };
  const outcome = await new Promise<Record<string, unknown>>((resolve) => {
    const fail = (error: Error | undefined) =>
      resolve(error === undefined ? { closed: true } : { error: { name: error.name, message: error.message } });
    connect({ host, port: Number(port), connectTimeoutMs: 10_000, tls }, {
      onData: (chunk) => resolve({ received: chunk.byteLength }),
      onClose: fail,
    }).then((socket) => socket.write(API_VERSIONS).catch(fail), fail);
  });
  return json(outcome);
}

/** The encode path of bench/encode.ts: `n` records into sealed batches; returns the batch count. */
function encode(n: number): number {
  const pool = new BufferPool(32 * 1024 * 1024, 16 * 1024);
  const writer = new RecordWriter();
  const value = new Uint8Array(100).fill(120);
  const noop = () => {};
  const now = Date.now();
  let batch: ProducerBatch | null = null;
  let batches = 0;
  for (let i = 0; i < n; i++) {
    if (batch === null || batch.tryAppend(writer, 1 << 20, now, null, value, null, noop, noop) === 0) {
      if (batch !== null) {
        batch.seal(null, crc32cTable);
        batches++;
        pool.deallocate(batch.slab);
      }
      batch = new ProducerBatch("bench", 0, pool.tryAllocate(16 * 1024)!, now);
      batch.tryAppend(writer, 1 << 20, now, null, value, null, noop, noop);
    }
  }
  if (batch !== null) batch.seal(null, crc32cTable), batches++;
  return batches;
}

function crcs(n: number): number {
  const data = new Uint8Array(64 * 1024).map((_, i) => (i * 2654435761) >>> 24);
  let x = 0;
  for (let i = 0; i < n; i++) x ^= crc32cTable(data);
  return x;
}

export default {
  async fetch(request: Request, env: Env, ctx: Context): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/produce" && request.method === "POST") return produce(request, env, ctx);
    const n = Number(new URL(request.url).searchParams.get("n") ?? 0);
    if (path === "/bench/encode") return json({ batches: encode(n) });
    if (path === "/tls-probe") return tlsProbe(env);
    if (path === "/bench/crc") return json({ crc: crcs(n) });
    const stub = env.PRODUCER.get(env.PRODUCER.idFromName("kafka"));
    if (path === "/do/produce" && request.method === "POST") {
      const body = await request.json() as { records: Array<{ topic: string; key?: string | null; value: string }> };
      return json(await sendThroughObject(stub, body.records));
    }
    if (path === "/do/metrics") return stub.fetch("https://kafka-producer-object/metrics");
    return json({ error: { name: "NotFound", message: `No route "${path}"` } }, 404);
  },
};

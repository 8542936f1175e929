/**
 * The Worker the workerd tests run (bundled by `./workerd.ts`): each request
 * does one thing a user's Worker would, through the package's public entry
 * points, and answers JSON.
 *
 * - `POST /produce?topic=T` with `{ "records": [{ "key", "value" }], "tls"?: true }`:
 *   a producer for this request only (the platform picked automatically),
 *   every record sent, the acknowledgements awaited, then flushed and closed
 *   inside `ctx.waitUntil` (a socket belongs to the request that opened it).
 *   Answers the records' metadata, the runtime and CRC-32C implementation seen.
 * - `POST /do/produce?topic=T` with `{ "records": [...] }`: through the
 *   `KafkaProducerObject` Durable Object (one producer for every request).
 * - `GET /do/stats`: the Durable Object producer's metrics.
 */

import { Producer, type RecordMetadata } from "../../mod.ts";
import { detectRuntime } from "../../runtime/auto.ts";
import { crc32cImplementation } from "../../src/protocol/crc32c.ts";
import { KafkaProducerObject, sendThroughObject } from "../../runtime/cloudflare_do.ts";

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
      bootstrapServers: body.bootstrap ?? (body.tls ? env.BOOTSTRAP_TLS! : env.BOOTSTRAP),
      ...(body.tls ? { securityProtocol: "SSL" as const } : {}),
      ...(body.maxConnections === undefined ? {} : { maxConnections: body.maxConnections }),
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

export default {
  async fetch(request: Request, env: Env, ctx: Context): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/produce" && request.method === "POST") return produce(request, env, ctx);
    const stub = env.PRODUCER.get(env.PRODUCER.idFromName("kafka"));
    if (path === "/do/produce" && request.method === "POST") {
      const body = await request.json() as { records: Array<{ topic: string; key?: string | null; value: string }> };
      return json(await sendThroughObject(stub, body.records));
    }
    if (path === "/do/metrics") return stub.fetch("https://kafka-producer-object/metrics");
    return json({ error: { name: "NotFound", message: `No route "${path}"` } }, 404);
  },
};

// A Cloudflare Worker that produces to Kafka with edgekafka. Deploy with `wrangler deploy` from this
// folder (see wrangler.toml and the README's "Deploy to Cloudflare Workers").
//
//   POST /direct  — a producer for this request only: sends the body as one record and answers its
//                   offset. The producer's sockets belong to this request, so it is flushed and closed
//                   inside ctx.waitUntil (the runtime keeps the request alive until that settles).
//   POST /        — through the KafkaProducerObject Durable Object: one long-lived producer for every
//                   request, so records of concurrent requests share batches and one idempotent
//                   producer id, and no request pays for connecting.

import { Producer } from "@edgekafka/producer";
import { type DurableObjectStubLike, KafkaProducerObject, sendThroughObject } from "@edgekafka/producer/cloudflare-do";

// The Durable Object class must be exported by the main module (bound in wrangler.toml).
export { KafkaProducerObject };

interface Env {
  /** bootstrap.servers, e.g. "broker-1.example.com:9092" (the object reads it too). */
  KAFKA_BOOTSTRAP: string;
  KAFKA_TOPIC: string;
  PRODUCER: { idFromName(name: string): unknown; get(id: unknown): DurableObjectStubLike };
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    if (request.method !== "POST") return new Response("POST a record value\n", { status: 405 });
    const value = await request.text();
    const key = request.headers.get("x-key");

    if (new URL(request.url).pathname === "/direct") {
      // The platform (cloudflare:sockets, at most 6 connections, CRC-32C without WebAssembly) is picked
      // automatically inside Workers.
      const producer = new Producer({ bootstrapServers: env.KAFKA_BOOTSTRAP, lingerMs: 0 });
      try {
        const md = await producer.send({ topic: env.KAFKA_TOPIC, key, value });
        return Response.json({ partition: md.partition, offset: md.offset.toString() });
      } finally {
        ctx.waitUntil(producer.flush().finally(() => producer.close()));
      }
    }

    const stub = env.PRODUCER.get(env.PRODUCER.idFromName("kafka"));
    const answer = await sendThroughObject(stub, [{ topic: env.KAFKA_TOPIC, key, value }]);
    return Response.json(answer.results[0]);
  },
};

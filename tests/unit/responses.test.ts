/**
 * The response handler (src/producer/responses.ts): what each Produce answer
 * does to its batches. Matching is tested on the handler itself; the broker
 * errors the Java client handles go through a real `Producer` over in-memory
 * sockets (support/fake_cluster.ts), so the wire fields (record errors,
 * KIP-951 leader hints, throttle time) are parsed as a broker sends them.
 */

import { afterEach, describe, expect, test } from "bun:test";
import { Producer, type RecordMetadata, type TypedProducerOptions } from "../../mod.ts";
import type { ProduceResponse } from "../../src/protocol/produce.ts";
import { RecordAccumulator } from "../../src/producer/accumulator.ts";
import type { ProducerBatch } from "../../src/producer/batch.ts";
import { BufferPool } from "../../src/producer/buffer_pool.ts";
import { InFlightBatches } from "../../src/producer/in_flight.ts";
import { ProducerMetrics } from "../../src/producer/metrics.ts";
import { ResponseHandler } from "../../src/producer/responses.ts";
import type { SenderContext } from "../../src/producer/sender_context.ts";
import { FakeCluster, type ProduceRequestSeen, success } from "./support/fake_cluster.ts";
import { outcome, within } from "./support/memory_socket.ts";
import { accumulatorOptions, batchOf, metadataWith, type Outcome, seededRandom } from "./support/producer.ts";

const INVALID_RECORD = 87;
const DUPLICATE_SEQUENCE_NUMBER = 46;
const NOT_LEADER_OR_FOLLOWER = 6;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

// ---------------------------------------------------------------- the handler alone

/** A handler over a real accumulator and metadata (topics `a` and `b`, `n` partitions each). */
function handler(n: number, retries = 2147483647) {
  const metadata = metadataWith({ a: Array.from({ length: n }, () => ({ leader: 1 })), b: Array.from({ length: n }, () => ({ leader: 1 })) });
  const pool = new BufferPool(1 << 20, 1024);
  const accumulator = new RecordAccumulator(accumulatorOptions(), pool);
  const context: SenderContext = {
    metadata, accumulator, pool, client: null as never, idempotence: null, compressor: null, metrics: new ProducerMetrics(),
    logger: quiet, acks: 1, requestTimeoutMs: 30_000, maxRequestSize: 1 << 20, deliveryTimeoutMs: 120_000, retries,
    batchSize: 1024, retryBackoffMs: 100, retryBackoffMaxMs: 1000, transactionTimeoutMs: 60_000, transactionalId: null,
  };
  const inFlight = new InFlightBatches();
  return { handler: new ResponseHandler(context, inFlight), inFlight, accumulator };
}

/** One single-record batch per partition of topics `a` and `b`. */
function batches(n: number): { batches: ProducerBatch[]; outcomes: Outcome[] } {
  const out: { batches: ProducerBatch[]; outcomes: Outcome[] } = { batches: [], outcomes: [] };
  for (const topic of ["a", "b"]) {
    for (let p = 0; p < n; p++) {
      const { batch, outcomes } = batchOf(topic, p, 1, { now: Date.now() });
      out.batches.push(batch);
      out.outcomes.push(outcomes[0]!);
    }
  }
  return out;
}

/** A success for every batch but `skip`, partitions shuffled (seeded) and each topic split in two entries. */
function shuffledAnswer(list: readonly ProducerBatch[], skip: ProducerBatch | null, seed: number): ProduceResponse {
  const random = seededRandom(seed);
  const parts = list.filter((b) => b !== skip).map((b) => ({ b, r: random() })).sort((x, y) => x.r - y.r).map((x) => x.b);
  const half = Math.floor(parts.length / 2);
  const topics = [parts.slice(half), parts.slice(0, half)].flatMap((chunk) =>
    ["b", "a"].map((name) => ({
      name,
      partitions: chunk.filter((b) => b.topic === name).map((b) => ({
        index: b.partition, errorCode: 0, baseOffset: BigInt(1000 * (b.topic === "a" ? 1 : 2) + b.partition), logAppendTimeMs: -1n,
        logStartOffset: 0n, recordErrors: [], errorMessage: null, currentLeader: null,
      })),
    }))
  );
  return { topics, throttleTimeMs: 0, nodeEndpoints: [] };
}

describe("defect 17: matching response partitions to batches", () => {
  test("a response with many partitions out of order settles each batch with its own offset; the missing one is retried", () => {
    const { handler: h, inFlight, accumulator } = handler(100);
    const { batches: list, outcomes } = batches(100);
    const missing = list[137]!; // b-37
    inFlight.add(list, 1);
    h.onResponse(1, list, shuffledAnswer(list, missing, 17));
    for (const [i, b] of list.entries()) {
      if (b === missing) continue;
      expect(outcomes[i]!.calls).toBe(1);
      expect(outcomes[i]!.metadata).toMatchObject({ topic: b.topic, partition: b.partition, offset: BigInt(1000 * (b.topic === "a" ? 1 : 2) + b.partition) });
    }
    // Not answered: back in its deque for a retry (as a lost request would be), not settled, not in flight.
    expect(outcomes[137]!.calls).toBe(0);
    expect(missing.attempts).toBe(1);
    expect(accumulator.hasQueued()).toBe(true);
    expect(inFlight.size).toBe(0);
  });

  test("a partition missing from the response fails with a retriable error once it may not retry", () => {
    const { handler: h } = handler(3, 0);
    const { batches: list, outcomes } = batches(3);
    h.onResponse(7, list, shuffledAnswer(list, list[4]!, 1));
    expect(outcomes[4]!.error).toMatchObject({ errorName: "NETWORK_EXCEPTION", retriable: true });
    expect(outcomes[4]!.error!.message).toContain("Node 7 answered without partition 1");
    expect(outcomes.filter((o) => o.metadata !== null).length).toBe(5);
  });

  test("reads each batch of the request a bounded number of times (linear, not one scan per partition)", () => {
    const n = 1000;
    const { handler: h } = handler(n);
    const { batches: list, outcomes } = batches(n);
    let reads = 0;
    const counted = new Proxy(list, {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    h.onResponse(1, counted, shuffledAnswer(list, null, 3));
    expect(outcomes.every((o) => o.metadata !== null)).toBe(true);
    // One pass to build the index (a scan per response partition would read ~n²/2 = 2,000,000 times).
    expect(reads).toBeLessThanOrEqual(2 * list.length);
  });
});

// ---------------------------------------------------------------- broker errors, over the wire

const producers: Producer[] = [];
afterEach(async () => {
  for (const p of producers.splice(0)) await p.close({ timeoutMs: 0 }).catch(() => {});
});

function producer(cluster: FakeCluster, options: Partial<TypedProducerOptions<Uint8Array, Uint8Array>> = {}): Producer {
  const p = new Producer({ bootstrapServers: cluster.bootstrap, connect: cluster.connect, lingerMs: 0, retryBackoffMs: 10, ...options });
  producers.push(p);
  return p;
}

/** Answers the first Produce request with `first`, the others with success. */
function firstAnswer(cluster: FakeCluster, first: (r: ProduceRequestSeen) => ReturnType<typeof success>): void {
  cluster.onProduce = (r) => (cluster.produceRequests.length === 1 ? first(r) : success(r));
}

describe("INVALID_RECORD with record errors", () => {
  test("the named records fail with their own message, the rest of the batch with the batch error", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }] } });
    firstAnswer(cluster, () => ({
      topics: [{ name: "t", partitions: [{ index: 0, errorCode: INVALID_RECORD, errorMessage: "Compacted topic needs keys",
        recordErrors: [{ batchIndex: 1, message: "Record 1 has no key" }] }] }],
    }));
    const p = producer(cluster, { lingerMs: 20 });
    await within(p.partitionsFor("t"), 1000, "partitionsFor");
    const sends = [0, 1, 2].map((i) => outcome(p.send({ topic: "t", partition: 0, value: `v${i}` }), 2000));
    const [r0, r1, r2] = await Promise.all(sends);
    expect(cluster.produceRequests.length).toBe(1); // not retried: the broker will refuse it again
    expect(cluster.produceRequests[0]!.topics[0]!.partitions[0]!.recordCount).toBe(3);
    expect(r1).toMatchObject({ status: "rejected", reason: { errorName: "INVALID_RECORD", retriable: false } });
    expect((r1 as { reason: Error }).reason.message).toContain("Record 1 has no key");
    for (const r of [r0, r2]) {
      expect(r).toMatchObject({ status: "rejected", reason: { errorName: "INVALID_RECORD" } });
      expect((r as { reason: Error }).reason.message).toContain("part of a batch which had one or more invalid records");
    }
  });
});

describe("DUPLICATE_SEQUENCE_NUMBER", () => {
  test("is a success (the broker has the batch), with no offset", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }] } });
    firstAnswer(cluster, () => ({ topics: [{ name: "t", partitions: [{ index: 0, errorCode: DUPLICATE_SEQUENCE_NUMBER }] }] }));
    const p = producer(cluster, { enableIdempotence: true });
    const md = await within(p.send({ topic: "t", partition: 0, value: "v" }), 2000, "the send");
    expect(md).toMatchObject({ topic: "t", partition: 0, offset: -1n });
    expect(cluster.produceRequests.length).toBe(1);
    // The sequence moved on: the next batch carries sequence 1.
    await within(p.send({ topic: "t", partition: 0, value: "w" }), 2000, "the next send");
    expect(cluster.produceRequests[1]!.topics[0]!.partitions[0]!.baseSequence).toBe(1);
  });
});

describe("a partition missing from a response", () => {
  test("is retried alone; the answered one completes", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }, { leader: 1 }] } });
    firstAnswer(cluster, () => ({ topics: [{ name: "t", partitions: [{ index: 1, baseOffset: 5n }] }] }));
    const p = producer(cluster, { lingerMs: 20 });
    await within(p.partitionsFor("t"), 1000, "partitionsFor");
    const [m0, m1] = await within(Promise.all([0, 1].map((partition) => p.send({ topic: "t", partition, value: "v" }))), 2000, "the sends");
    expect(m1!.offset).toBe(5n);
    expect(m0!.partition).toBe(0);
    expect(cluster.produceRequests.map((r) => r.topics[0]!.partitions.map((x) => x.index))).toEqual([[0, 1], [0]]);
  });
});

describe("NOT_LEADER_OR_FOLLOWER", () => {
  const notLeader = (hint?: { leaderId: number; leaderEpoch: number }) => () => ({
    topics: [{ name: "t", partitions: [{ index: 0, errorCode: NOT_LEADER_OR_FOLLOWER, currentLeader: hint }] }],
    nodeEndpoints: hint ? [{ nodeId: hint.leaderId, host: "127.0.0.1", port: 9100 + hint.leaderId, rack: null }] : [],
  });

  async function run(cluster: FakeCluster): Promise<{ md: RecordMetadata; metadataBefore: number }> {
    const p = producer(cluster, { enableIdempotence: false, acks: 1 });
    await within(p.partitionsFor("t"), 1000, "partitionsFor");
    const metadataBefore = cluster.metadataRequests.length;
    const md = await within(p.send({ topic: "t", partition: 0, value: "v" }), 3000, "the send");
    return { md, metadataBefore };
  }

  test("without a leader hint: metadata is refreshed and the retry goes to the new leader", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1, epoch: 3 }] } });
    firstAnswer(cluster, () => {
      cluster.topics.t = [{ leader: 2, epoch: 4 }]; // the election the broker told us about
      return notLeader()();
    });
    const { md, metadataBefore } = await run(cluster);
    expect(md.partition).toBe(0);
    expect(cluster.metadataRequests.length).toBeGreaterThan(metadataBefore);
    expect(cluster.produceRequests.map((r) => r.node)).toEqual([1, 2]);
  });

  test("with a KIP-951 hint of a newer epoch: the retry goes to the hinted leader without a metadata refresh", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1, epoch: 3 }] } });
    firstAnswer(cluster, notLeader({ leaderId: 2, leaderEpoch: 4 }));
    const { metadataBefore } = await run(cluster);
    expect(cluster.produceRequests.map((r) => r.node)).toEqual([1, 2]);
    expect(cluster.metadataRequests.length).toBe(metadataBefore);
  });

  test("with a hint of an epoch not newer than ours: ignored, metadata is refreshed instead", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1, epoch: 3 }] } });
    firstAnswer(cluster, () => {
      cluster.topics.t = [{ leader: 3, epoch: 4 }];
      return notLeader({ leaderId: 2, leaderEpoch: 3 })();
    });
    const { metadataBefore } = await run(cluster);
    expect(cluster.metadataRequests.length).toBeGreaterThan(metadataBefore);
    expect(cluster.produceRequests.map((r) => r.node)).toEqual([1, 3]);
  });
});

describe("throttle_time_ms", () => {
  test("in Produce and Metadata answers is read without an error", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }] } });
    cluster.onProduce = (r) => ({ ...success(r), throttleTimeMs: 250 });
    cluster.metadataThrottleMs = 250;
    const p = producer(cluster);
    const md = await within(p.send({ topic: "t", partition: 0, value: "v" }), 2000, "the send");
    expect(md.offset).toBe(0n);
    expect(cluster.produceRequests.length).toBe(1);
    expect(cluster.metadataRequests.length).toBeGreaterThan(0);
  });
});

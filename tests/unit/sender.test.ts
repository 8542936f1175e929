/**
 * The sender loop (src/producer/sender.ts) through a real `Producer` over
 * in-memory sockets (support/fake_cluster.ts): when it runs, when it sleeps,
 * and what it sends. What a Produce answer does to the batches is in
 * responses.test.ts.
 */

import { afterEach, describe, expect, test } from "bun:test";
import { Producer, type TypedProducerOptions } from "../../mod.ts";
import { RecordAccumulator } from "../../src/producer/accumulator.ts";
import { FakeCluster } from "./support/fake_cluster.ts";
import { tick, within } from "./support/memory_socket.ts";

const producers: Producer[] = [];
afterEach(async () => {
  for (const p of producers.splice(0)) await p.close({ timeoutMs: 0 }).catch(() => {});
});

function producer(cluster: FakeCluster, options: Partial<TypedProducerOptions<Uint8Array, Uint8Array>> = {}): Producer {
  const p = new Producer({ bootstrapServers: cluster.bootstrap, connect: cluster.connect, lingerMs: 0, ...options });
  producers.push(p);
  return p;
}

/** Counts sender passes (each runs `RecordAccumulator.ready` once) while `during` runs. */
async function senderPasses(during: () => Promise<void>): Promise<number> {
  const ready = RecordAccumulator.prototype.ready;
  let passes = 0;
  RecordAccumulator.prototype.ready = function (this: RecordAccumulator, ...args: Parameters<typeof ready>) {
    passes++;
    return ready.apply(this, args);
  };
  try {
    await during();
  } finally {
    RecordAccumulator.prototype.ready = ready;
  }
  return passes;
}

describe("defect 6: sender loop while a partition has no leader", () => {
  test("sleeps while the metadata request is in flight instead of spinning", async () => {
    // Partition 1 has no leader; the topic is known, so a send to it is appended and waits for a leader.
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }, { leader: -1 }] } });
    const p = producer(cluster, { enableIdempotence: false, acks: 1, retryBackoffMs: 50, retryBackoffMaxMs: 50 });
    await within(p.partitionsFor("t"), 2000, "partitionsFor");
    cluster.holdMetadata(true);
    let settled = false;
    const send = p.send({ topic: "t", partition: 1, value: "v" }).finally(() => (settled = true));
    send.catch(() => {});
    for (let i = 0; i < 100 && cluster.heldMetadata === 0; i++) await tick(10);
    expect(cluster.heldMetadata).toBe(1);
    // A second with the metadata request in flight: the loop waits for its answer (or a deadline).
    const passes = await senderPasses(() => tick(1000));
    expect(passes).toBeLessThan(10);
    expect(settled).toBe(false);
    // The answer wakes it: it asks again after the backoff, and the partition gets its leader then.
    cluster.topics.t![1] = { leader: 2 };
    cluster.holdMetadata(false);
    const md = await within(send, 2000, "the send once partition 1 has a leader");
    expect(md.partition).toBe(1);
  });
});

describe("produce requests", () => {
  test("one request per broker, one batch per partition in it", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }, { leader: 2 }, { leader: 1 }, { leader: 2 }] } });
    const p = producer(cluster, { lingerMs: 30 });
    await within(p.partitionsFor("t"), 2000, "partitionsFor");
    const sends = [0, 1, 2, 3, 0, 1].map((partition) => p.send({ topic: "t", partition, value: "v" }));
    await within(Promise.all(sends), 2000, "the sends");
    const requests = cluster.produceRequests.map((r) => [r.node, r.topics.flatMap((t) => t.partitions.map((x) => [x.index, x.recordCount]))]);
    expect(requests.sort()).toEqual([[1, [[0, 2], [2, 1]]], [2, [[1, 2], [3, 1]]]]);
  });

  test("acks=0: sends complete once written, without an answer, offset -1", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }] } });
    cluster.onProduce = () => undefined;
    const p = producer(cluster, { acks: 0, enableIdempotence: false });
    const md = await within(p.send({ topic: "t", partition: 0, value: "v" }), 2000, "the send");
    expect(md.offset).toBe(-1n);
    for (let i = 0; i < 100 && cluster.produceRequests.length === 0; i++) await tick(5);
    expect(cluster.produceRequests[0]!.acks).toBe(0);
  });

  test("a connection that breaks with a request in flight: the batch is retried on a new connection", async () => {
    const cluster = new FakeCluster({ brokers: 1, topics: { t: [{ leader: 1 }] } });
    cluster.onProduce = () => undefined; // the first one is never answered
    const p = producer(cluster, { enableIdempotence: false, acks: 1, reconnectBackoffMs: 1, reconnectBackoffMaxMs: 1 });
    const send = p.send({ topic: "t", partition: 0, value: "v" });
    for (let i = 0; i < 100 && cluster.produceRequests.length === 0; i++) await tick(5);
    const first = cluster.sockets.find((s) => s.port === 9101)!.socket;
    cluster.onProduce = () => ({ topics: [{ name: "t", partitions: [{ index: 0, baseOffset: 41n }] }] });
    first.peerClose(new Error("connection reset"));
    const md = await within(send, 2000, "the send after the disconnect");
    expect(md.offset).toBe(41n);
    expect(cluster.produceRequests.length).toBe(2);
  });
});

describe("defect 15: a broker whose address changes", () => {
  test("batches in flight on the old connection are retried at the new address", async () => {
    const cluster = new FakeCluster({ brokers: 2, topics: { t: [{ leader: 1 }] } });
    cluster.onProduce = () => undefined; // held on the old address
    const p = producer(cluster, { enableIdempotence: false, acks: 1, maxInFlightRequestsPerConnection: 1, metadataMaxAgeMs: 50 });
    const first = p.send({ topic: "t", partition: 0, value: "v0" });
    for (let i = 0; i < 100 && cluster.produceRequests.length === 0; i++) await tick(5);
    expect(cluster.produceRequests.length).toBe(1);
    // Broker 1 moves; the next metadata (every 50 ms) says so, and a queued batch makes the sender look for it.
    cluster.addresses.set(1, { host: "127.0.0.1", port: 9201 });
    cluster.onProduce = (r) => ({ topics: [{ name: "t", partitions: r.topics[0]!.partitions.map((x) => ({ index: x.index, baseOffset: 7n })) }] });
    const second = p.send({ topic: "t", partition: 0, value: "v1" });
    const [m0, m1] = await within(Promise.all([first, second]), 3000, "both sends");
    expect([m0.offset, m1.offset]).toEqual([7n, 7n]);
    expect(cluster.produceRequests.slice(1).every((r) => r.node === 1)).toBe(true);
    expect(cluster.sockets.some((s) => s.port === 9201)).toBe(true);
  });
});

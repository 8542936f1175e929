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

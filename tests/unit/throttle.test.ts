/**
 * Broker quotas, client side (KIP-219): a response with `throttle_time_ms`
 * mutes its connection — the producer sends nothing more to that broker
 * until the time has passed, then carries on; nothing fails, the sender
 * sleeps meanwhile, and `produce-throttle-time-avg`/`-max` report it. Over
 * the in-memory cluster (support/fake_cluster.ts) through a real `Producer`.
 */

import { afterEach, describe, expect, test } from "bun:test";
import { ClosedError, Producer, TimeoutError, type TypedProducerOptions } from "../../mod.ts";
import { NetworkClient } from "../../src/network/client.ts";
import { shouldClientThrottle, throttleTimeOf } from "../../src/network/throttle.ts";
import { Metadata } from "../../src/protocol/metadata.ts";
import { RecordAccumulator } from "../../src/producer/accumulator.ts";
import { FakeCluster, type ProduceRequestSeen, success } from "./support/fake_cluster.ts";
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

/** Two brokers: partition 0 led by broker 1, partition 1 by broker 2. */
function twoBrokers(): FakeCluster {
  return new FakeCluster({ brokers: 2, topics: { t: [{ leader: 1 }, { leader: 2 }], u: [{ leader: 1 }] } });
}

/** Answers broker 1's first Produce request with `throttleMs`; logs when each request arrived. */
function throttleFirst(cluster: FakeCluster, throttleMs: number): Array<{ node: number; at: number }> {
  const arrivals: Array<{ node: number; at: number }> = [];
  let throttled = false;
  cluster.onProduce = (r: ProduceRequestSeen) => {
    arrivals.push({ node: r.node, at: Date.now() });
    const answer = success(r);
    if (r.node === 1 && !throttled) {
      throttled = true;
      return { ...answer, throttleTimeMs: throttleMs };
    }
    return answer;
  };
  return arrivals;
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

describe("which responses throttle the client (Java's shouldClientThrottle)", () => {
  test("Produce and Metadata from v6, the transactional APIs from v1, FindCoordinator and ApiVersions from v2; SASL never", () => {
    expect([shouldClientThrottle(0, 5), shouldClientThrottle(0, 6), shouldClientThrottle(3, 5), shouldClientThrottle(3, 13)]).toEqual([false, true, false, true]);
    expect([22, 24, 25, 26, 28].map((key) => [shouldClientThrottle(key, 0), shouldClientThrottle(key, 1)])).toEqual(Array(5).fill([false, true]));
    expect([shouldClientThrottle(10, 1), shouldClientThrottle(10, 2), shouldClientThrottle(18, 1), shouldClientThrottle(18, 2)]).toEqual([false, true, false, true]);
    expect([shouldClientThrottle(17, 1), shouldClientThrottle(36, 2)]).toEqual([false, false]);
  });

  test("throttle times: positive finite numbers, else 0", () => {
    expect([{ throttleTimeMs: 5 }, { throttleTimeMs: 0 }, { throttleTimeMs: -1 }, { throttleTimeMs: NaN }, {}, null, undefined].map(throttleTimeOf))
      .toEqual([5, 0, 0, 0, 0, 0, 0]);
  });
});

describe("a Produce answer with throttle_time_ms", () => {
  test("nothing more goes to that broker until the time has passed; another broker keeps flowing; nothing fails", async () => {
    const cluster = twoBrokers();
    const arrivals = throttleFirst(cluster, 300);
    const p = producer(cluster, { enableIdempotence: false });
    await within(p.partitionsFor("t"), 2000, "metadata");
    await within(p.send({ topic: "t", partition: 0, value: "throttled" }), 2000, "the first send");
    const answeredAt = Date.now();
    const held = [1, 2, 3].map((i) => p.send({ topic: "t", partition: 0, value: `held ${i}` }));
    // Broker 2 is not throttled: its record goes at once, long before broker 1 may be asked again.
    const other = await within(p.send({ topic: "t", partition: 1, value: "free" }), 200, "the send to broker 2");
    expect(other.partition).toBe(1);
    await tick(100);
    expect(arrivals.filter((a) => a.node === 1).length).toBe(1);
    const mds = await within(Promise.all(held), 2000, "the held sends");
    expect(mds.map((m) => m.partition)).toEqual([0, 0, 0]);
    const later = arrivals.filter((a) => a.node === 1).slice(1);
    expect(later.length).toBeGreaterThanOrEqual(1);
    for (const a of later) expect(a.at - answeredAt).toBeGreaterThanOrEqual(290);
    expect(p.metrics()["record-error-total"]).toBe(0);
  });

  test("no other request goes to the throttled broker either: metadata for a new topic is asked elsewhere", async () => {
    const cluster = twoBrokers();
    throttleFirst(cluster, 400);
    const p = producer(cluster, { enableIdempotence: false });
    await within(p.partitionsFor("t"), 2000, "metadata");
    const asked: Array<{ node: number; at: number }> = [];
    cluster.onMetadata = (r) => (asked.push({ node: r.node, at: Date.now() }), "answer");
    await within(p.send({ topic: "t", partition: 0, value: "throttled" }), 2000, "the first send");
    const answeredAt = Date.now();
    // Topic "u" is new: its metadata is fetched now, from a broker that is not throttled.
    const md = await within(p.send({ topic: "u", value: "new topic" }), 2000, "the send to a new topic");
    expect(md.topic).toBe("u");
    const during = asked.filter((a) => a.at - answeredAt < 390);
    expect(during.length).toBeGreaterThanOrEqual(1);
    expect(during.map((a) => a.node)).not.toContain(1);
  });

  test("the sender sleeps through the throttle instead of polling", async () => {
    const cluster = twoBrokers();
    throttleFirst(cluster, 600);
    const p = producer(cluster, { enableIdempotence: false });
    await within(p.partitionsFor("t"), 2000, "metadata");
    await within(p.send({ topic: "t", partition: 0, value: "throttled" }), 2000, "the first send");
    const held = p.send({ topic: "t", partition: 0, value: "held" });
    const passes = await senderPasses(() => tick(400));
    expect(passes).toBeLessThan(10);
    expect((await within(held, 2000, "the held send")).partition).toBe(0);
  });

  test("produce-throttle-time-avg and -max, over every response as Java's sensor", async () => {
    const cluster = twoBrokers();
    throttleFirst(cluster, 200);
    const p = producer(cluster, { enableIdempotence: false });
    const fresh = p.metrics();
    expect([fresh["produce-throttle-time-avg"], fresh["produce-throttle-time-max"]]).toEqual([NaN, NaN]);
    await within(p.partitionsFor("t"), 2000, "metadata");
    await within(p.send({ topic: "t", partition: 0, value: "throttled" }), 2000, "the first send");
    await within(p.send({ topic: "t", partition: 0, value: "after" }), 2000, "the second send");
    const m = p.metrics();
    expect(m["produce-throttle-time-max"]).toBe(200);
    // The metadata answer and the second Produce answer count as 0.
    expect(m["produce-throttle-time-avg"]).toBeGreaterThan(0);
    expect(m["produce-throttle-time-avg"]).toBeLessThanOrEqual(200 / 3);
  });
});

describe("throttling and re-bootstrap", () => {
  test("a throttled broker is still connected: metadata waits for it instead of re-bootstrapping", async () => {
    const cluster = new FakeCluster({ brokers: 1, topics: { t: [{ leader: 1 }], u: [{ leader: 1 }] } });
    throttleFirst(cluster, 300);
    const infos: string[] = [];
    const logger = { debug() {}, info: (m: string) => void infos.push(m), warn() {}, error() {} };
    const p = producer(cluster, { enableIdempotence: false, logger });
    await within(p.partitionsFor("t"), 2000, "metadata");
    const asked: Array<{ node: number; at: number }> = [];
    cluster.onMetadata = (r) => (asked.push({ node: r.node, at: Date.now() }), "answer");
    await within(p.send({ topic: "t", value: "throttled" }), 2000, "the first send");
    const answeredAt = Date.now();
    const md = await within(p.send({ topic: "u", value: "new topic" }), 2000, "the send to a new topic");
    expect(md.topic).toBe("u");
    expect(asked.map((a) => a.node)).toEqual([1]);
    expect(asked[0]!.at - answeredAt).toBeGreaterThanOrEqual(290);
    expect(infos).not.toContain("Re-bootstrapping: forgetting the known brokers");
  });
});

describe("a throttled Metadata answer", () => {
  test("mutes that connection for Produce too (Metadata v6+)", async () => {
    // One broker: once it is known, metadata is asked of broker 1 itself, so its throttle mutes broker 1.
    const cluster = new FakeCluster({ brokers: 1, topics: { t: [{ leader: 1 }], u: [{ leader: 1 }] } });
    const arrivals = throttleFirst(cluster, 0);
    const p = producer(cluster, { enableIdempotence: false });
    await within(p.send({ topic: "t", value: "first" }), 2000, "the first send");
    const asked: Array<{ node: number; at: number }> = [];
    cluster.onMetadata = (r) => (asked.push({ node: r.node, at: Date.now() }), "answer");
    cluster.metadataThrottleMs = 300;
    const md = await within(p.send({ topic: "u", value: "new topic" }), 2000, "the send to a new topic");
    expect(md.topic).toBe("u");
    expect(asked.map((a) => a.node)).toEqual([1]);
    // The record for "u" waited for the throttle its own metadata answer set.
    expect(arrivals.at(-1)!.at - asked[0]!.at).toBeGreaterThanOrEqual(290);
    expect(p.metrics()["produce-throttle-time-max"]).toBe(300);
  });
});

describe("NetworkClient", () => {
  function client(cluster: FakeCluster, throttles: number[]): NetworkClient {
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    return new NetworkClient({
      connect: cluster.connect,
      clientId: "test",
      requestTimeoutMs: 30_000,
      socketConnectionSetupTimeoutMs: 10_000,
      socketConnectionSetupTimeoutMaxMs: 30_000,
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 1000,
      connectionsMaxIdleMs: -1,
      maxInFlightRequestsPerConnection: 5,
      logger: quiet,
      onChange: () => {},
      onThrottleTime: (ms) => void throttles.push(ms),
    });
  }

  test("a request sent on a throttled connection (a coordinator's) waits for the throttle to end; readiness and delays say so", async () => {
    const cluster = new FakeCluster({ brokers: 1, topics: { t: [{ leader: 1 }] } });
    const throttles: number[] = [];
    const c = client(cluster, throttles);
    const node = { id: 1, host: "127.0.0.1", port: 9101, rack: null };
    try {
      await within(c.connectTo(node), 1000, "the connection");
      cluster.metadataThrottleMs = 250;
      await within(c.send(1, Metadata, { topics: null, allowAutoTopicCreation: false }), 1000, "the first request");
      const answeredAt = Date.now();
      cluster.metadataThrottleMs = 0;
      expect([c.isReady(1), c.isConnected(1), c.leastLoadedNode([node], Date.now())]).toEqual([false, true, null]);
      expect(c.throttleDelay(1, answeredAt)).toBeGreaterThan(200);
      expect(c.pollDelay(1, answeredAt)).toBe(c.throttleDelay(1, answeredAt));
      const asked = cluster.metadataRequests.length;
      const second = c.send(1, Metadata, { topics: null, allowAutoTopicCreation: false });
      await tick(100);
      expect(cluster.metadataRequests.length).toBe(asked);
      await within(second, 1000, "the second request");
      expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(240);
      expect([c.isReady(1), c.throttleDelay(1, Date.now())]).toEqual([true, 0]);
      expect(throttles).toEqual([250, 0]);
    } finally {
      c.close();
    }
  });

  test("a request waiting out a throttle that ends after its deadline fails with a TimeoutError at the deadline", async () => {
    const cluster = new FakeCluster({ brokers: 1, topics: { t: [{ leader: 1 }] } });
    const c = client(cluster, []);
    const node = { id: 1, host: "127.0.0.1", port: 9101, rack: null };
    try {
      await within(c.connectTo(node), 1000, "the connection");
      cluster.metadataThrottleMs = 60_000;
      await within(c.send(1, Metadata, { topics: null, allowAutoTopicCreation: false }), 1000, "the first request");
      cluster.metadataThrottleMs = 0;
      const at = Date.now();
      const error = await within(
        c.send(1, Metadata, { topics: null, allowAutoTopicCreation: false }, { deadline: at + 200 }).then(() => null, (e: unknown) => e),
        2000,
        "the throttled request",
      );
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toContain("throttled");
      expect(Date.now() - at).toBeGreaterThanOrEqual(190);
    } finally {
      c.close();
    }
  });

  test("close() ends the waits of throttled requests at once (no timer outlives the client)", async () => {
    const cluster = new FakeCluster({ brokers: 1, topics: { t: [{ leader: 1 }] } });
    const c = client(cluster, []);
    const node = { id: 1, host: "127.0.0.1", port: 9101, rack: null };
    await within(c.connectTo(node), 1000, "the connection");
    cluster.metadataThrottleMs = 60_000;
    await within(c.send(1, Metadata, { topics: null, allowAutoTopicCreation: false }), 1000, "the first request");
    const waiting = c.send(1, Metadata, { topics: null, allowAutoTopicCreation: false }).then(() => null, (e: unknown) => e);
    await tick(20);
    c.close();
    expect(await within(waiting, 500, "the throttled request after close()")).toBeInstanceOf(ClosedError);
  });
});

describe("a throttled transaction coordinator", () => {
  test("commit and abort fail with a TimeoutError after max.block.ms (as Java's), and close() returns, however long the throttle", async () => {
    const cluster = new FakeCluster({ brokers: 1, topics: { t: [{ leader: 1 }] } });
    throttleFirst(cluster, 65_536);
    const p = producer(cluster, { transactionalId: "throttled-txn", maxBlockMs: 300 });
    await within(p.initTransactions(), 2000, "initTransactions()");
    p.beginTransaction();
    await within(p.send({ topic: "t", value: "in the transaction" }), 2000, "the send");
    // The Produce answer muted broker 1, the coordinator, for 65 s: EndTxn cannot go out in time.
    const at = Date.now();
    const commit = await within(p.commitTransaction().then(() => null, (e: unknown) => e), 3000, "commitTransaction()");
    expect(commit).toBeInstanceOf(TimeoutError);
    expect(Date.now() - at).toBeLessThan(2000);
    await within(p.close(), 3000, "close()");
  });
});

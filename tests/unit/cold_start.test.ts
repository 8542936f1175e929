/**
 * Cold start: when a bootstrap address is a broker's own advertised address
 * (a single node; MSK-style bootstrap lists of broker names), the
 * connection opened to bootstrap is that broker's connection once the
 * metadata names it — no second TCP connect, ApiVersions, TLS handshake or
 * SASL exchange for the same socket address. An address that is not a
 * broker's (a load balancer, another name) keeps its own connection, as in
 * Java. Against the in-memory fake cluster; the round trips over a real
 * broker are counted in tests/e2e/cold_start.test.ts.
 */

import { afterEach, describe, expect, test } from "bun:test";
import { Producer } from "../../mod.ts";
import { FakeCluster } from "./support/fake_cluster.ts";
import { within } from "./support/memory_socket.ts";

const producers: Producer[] = [];
afterEach(async () => {
  for (const p of producers.splice(0)) await p.close({ timeoutMs: 0 }).catch(() => {});
});

function producer(options: ConstructorParameters<typeof Producer>[0]): Producer {
  const p = new Producer({ lingerMs: 0, ...options });
  producers.push(p);
  return p;
}

const oneBroker = () => new FakeCluster({ brokers: 1, topics: { t: [{ leader: 1 }] } });

describe("cold start", () => {
  test("a bootstrap address that is the leader's address: one connection carries ApiVersions, Metadata, InitProducerId and Produce", async () => {
    const cluster = oneBroker();
    const broker1 = cluster.addresses.get(1)!;
    const p = producer({ bootstrapServers: `${broker1.host}:${broker1.port}`, connect: cluster.connect });
    const md = await within(p.send({ topic: "t", value: "first" }), 5000, "the first acknowledgement");
    expect(md.partition).toBe(0);
    expect(cluster.sockets.map((s) => s.port)).toEqual([broker1.port]);
    expect(cluster.sockets[0]!.socket.frames.map((f) => f.apiKey)).toEqual([18, 3, 22, 0]); // ApiVersions, Metadata, InitProducerId, Produce
  });

  test("the adopted connection is the broker's: when it breaks, the producer reconnects to the broker and the record still lands", async () => {
    const cluster = oneBroker();
    const broker1 = cluster.addresses.get(1)!;
    const p = producer({ bootstrapServers: `${broker1.host}:${broker1.port}`, connect: cluster.connect, reconnectBackoffMs: 1, retryBackoffMs: 1 });
    await within(p.send({ topic: "t", value: "first" }), 5000, "the first acknowledgement");
    cluster.sockets[0]!.socket.peerClose(new Error("Connection reset by peer"));
    const md = await within(p.send({ topic: "t", value: "second" }), 5000, "the acknowledgement after the reconnect");
    expect(md.offset).toBeGreaterThanOrEqual(0);
    expect(cluster.sockets.length).toBe(2);
    const produced = cluster.produceRequests.map((r) => r.port);
    expect(produced).toEqual([broker1.port, broker1.port]);
  });

  test("a bootstrap address that is no broker's keeps its own connection (Java's behaviour): the leader gets a second one", async () => {
    const cluster = oneBroker();
    const p = producer({ bootstrapServers: cluster.bootstrap, connect: cluster.connect });
    await within(p.send({ topic: "t", value: "first" }), 5000, "the first acknowledgement");
    const broker1 = cluster.addresses.get(1)!;
    expect(cluster.sockets.map((s) => s.port)).toEqual([Number(cluster.bootstrap.split(":")[1]), broker1.port]);
  });

  test("the same port under another host name is not the same address: no adoption", async () => {
    const cluster = oneBroker();
    const broker1 = cluster.addresses.get(1)!;
    const p = producer({ bootstrapServers: `localhost:${broker1.port}`, connect: cluster.connect });
    await within(p.send({ topic: "t", value: "first" }), 5000, "the first acknowledgement");
    expect(cluster.sockets.length).toBe(2);
  });
});

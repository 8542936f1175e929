/**
 * `max.connections`: the producer never has more connections open or
 * opening than the cap (Cloudflare Workers allow six per request). An idle
 * connection is closed to make room; with none idle the new connection
 * waits and the node's error says why (a `ConnectionLimitError` naming the
 * cap); the platform's cap is the default, and a larger setting is a
 * `ConfigError`. Against the in-memory fake cluster.
 */

import { afterEach, describe, expect, test } from "bun:test";
import { ConfigError, ConnectionLimitError, Producer, type Connect, type Platform } from "../../mod.ts";
import { NetworkClient } from "../../src/network/client.ts";
import { Metadata } from "../../src/protocol/metadata.ts";
import { FakeCluster } from "./support/fake_cluster.ts";
import { within } from "./support/memory_socket.ts";

const producers: Producer[] = [];
afterEach(async () => {
  for (const p of producers.splice(0)) await p.close({ timeoutMs: 0 }).catch(() => {});
});

/** `cluster.connect`, counting the connections open at once (and the most ever). */
function counted(cluster: FakeCluster): { connect: Connect; open: () => number; most: () => number; opened: () => number } {
  let open = 0;
  let most = 0;
  let opened = 0;
  const connect: Connect = async (options, handlers) => {
    open++;
    opened++;
    most = Math.max(most, open);
    let closed = false;
    const done = () => {
      if (!closed) open--;
      closed = true;
    };
    try {
      const socket = await cluster.connect(options, { onData: handlers.onData, onClose: (e) => (done(), handlers.onClose(e)) });
      return { write: (c) => socket.write(c), close: () => (done(), socket.close()) };
    } catch (error) {
      done();
      throw error;
    }
  };
  return { connect, open: () => open, most: () => most, opened: () => opened };
}

/** Three brokers, each leading one partition of "t". */
const threeLeaders = () => new FakeCluster({ brokers: 3, topics: { t: [{ leader: 1 }, { leader: 2 }, { leader: 3 }] } });

function producer(options: ConstructorParameters<typeof Producer>[0]): Producer {
  const p = new Producer({ lingerMs: 0, ...options });
  producers.push(p);
  return p;
}

describe("max.connections", () => {
  test("with a cap of 2 and three leaders, every partition gets its records and no more than 2 connections are ever open", async () => {
    const cluster = threeLeaders();
    const sockets = counted(cluster);
    const p = producer({ bootstrapServers: cluster.bootstrap, connect: sockets.connect, maxConnections: 2 });
    for (let round = 0; round < 3; round++) {
      const sent = [0, 1, 2].map((partition) => p.send({ topic: "t", partition, value: `r${round}-p${partition}` }));
      const metadata = await within(Promise.all(sent), 5000, "the acknowledgements");
      expect(metadata.map((m) => m.partition)).toEqual([0, 1, 2]);
    }
    expect(sockets.most()).toBeLessThanOrEqual(2);
    // Idle connections were closed to make room, so more than two were opened over time.
    expect(sockets.opened()).toBeGreaterThan(2);
  });

  test("the platform's cap is the default (Cloudflare Workers: 6), and one above it is a ConfigError naming the cap", async () => {
    const cluster = threeLeaders();
    const sockets = counted(cluster);
    const capped: Platform = { name: "capped", connect: sockets.connect, maxConnections: 1 };
    const p = producer({ bootstrapServers: cluster.bootstrap, platform: capped });
    const metadata = await within(Promise.all([0, 1, 2].map((partition) => p.send({ topic: "t", partition, value: "v" }))), 5000, "the sends");
    expect(metadata).toHaveLength(3);
    expect(sockets.most()).toBe(1);
    const error = (() => {
      try {
        new Producer({ bootstrapServers: cluster.bootstrap, platform: { ...capped, maxConnections: 6 }, maxConnections: 7 });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.key).toBe("max.connections");
    expect(error.message).toBe(
      'Invalid value "7" for "max.connections": this runtime allows at most "6" connections at once (Cloudflare Workers: per request)',
    );
  });

  test("with every connection busy, a new one waits and says why (ConnectionLimitError); it opens once one is idle", async () => {
    const cluster = threeLeaders();
    const sockets = counted(cluster);
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    let changes = 0;
    const c = new NetworkClient({
      connect: sockets.connect,
      clientId: "test",
      requestTimeoutMs: 30_000,
      socketConnectionSetupTimeoutMs: 10_000,
      socketConnectionSetupTimeoutMaxMs: 30_000,
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 1000,
      connectionsMaxIdleMs: -1,
      maxInFlightRequestsPerConnection: 5,
      maxConnections: 1,
      logger: quiet,
      onChange: () => void changes++,
    });
    const [n1, n2] = [1, 2].map((id) => ({ id, host: "127.0.0.1", port: cluster.addresses.get(id)!.port, rack: null }));
    try {
      await within(c.connectTo(n1!), 1000, "the first connection");
      cluster.holdMetadata(true);
      const busy = c.send(1, Metadata, { topics: null, allowAutoTopicCreation: false });
      const refused = await c.connectTo(n2!).catch((e) => e);
      expect(refused).toBeInstanceOf(ConnectionLimitError);
      expect((refused as ConnectionLimitError).maxConnections).toBe(1);
      expect((refused as Error).message).toBe(
        'Connection to node 2 ("127.0.0.1:' + n2!.port + '") waits: max.connections is "1" and all 1 connections are busy ' +
          "(on Cloudflare Workers at most 6 may be open per request)",
      );
      expect(c.lastError(2)).toBe(refused);
      // Waiting is not a failure: no backoff, so it is tried as soon as the sender is woken.
      expect(c.connectionDelay(2, Date.now())).toBe(0);
      cluster.holdMetadata(false);
      await within(busy, 1000, "the held request");
      await within(c.connectTo(n2!), 1000, "the second connection, once the first is idle");
      expect([c.isConnected(1), c.isConnected(2), sockets.most()]).toEqual([false, true, 1]);
    } finally {
      c.close();
    }
  });
});

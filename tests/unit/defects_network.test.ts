/**
 * Hardening of the network client (src/network/client.ts) over in-memory
 * sockets: what in-flight requests learn when a broker's address changes.
 */
import { describe, expect, test } from "bun:test";
import { ClosedError, ConnectionError, type KafkaError } from "../../src/errors.ts";
import { NetworkClient } from "../../src/network/client.ts";
import { Metadata } from "../../src/protocol/index.ts";
import { FakeCluster } from "./support/fake_cluster.ts";
import { outcome, tick, within } from "./support/memory_socket.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function client(cluster: FakeCluster, disconnects: number[] = []): NetworkClient {
  return new NetworkClient({
    connect: cluster.connect,
    clientId: "test",
    requestTimeoutMs: 30_000,
    socketConnectionSetupTimeoutMs: 10_000,
    socketConnectionSetupTimeoutMaxMs: 30_000,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 1000,
    connectionsMaxIdleMs: -1,
    maxInFlightRequestsPerConnection: 1,
    logger: quiet,
    onChange: () => {},
    onDisconnect: (id) => void disconnects.push(id),
  });
}

describe("defect 15: a broker address change", () => {
  test("fails the old connection's in-flight requests with a retriable error, and connects to the new address at once", async () => {
    const cluster = new FakeCluster({ brokers: 1, topics: { t: [{ leader: 1 }] } });
    const c = client(cluster);
    const old = { id: 1, host: "127.0.0.1", port: 9101, rack: null };
    await within(c.connectTo(old), 1000, "the first connection");
    cluster.holdMetadata(true);
    const pending = c.send(1, Metadata, { topics: [{ name: "t" }], allowAutoTopicCreation: false });
    await tick(5);
    expect(cluster.heldMetadata).toBe(1);
    // The next metadata says broker 1 now listens elsewhere; the sender asks for it there.
    const moved = { ...old, port: 9201 };
    expect(c.ready(moved, Date.now())).toBe(false);
    const result = await outcome(pending, 1000, "the in-flight request");
    expect(result.status).toBe("rejected");
    const error = (result as { reason: KafkaError }).reason;
    expect(error).not.toBeInstanceOf(ClosedError);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('"127.0.0.1:9201"');
    // No reconnect backoff for the new address: nothing failed there.
    await within(c.connectTo(moved), 1000, "the connection to the new address");
    expect(cluster.sockets.map((s) => s.port)).toEqual([9101, 9201]);
    c.close();
  });
});

/**
 * Hardening, defect 8: ordering with idempotence off and
 * `max.in.flight.requests.per.connection=1` (Java's `guaranteeMessageOrder`).
 * Over a fake in-memory cluster (tests/unit/support/memory_cluster.ts), so the
 * race a leader move opens is staged exactly: the first batch is still in
 * flight at the old leader when the producer learns of the new one.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Producer } from "../../mod.ts";
import { MemoryCluster } from "./support/memory_cluster.ts";
import { within } from "./support/memory_socket.ts";

let producer: Producer | null = null;
afterEach(async () => {
  await producer?.close({ timeoutMs: 0 });
  producer = null;
});

describe("defect 8: ordering with idempotence off and max.in.flight.requests.per.connection=1", () => {
  test("a retry after a leader move does not land after the next batch", async () => {
    const cluster = new MemoryCluster(2, { t: [1] });
    producer = new Producer({
      bootstrapServers: cluster.bootstrap,
      connect: cluster.connect,
      enableIdempotence: false,
      maxInFlightRequestsPerConnection: 1,
      acks: 1,
      lingerMs: 0,
      retryBackoffMs: 10,
      metadataMaxAgeMs: 50,
    });
    // The first record's batch reaches broker 1 and waits there for its answer.
    cluster.holdProduce(1);
    const first = producer.send({ topic: "t", partition: 0, value: "r0" });
    await cluster.until(() => cluster.heldProduce(1) === 1, 2000, "the first Produce at broker 1");
    // Leadership moves to broker 2, and the producer learns it (its metadata ages out meanwhile).
    cluster.moveLeader("t", 0, 2);
    const seen = cluster.metadataRequests;
    await cluster.until(() => cluster.metadataRequests > seen, 2000, "a metadata refresh");
    await new Promise((r) => setTimeout(r, 20));
    // The next record must not overtake the first: its partition waits while the first is in flight.
    const second = producer.send({ topic: "t", partition: 0, value: "r1" });
    await new Promise((r) => setTimeout(r, 50));
    // Broker 1 no longer leads: NOT_LEADER_OR_FOLLOWER, and the first batch is retried at broker 2.
    cluster.releaseProduce(1);
    await within(Promise.all([first, second]), 2000, "both records");
    expect(cluster.logs.get("t/0")).toEqual(["r0", "r1"]);
  });
});

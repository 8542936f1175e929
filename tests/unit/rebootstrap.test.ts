/**
 * Re-bootstrap (KIP-899, KIP-1102), as Java 4.x: when no known broker can be
 * reached, when none gave metadata for `metadata.recovery.rebootstrap.trigger.ms`,
 * or when one answers REBOOTSTRAP_REQUIRED, the producer forgets the brokers
 * it learned and asks `bootstrap.servers` again. First the rules on `Metadata`,
 * then whole producers over an in-memory cluster (support/fake_cluster.ts)
 * whose brokers move away from the addresses the producer learned while the
 * bootstrap address keeps answering.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Metadata } from "../../src/metadata.ts";
import { RebootstrapClock } from "../../src/network/rebootstrap.ts";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { Producer, TimeoutError } from "../../mod.ts";
import type { LogFields, ProducerOptions } from "../../mod.ts";
import { FakeCluster } from "./support/fake_cluster.ts";
import { outcome, within } from "./support/memory_socket.ts";
import { metadataResponse } from "./support/producer.ts";

function metadata(strategy: "none" | "rebootstrap" = "rebootstrap"): Metadata {
  return new Metadata({
    bootstrap: [{ host: "boot", port: 9092 }],
    metadataMaxAgeMs: 300_000,
    metadataMaxIdleMs: 300_000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    recoveryStrategy: strategy,
    rebootstrapTriggerMs: 1000,
  });
}

describe("the re-bootstrap clock", () => {
  test("runs from the first attempt; failures do not restart it, an applied response stops it", () => {
    const md = metadata();
    md.add("t", 0);
    expect(md.recovery.due(10_000)).toBe(false); // nothing attempted yet
    md.recovery.attempting(0);
    md.failedUpdate(100);
    md.recovery.attempting(600); // a later attempt of the same run
    expect(md.recovery.due(1000)).toBe(false);
    expect(md.recovery.due(1001)).toBe(true);
    expect(md.recovery.timeToDue(900)).toBe(101);
    md.update(metadataResponse({ t: [{ leader: 1 }] }), ["t"], false, 1001);
    expect(md.recovery.due(5000)).toBe(false);
    expect(md.recovery.timeToDue(5000)).toBe(Infinity);
  });

  test("REBOOTSTRAP_REQUIRED applies nothing, backs off, and makes a re-bootstrap due at once", () => {
    const md = metadata();
    md.add("t", 0);
    md.update(metadataResponse({ t: [{ leader: 1 }] }), ["t"], false, 0);
    const refused = metadataResponse({ t: [{ leader: 2 }] });
    refused.errorCode = ErrorCode.REBOOTSTRAP_REQUIRED;
    const version = md.version;
    md.update(refused, ["t"], false, 10);
    expect(md.leaderFor("t", 0)).toBe(1);
    expect(md.version).toBe(version);
    expect(md.recovery.due(10)).toBe(true);
    expect(md.timeToNextUpdate(10)).toBeGreaterThan(0);
  });

  test("with metadata.recovery.strategy=none it is never due", () => {
    const clock = new RebootstrapClock({ strategy: "none", triggerMs: 0 });
    clock.attempting(0);
    clock.requested();
    expect([clock.enabled, clock.due(1e9), clock.timeToDue(0)]).toEqual([false, false, Infinity]);
    const md = metadata("none");
    md.add("t", 0);
    const refused = metadataResponse({ t: [{ leader: 2 }] });
    refused.errorCode = ErrorCode.REBOOTSTRAP_REQUIRED;
    md.update(refused, ["t"], false, 0);
    expect(md.partitionCount("t")).toBe(0);
    expect(md.recovery.due(1e9)).toBe(false);
  });
});

describe("Metadata.rebootstrap", () => {
  test("forgets brokers and leaders, keeps partition counts, epochs and topic ids; the bootstrap addresses are the nodes again; a full update is due", () => {
    const md = metadata();
    md.add("t", 0);
    const before = metadataResponse({ t: [{ leader: 1, epoch: 9 }, { leader: 2, epoch: 9 }] });
    before.topics[0]!.topicId = new Uint8Array(16).fill(1);
    md.update(before, ["t"], false, 0);
    expect(md.nodes.map((n) => n.id)).toEqual([1, 2, 3]);
    const forgotten = md.rebootstrap(50);
    expect(forgotten.map((n) => n.id)).toEqual([1, 2, 3]);
    expect(md.nodes).toEqual([{ id: -1, host: "boot", port: 9092, rack: null }]);
    // Records for "t" are still accepted (they wait for a leader, bounded by delivery.timeout.ms).
    expect([md.partitionCount("t"), md.leaderFor("t", 0), md.leaderEpochFor("t", 0), md.availablePartitions("t"), md.partitionsForNode(1)])
      .toEqual([2, -1, 9, [], []]);
    expect(md.timeToNextUpdate(50)).toBe(0);
    expect(md.topicsToRequest(50)).toEqual({ topics: ["t"], partial: false });
    // The same cluster's stale answer (same topic id, older epoch) does not step the epoch back.
    const stale = metadataResponse({ t: [{ leader: 2, epoch: 3 }, { leader: 2, epoch: 9 }] });
    stale.topics[0]!.topicId = new Uint8Array(16).fill(1);
    md.update(stale, ["t"], false, 55);
    expect([md.leaderFor("t", 0), md.leaderEpochFor("t", 0), md.leaderFor("t", 1)]).toEqual([-1, 9, 2]);
    // A cluster re-created behind the bootstrap address (new topic id): its leaders are taken whatever the old epochs were.
    const recreated = metadataResponse({ t: [{ leader: 1, epoch: 0 }] }, 1);
    recreated.topics[0]!.topicId = new Uint8Array(16).fill(2);
    md.update(recreated, ["t"], false, 60);
    expect([md.partitionCount("t"), md.leaderFor("t", 0), md.leaderEpochFor("t", 0)]).toEqual([1, 1, 0]);
    // And the clock restarted at the re-bootstrap, stopped by that response.
    expect(md.recovery.due(1e9)).toBe(false);
  });
});

const producers: Producer[] = [];
afterEach(async () => {
  for (const p of producers.splice(0)) await p.close({ timeoutMs: 0 }).catch(() => {});
});

/** A producer over `cluster` with short backoffs, logging its info lines into `infos`. */
function producer(cluster: FakeCluster, options: Partial<ProducerOptions> = {}): { producer: Producer; infos: string[] } {
  const infos: string[] = [];
  const logger = { debug() {}, info: (m: string, _f?: LogFields) => void infos.push(m), warn() {}, error() {} };
  const p = new Producer({
    bootstrapServers: cluster.bootstrap,
    connect: cluster.connect,
    lingerMs: 0,
    reconnectBackoffMs: 5,
    reconnectBackoffMaxMs: 20,
    retryBackoffMs: 5,
    retryBackoffMaxMs: 20,
    requestTimeoutMs: 2000,
    deliveryTimeoutMs: 3000,
    maxBlockMs: 3000,
    logger,
    ...options,
  });
  producers.push(p);
  return { producer: p, infos };
}

/** The ports brokers 1..3 listen on at first. */
const FIRST_PORTS = [9101, 9102, 9103];

/** Every broker moves to a new address (as pods restarted elsewhere); the bootstrap address tells the new ones. */
function moveBrokers(cluster: FakeCluster): void {
  for (const id of cluster.brokerIds) cluster.addresses.set(id, { host: "127.0.0.1", port: 9200 + id });
}

/** Produce requests that reached the brokers at their new addresses. */
const atNewAddresses = (cluster: FakeCluster) => cluster.produceRequests.filter((r) => r.port >= 9200);

describe("a producer whose learned brokers all go away while its bootstrap address still works", () => {
  test("re-bootstraps once none of them can be reached, and delivers at the brokers' new addresses", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }, { leader: 2 }, { leader: 3 }] } });
    const { producer: p, infos } = producer(cluster);
    await within(p.send({ topic: "t", partition: 2, value: "before" }), 2000, "the first send");
    moveBrokers(cluster);
    cluster.cutOff(FIRST_PORTS);
    const md = await within(p.send({ topic: "t", partition: 1, value: "after" }), 3000, "the send after the move");
    expect([md.partition, md.offset]).toEqual([1, 0n]);
    expect(infos).toContain("Re-bootstrapping: forgetting the known brokers");
    expect(atNewAddresses(cluster).map((r) => r.node)).toEqual([2]);
    // The bootstrap address was asked again after the cut.
    expect(cluster.sockets.filter((s) => s.port === 9100).length).toBeGreaterThanOrEqual(2);
  });

  test("with metadata.recovery.strategy=none it keeps asking the learned addresses and the send times out", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }, { leader: 2 }, { leader: 3 }] } });
    const { producer: p, infos } = producer(cluster, { metadataRecoveryStrategy: "none", requestTimeoutMs: 300, deliveryTimeoutMs: 600, maxBlockMs: 600 });
    await within(p.send({ topic: "t", partition: 0, value: "before" }), 2000, "the first send");
    const bootstrapDials = cluster.sockets.filter((s) => s.port === 9100).length;
    moveBrokers(cluster);
    cluster.cutOff(FIRST_PORTS);
    const result = await outcome(p.send({ topic: "t", partition: 0, value: "lost" }), 3000);
    expect(result.status === "rejected" && result.reason).toBeInstanceOf(TimeoutError);
    expect(cluster.sockets.filter((s) => s.port === 9100).length).toBe(bootstrapDials);
    expect(atNewAddresses(cluster)).toEqual([]);
    expect(infos).not.toContain("Re-bootstrapping: forgetting the known brokers");
  });

  test("re-bootstraps after metadata.recovery.rebootstrap.trigger.ms without metadata from brokers that still take connections", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }], u: [{ leader: 2 }] } });
    const { producer: p, infos } = producer(cluster, { metadataRecoveryRebootstrapTriggerMs: 300, requestTimeoutMs: 2500 });
    await within(p.send({ topic: "t", value: "before" }), 2000, "the first send");
    // The learned addresses now reach brokers that take Metadata requests and never answer them.
    cluster.onMetadata = (r) => (r.node > 0 ? "hang" : "answer");
    const started = Date.now();
    const md = await within(p.send({ topic: "u", value: "after" }), 2400, "the send to a new topic");
    const took = Date.now() - started;
    expect(md.topic).toBe("u");
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2500); // well before the request timeout would fail the hung request
    expect(infos).toContain("Re-bootstrapping: forgetting the known brokers");
  });

  test("a bootstrap server that hangs for the trigger time is dropped and dialled again, before anything was learned", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }] } });
    let first = true;
    cluster.onMetadata = () => (first ? ((first = false), "hang") : "answer");
    const { producer: p } = producer(cluster, { metadataRecoveryRebootstrapTriggerMs: 300, requestTimeoutMs: 2500 });
    const started = Date.now();
    await within(p.send({ topic: "t", value: "v" }), 2400, "the send");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const bootstrap = cluster.sockets.filter((s) => s.port === 9100);
    expect(bootstrap.length).toBe(2);
    expect(bootstrap[0]!.socket.closed).toBe(true);
  });

  test("re-bootstraps at once when a broker answers Metadata with REBOOTSTRAP_REQUIRED (129)", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }], u: [{ leader: 2 }] } });
    const { producer: p, infos } = producer(cluster); // the trigger at its default, 300 s
    await within(p.send({ topic: "t", value: "before" }), 2000, "the first send");
    expect(ErrorCode.REBOOTSTRAP_REQUIRED).toBe(129);
    cluster.onMetadata = (r) => (r.node > 0 ? { errorCode: ErrorCode.REBOOTSTRAP_REQUIRED } : "answer");
    const asked = cluster.metadataRequests.length;
    const started = Date.now();
    const md = await within(p.send({ topic: "u", value: "after" }), 2000, "the send to a new topic");
    expect(md.topic).toBe("u");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(infos).toContain("Re-bootstrapping: forgetting the known brokers");
    // One refusal from a learned broker, then the bootstrap address's answer.
    expect(cluster.metadataRequests.length - asked).toBe(2);
  });

  test("REBOOTSTRAP_REQUIRED with metadata.recovery.strategy=none is a failed update: the producer keeps asking the learned brokers", async () => {
    const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }], u: [{ leader: 2 }] } });
    const { producer: p, infos } = producer(cluster, { metadataRecoveryStrategy: "none", maxBlockMs: 300 });
    await within(p.send({ topic: "t", value: "before" }), 2000, "the first send");
    const ports: number[] = [];
    cluster.onMetadata = (r) => (ports.push(r.port), { errorCode: ErrorCode.REBOOTSTRAP_REQUIRED });
    const result = await outcome(p.send({ topic: "u", value: "never" }), 2000);
    expect(result.status === "rejected" && result.reason).toBeInstanceOf(TimeoutError);
    expect(ports.length).toBeGreaterThan(1);
    expect(ports).not.toContain(9100);
    expect(infos).not.toContain("Re-bootstrapping: forgetting the known brokers");
  });
});

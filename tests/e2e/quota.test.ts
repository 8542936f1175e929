/**
 * A broker quota against a real broker (KIP-219): a `producer_byte_rate`
 * quota of 1 MB/s on the producer's client id (set with Kafka's Admin API,
 * tests/helpers/JavaClientQuota.java, as `kafka-configs --alter
 * --add-config producer_byte_rate=1048576 --entity-type clients` would).
 * Producing 12 MB then takes about 12 s; the broker answers with throttle
 * times, which `produce-throttle-time-avg`/`-max` report; the producer
 * writes no Produce request to the broker while a throttle time runs (a
 * `connect` wrapper timestamps the writes, the debug log the throttles);
 * nothing fails and nothing is retried. The quota is removed afterwards.
 *
 * Why 12 MB: the broker measures the rate over `quota.window.num` (11)
 * samples of one second, and while fewer have passed it divides by about
 * 10.5 s, so the first ~10.5 MB go through unthrottled; after that the
 * rate holds at the quota, and N MB take about N seconds in all.
 */

import { expect, test } from "bun:test";
import { join } from "node:path";
import { type Connect, Producer, type RecordMetadata } from "../../mod.ts";
import { autoConnect } from "../../runtime/auto.ts";
import { createReadyTopic, kafkaJava, within } from "../helpers/engine.ts";
import { cluster, ROOT, uniqueTopic } from "../helpers/kafka.ts";

const QUOTA_TOOL = join(ROOT, "tests", "helpers", "JavaClientQuota.java");
const MB = 1024 * 1024;

/** A `connect` that notes when each Produce request (API key 0) is written; frames start each write. */
function timedProduceWrites(): { connect: Connect; writes: number[] } {
  const writes: number[] = [];
  const connect: Connect = async (options, handlers) => {
    const inner = await autoConnect(options, handlers);
    return {
      write: (chunk) => {
        const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        for (let at = 0; at + 6 <= chunk.length; at += 4 + view.getInt32(at)) if (view.getInt16(at + 4) === 0) writes.push(Date.now());
        return inner.write(chunk);
      },
      close: () => inner.close(),
    };
  };
  return { connect, writes };
}

test("a 1 MB/s producer_byte_rate quota on the client id: 12 MB take about 12 s, the throttle metrics are non-zero, nothing fails", async () => {
  const bootstrap = cluster();
  const topic = createReadyTopic(bootstrap, uniqueTopic("quota"), 3);
  const clientId = uniqueTopic("quota-client");
  expect(kafkaJava([QUOTA_TOOL, bootstrap, clientId, String(MB)], "")).toContain("producer_byte_rate=1048576.0");
  const wire = timedProduceWrites();
  const throttles: Array<{ at: number; ms: number }> = [];
  const logger = {
    debug: (m: string, f?: Record<string, unknown>) => void (m.startsWith("Broker throttled") && throttles.push({ at: Date.now(), ms: f!.throttleTimeMs as number })),
    info() {},
    warn() {},
    error() {},
  };
  const p = new Producer({ bootstrapServers: bootstrap, clientId, lingerMs: 5, deliveryTimeoutMs: 120_000, connect: wire.connect, logger });
  try {
    await within(p.partitionsFor(topic), 20_000, "metadata");
    const value = new Uint8Array(1024).fill(0x71);
    const records = 12 * 1024; // 12 MB of values
    const started = Date.now();
    const sends: Array<Promise<RecordMetadata>> = [];
    for (let i = 0; i < records; i++) sends.push(p.send({ topic, value }));
    const mds = await within(Promise.all(sends), 60_000, "the throttled sends");
    const took = Date.now() - started;
    const m = p.metrics();
    console.log(`quota: ${records} KiB in ${took} ms, produce-throttle-time-avg=${m["produce-throttle-time-avg"]!.toFixed(1)} ` +
      `max=${m["produce-throttle-time-max"]}`);
    // About 12 s.
    expect(took).toBeGreaterThan(9_000);
    expect(took).toBeLessThan(30_000);
    expect(m["produce-throttle-time-max"]).toBeGreaterThan(0);
    expect(m["produce-throttle-time-avg"]).toBeGreaterThan(0);
    expect([m["record-error-total"], m["record-retry-total"], m["record-send-total"]]).toEqual([0, 0, records]);
    // While a throttle time ran, nothing was written to the broker (one broker: every Produce goes to it).
    expect(throttles.length).toBeGreaterThan(0);
    for (const t of throttles) expect(wire.writes.filter((w) => w > t.at && w < t.at + t.ms - 2)).toEqual([]);
    // Every record landed once: offsets 0..n-1 in each partition.
    const byPartition = new Map<number, bigint[]>();
    for (const md of mds) byPartition.set(md.partition, [...(byPartition.get(md.partition) ?? []), md.offset]);
    for (const offsets of byPartition.values()) expect(offsets.sort((a, b) => Number(a - b))).toEqual(offsets.map((_, i) => BigInt(i)));
  } finally {
    await p.close({ timeoutMs: 10_000 });
    kafkaJava([QUOTA_TOOL, bootstrap, clientId, "-"], "");
  }
}, 120_000);

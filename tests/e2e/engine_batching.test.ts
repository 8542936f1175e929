/**
 * Batching against the real broker. Batches are counted independently, from
 * the broker's own segment files, with Kafka's `DumpLogSegments`
 * (`org.apache.kafka.tools.DumpLogSegments`), and cross-checked with the
 * producer's `metrics()`:
 *
 * - `lingerMs: 50` and 1,000 small concurrent sends → a handful of batches;
 * - a small `batchSize` (200 bytes) → many batches, none over 200 bytes;
 * - `flush()` sends at once what `linger.ms` would hold for a minute;
 * - `compressionType: "gzip"` batches are gzip on the broker and read back
 *   byte-exact by kcat.
 *
 * DumpLogSegments needs the segment files of the cluster kafka.sh started
 * (`$EDGEKAFKA_KAFKA_STATE/single`); when `KAFKA_BOOTSTRAP` points at another
 * broker that part is skipped (with a note) and only the kcat and metrics
 * checks run.
 */

import { afterAll, beforeAll, expect, test } from "bun:test";
import { Producer, type RecordMetadata } from "../../mod.ts";
import { canDumpDefaultCluster, createReadyTopic, dumpBatches, sleep, Tracked, type DumpedBatch, within } from "../helpers/engine.ts";
import { cluster, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";

let bootstrap = "";
let dump = false;
const producers: Producer[] = [];

beforeAll(() => {
  bootstrap = cluster();
  dump = canDumpDefaultCluster();
  if (!dump) console.warn("engine_batching: KAFKA_BOOTSTRAP points at a broker kafka.sh did not start: DumpLogSegments checks are skipped");
}, 180_000);

afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 5_000 })));
});

function producer(options: Omit<ConstructorParameters<typeof Producer>[0], "bootstrapServers">): Producer {
  const p = new Producer({ bootstrapServers: bootstrap, maxBlockMs: 20_000, ...options });
  producers.push(p);
  return p;
}

/** Batches on the broker, or null when the segment files cannot be read here. */
function brokerBatches(topic: string, partitions: number): DumpedBatch[] | null {
  return dump ? dumpBatches("single", topic, partitions) : null;
}

/**
 * Sends `n` small records to partition 0 without awaiting any of them, in
 * `waves` synchronous waves `gapMs` apart (so that `linger.ms` decides how
 * they are batched); waits for all.
 */
async function burst(p: Producer, topic: string, n: number, waves = 1, gapMs = 0): Promise<RecordMetadata[]> {
  const sends: Array<Promise<RecordMetadata>> = [];
  for (let i = 0; i < n; i++) {
    sends.push(p.send({ topic, partition: 0, key: `k${i % 10}`, value: `small-${i}` }));
    if ((i + 1) % Math.ceil(n / waves) === 0 && i + 1 < n) await sleep(gapMs);
  }
  return await within(Promise.all(sends), 30_000, `${n} sends`);
}

function checkReadBack(topic: string, n: number): void {
  const records = kcatRead(bootstrap, topic);
  expect(records).toHaveLength(n);
  expect(records.map((r) => text(r.value))).toEqual(Array.from({ length: n }, (_, i) => `small-${i}`));
  expect(records.map((r) => r.offset)).toEqual(Array.from({ length: n }, (_, i) => i));
}

test("lingerMs 50: 1000 concurrent small sends go out in a handful of batches (lingerMs 0: many)", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-linger"), 1);
  const control = createReadyTopic(bootstrap, uniqueTopic("engine-nolinger"), 1);
  const p = producer({ lingerMs: 50 });
  const q = producer({ lingerMs: 0 });
  await p.partitionsFor(topic); // metadata at hand: each wave is appended synchronously
  await q.partitionsFor(control);
  // 10 waves of 100 records, 10 ms apart: ~100 ms of sending.
  const mds = await burst(p, topic, 1000, 10, 10);
  await burst(q, control, 1000, 10, 10);
  expect(mds.map((m) => Number(m.offset))).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  checkReadBack(topic, 1000);
  checkReadBack(control, 1000);
  const m = p.metrics();
  const mq = q.metrics();
  expect(m["record-send-total"]).toBe(1000);
  expect(mq["record-send-total"]).toBe(1000);
  // ~22 KB in ~100 ms: linger.ms 50 (and the 16 KiB batch.size) make a few batches of hundreds of records.
  expect(m["records-per-request-avg"]).toBeGreaterThanOrEqual(150);
  expect(m["batch-size-max"]).toBeLessThanOrEqual(16384);
  // Without linger, each wave leaves on its own (or a few waves share a batch while requests are in flight).
  expect(mq["records-per-request-avg"]).toBeLessThan(m["records-per-request-avg"]! / 2);
  const batches = brokerBatches(topic, 1);
  const controlBatches = brokerBatches(control, 1);
  if (batches !== null && controlBatches !== null) {
    expect(batches.length).toBeGreaterThanOrEqual(2);
    expect(batches.length).toBeLessThanOrEqual(6);
    expect(controlBatches.length).toBeGreaterThanOrEqual(5);
    expect(batches.reduce((a, b) => a + b.count, 0)).toBe(1000);
    expect(controlBatches.reduce((a, b) => a + b.count, 0)).toBe(1000);
    for (const b of batches) expect(b.codec).toBe("none");
    // One batch per request on a single partition: the metrics describe exactly these batches.
    expect(m["records-per-request-avg"]).toBeCloseTo(1000 / batches.length, 6);
    expect(m["batch-size-avg"]).toBeCloseTo(batches.reduce((a, b) => a + b.size, 0) / batches.length, 6);
    expect(m["batch-size-max"]).toBe(Math.max(...batches.map((b) => b.size)));
    expect(mq["records-per-request-avg"]).toBeCloseTo(1000 / controlBatches.length, 6);
  }
}, 60_000);

test("batchSize 200: the same burst becomes many batches of at most 200 bytes", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-smallbatch"), 1);
  const p = producer({ lingerMs: 50, batchSize: 200 });
  await p.partitionsFor(topic);
  await burst(p, topic, 1000);
  checkReadBack(topic, 1000);
  const m = p.metrics();
  expect(m["record-send-total"]).toBe(1000);
  // ~20-byte records in a 200-byte batch (61-byte header): 5-7 per batch.
  expect(m["records-per-request-avg"]).toBeLessThanOrEqual(10);
  expect(m["batch-size-max"]).toBeLessThanOrEqual(200);
  const batches = brokerBatches(topic, 1);
  if (batches !== null) {
    expect(batches.length).toBeGreaterThanOrEqual(100);
    expect(batches.reduce((a, b) => a + b.count, 0)).toBe(1000);
    for (const b of batches) expect(b.size).toBeLessThanOrEqual(200);
    // Batches are filled, not sent half empty: at most the last one is short.
    const short = batches.filter((b) => b.size < 200 - 25);
    expect(short.length).toBeLessThanOrEqual(1);
    expect(m["records-per-request-avg"]).toBeCloseTo(1000 / batches.length, 6);
    expect(m["batch-size-avg"]).toBeCloseTo(batches.reduce((a, b) => a + b.size, 0) / batches.length, 6);
  }
}, 60_000);

test("flush() sends at once what lingerMs 60000 would hold", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-flush"), 3);
  const p = producer({ lingerMs: 60_000 });
  await p.partitionsFor(topic);
  const sends = [0, 1, 2].map((partition) => new Tracked(p.send({ topic, partition, value: `flush-${partition}` })));
  await sleep(700);
  // linger.ms holds them: nothing acknowledged yet.
  expect(sends.map((s) => s.settled)).toEqual([false, false, false]);
  const started = Date.now();
  await within(p.flush(), 10_000, "flush()");
  const flushMs = Date.now() - started;
  // flush() resolves only once every record has settled.
  expect(sends.map((s) => s.outcome?.ok)).toEqual([true, true, true]);
  expect(flushMs).toBeLessThan(5_000); // far below linger.ms
  const read = kcatRead(bootstrap, topic);
  expect(read.map((r) => [r.partition, text(r.value)])).toEqual([[0, "flush-0"], [1, "flush-1"], [2, "flush-2"]]);
  // flush() with nothing pending returns at once; a record sent after a flush lingers again.
  await within(p.flush(), 2_000, "empty flush()");
  const later = new Tracked(p.send({ topic, partition: 0, value: "after-flush" }));
  await sleep(500);
  expect(later.settled).toBe(false);
  await within(p.flush(), 10_000, "second flush()");
  expect(later.outcome?.ok).toBe(true);
}, 60_000);

test("compressionType gzip: batches are gzip on the broker and read back exactly", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-gzip"), 2);
  const p = producer({ compressionType: "gzip", lingerMs: 20 });
  await p.partitionsFor(topic);
  const values = Array.from({ length: 600 }, (_, i) => `{"id":${i},"payload":"${"compressible ".repeat(20)}","n":${i * 7}}`);
  const headers = { source: "engine-gzip", "ünïcode": "✓" };
  const mds = await within(
    Promise.all(values.map((value, i) => p.send({ topic, partition: i % 2, key: `g${i}`, value, headers }))),
    30_000,
    "gzip sends",
  );
  expect(mds).toHaveLength(600);
  const records = kcatRead(bootstrap, topic);
  expect(records).toHaveLength(600);
  const byValue = new Map(records.map((r) => [text(r.value)!, r]));
  values.forEach((v, i) => {
    const r = byValue.get(v);
    expect(r).toBeDefined();
    expect(text(r!.key)).toBe(`g${i}`);
    expect(r!.partition).toBe(i % 2);
    expect(r!.offset).toBe(Number(mds[i]!.offset));
    expect(r!.headers).toEqual([["source", "engine-gzip"], ["ünïcode", "✓"]]);
  });
  const m = p.metrics();
  expect(m["compression-rate-avg"]).toBeLessThan(0.5); // the payloads compress well
  const batches = brokerBatches(topic, 2);
  if (batches !== null) {
    expect(batches.reduce((a, b) => a + b.count, 0)).toBe(600);
    for (const b of batches) expect(b.codec).toBe("gzip");
    // What the broker stores is the compressed size: far below 600 × ~300 bytes.
    expect(batches.reduce((a, b) => a + b.size, 0)).toBeLessThan(600 * 300 * 0.5);
  }
}, 60_000);

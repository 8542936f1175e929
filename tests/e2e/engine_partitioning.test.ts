/**
 * Partitioning against the real broker, compared with the Java producer:
 *
 * - keyed records land on the partition Kafka's own Java producer picks: the
 *   same keys (ASCII, empty, non-ASCII, emoji, control characters) produced
 *   with `org.apache.kafka.tools.ConsoleProducer` (parse.key=true), arbitrary
 *   byte keys with Java's `KafkaProducer` (tests/helpers/JavaBytesProducer.java),
 *   on 6- and 7-partition topics; everything read back with kcat;
 * - the metadata `send()` resolves with (partition, offset, timestamp) is what
 *   kcat reads;
 * - per-key order over thousands of interleaved records;
 * - records without key: KIP-794 uniform sticky (runs of at least `batch.size`
 *   bytes per partition, every partition used eventually);
 * - `partitionerIgnoreKeys`, a custom `partitioner`, explicit partitions,
 *   `partitionsFor()`.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MetadataTimeoutError, partitionForKey, Producer, type RecordMetadata } from "../../mod.ts";
import { createReadyTopic, javaBytesProduce, javaConsoleProduce, sleep, utf8, within } from "../helpers/engine.ts";
import { cluster, type KcatRecord, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";

let bootstrap = "";
const producers: Producer[] = [];

function producer(options: Omit<ConstructorParameters<typeof Producer>[0], "bootstrapServers"> = {}): Producer {
  const p = new Producer({ bootstrapServers: bootstrap, maxBlockMs: 20_000, ...options });
  producers.push(p);
  return p;
}

beforeAll(() => {
  bootstrap = cluster();
}, 180_000);

afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 5_000 })));
});

/** Text keys ConsoleProducer can carry (no tab, no newline). */
const TEXT_KEYS: string[] = [
  "", "a", "abc", "hello", "kafka", "user-42", "The quick brown fox jumps over the lazy dog",
  "0123456789abcdefghijklmnopqrstuvwxyz".repeat(9), // 324 bytes: several murmur2 blocks
  "ключ", "键", "naïve café ☕", "Ελληνικά κλειδιά", "日本語のキー", "עברית",
  "🔑", "👩‍👩‍👧‍👦", "🎉🎊🥳", "a🔑b", "\u0000\u0001\u0002", "\u007f\u001b[0m", "\u00ff\u0100",
  ...Array.from({ length: 40 }, (_, i) => `key-${i}`),
];

/** A deterministic byte generator (xorshift32). */
function bytesFrom(seed: number, length: number): Uint8Array {
  let x = seed | 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Byte keys that are not valid UTF-8 (or contain tabs/newlines): only Java's KafkaProducer can send them. */
const BINARY_KEYS: Uint8Array[] = [
  new Uint8Array([]), new Uint8Array([0]), new Uint8Array([0xff]), new Uint8Array([0x80, 0x81]),
  new Uint8Array([0x0a, 0x09, 0x0d]), new Uint8Array([0xc3, 0x28]), new Uint8Array([0xff, 0xfe, 0xfd, 0x00]),
  ...Array.from({ length: 33 }, (_, i) => bytesFrom(0x9e3779b9 + i * 7919, i * 3 + 1)),
];

function byValue(records: KcatRecord[]): Map<string, KcatRecord> {
  const m = new Map<string, KcatRecord>();
  for (const r of records) m.set(text(r.value)!, r);
  return m;
}

describe("keyed records: same partition as the Java producer", () => {
  for (const partitions of [6, 7]) {
    test(`${partitions} partitions: ConsoleProducer and Java KafkaProducer vs ours, read with kcat`, async () => {
      const topic = createReadyTopic(bootstrap, uniqueTopic(`engine-part${partitions}`), partitions);
      // Java first: Kafka's console producer (text keys) and KafkaProducer (byte keys).
      javaConsoleProduce(bootstrap, topic, TEXT_KEYS.map((k, i) => [k, `java:${i}`]));
      const javaBinary = javaBytesProduce(bootstrap, topic, BINARY_KEYS.map((k, i) => [k, utf8(`javabin:${i}`)]));
      expect(javaBinary).toHaveLength(BINARY_KEYS.length);

      const p = producer();
      const ours = await within(Promise.all(TEXT_KEYS.map((k, i) => p.send({ topic, key: k, value: `ours:${i}` }))), 30_000, "text-key sends");
      const oursBinary = await within(
        Promise.all(BINARY_KEYS.map((k, i) => p.send({ topic, key: k, value: `oursbin:${i}` }))),
        30_000,
        "byte-key sends",
      );

      const read = byValue(kcatRead(bootstrap, topic));
      expect(read.size).toBe(2 * (TEXT_KEYS.length + BINARY_KEYS.length));
      const used = new Set<number>();
      TEXT_KEYS.forEach((key, i) => {
        const java = read.get(`java:${i}`)!;
        const mine = read.get(`ours:${i}`)!;
        // Both carry the same key bytes (ConsoleProducer wrote the key as UTF-8, as we do).
        expect(java.key).toEqual(utf8(key));
        expect(mine.key).toEqual(utf8(key));
        expect({ key, partition: mine.partition }).toEqual({ key, partition: java.partition });
        expect(ours[i]!.partition).toBe(java.partition);
        used.add(java.partition);
      });
      BINARY_KEYS.forEach((key, i) => {
        const java = read.get(`javabin:${i}`)!;
        const mine = read.get(`oursbin:${i}`)!;
        expect(java.key).toEqual(key);
        expect(mine.key).toEqual(key);
        expect(java.partition).toBe(javaBinary[i]!.partition);
        expect({ key: Buffer.from(key).toString("hex"), partition: mine.partition })
          .toEqual({ key: Buffer.from(key).toString("hex"), partition: java.partition });
        expect(oursBinary[i]!.partition).toBe(java.partition);
        used.add(java.partition);
      });
      // The keys spread: a partitioner that ignored keys could not pass by luck.
      expect(used.size).toBe(partitions);
    }, 120_000);
  }
});

test("send() resolves with the partition, offset and timestamp kcat reads", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-md"), 7);
  const p = producer({ lingerMs: 2 });
  const fixed = Date.UTC(2021, 4, 6, 7, 8, 9, 123);
  const sends: Array<Promise<RecordMetadata>> = [];
  for (let i = 0; i < 300; i++) {
    const timestamp = i % 3 === 0 ? fixed + i : i % 3 === 1 ? new Date(fixed - i) : undefined;
    sends.push(p.send({ topic, key: i % 5 === 0 ? null : `k${i % 17}`, value: `md:${i}`, timestamp }));
    if (i % 50 === 49) await sleep(3); // several requests, several batches per partition
  }
  const mds = await within(Promise.all(sends), 30_000, "sends");
  const read = byValue(kcatRead(bootstrap, topic));
  expect(read.size).toBe(300);
  mds.forEach((md, i) => {
    const r = read.get(`md:${i}`)!;
    expect(md.topic).toBe(topic);
    expect({ i, partition: md.partition, offset: md.offset, timestamp: md.timestamp })
      .toEqual({ i, partition: r.partition, offset: BigInt(r.offset), timestamp: r.timestamp });
    if (i % 3 === 0) expect(md.timestamp).toBe(fixed + i);
    if (i % 3 === 1) expect(md.timestamp).toBe(fixed - i);
  });
  // Offsets are unique per partition.
  const seen = new Set(mds.map((m) => `${m.partition}:${m.offset}`));
  expect(seen.size).toBe(300);
}, 60_000);

test("per-key order holds over 4000 interleaved records", async () => {
  const partitions = 7;
  const keys = 40;
  const perKey = 100;
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-order"), partitions);
  // Small batches and a short linger: many batches per partition, several requests in flight.
  const p = producer({ batchSize: 2048, lingerMs: 1 });
  const sends: Array<Promise<RecordMetadata>> = [];
  for (let n = 0; n < keys * perKey; n++) {
    const k = n % keys;
    const seq = Math.floor(n / keys);
    sends.push(p.send({ topic, key: `order-${k}`, value: `${k}:${seq}` }));
    if (n % 200 === 199) await sleep(1);
  }
  const mds = await within(Promise.all(sends), 60_000, "sends");
  // What send() said: each key on its murmur2 partition, offsets increasing in send order.
  const lastOffset = new Map<number, bigint>();
  mds.forEach((md, n) => {
    const k = n % keys;
    expect(md.partition).toBe(partitionForKey(`order-${k}`, partitions));
    const last = lastOffset.get(k) ?? -1n;
    expect(md.offset > last).toBe(true);
    lastOffset.set(k, md.offset);
  });
  // What the broker has: per key, 0..perKey-1 in offset order.
  const records = kcatRead(bootstrap, topic);
  expect(records).toHaveLength(keys * perKey);
  const nextSeq = new Map<number, number>();
  for (const r of records) {
    const [k, seq] = text(r.value)!.split(":").map(Number) as [number, number];
    expect(text(r.key)).toBe(`order-${k}`);
    expect({ k, seq }).toEqual({ k, seq: nextSeq.get(k) ?? 0 });
    nextSeq.set(k, seq + 1);
  }
  expect([...nextSeq.values()].every((s) => s === perKey)).toBe(true);
}, 90_000);

test("records without key: uniform sticky partitioning (KIP-794)", async () => {
  const partitions = 6;
  const batchSize = 1024;
  const valueSize = 100;
  const total = 3000;
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-sticky"), partitions);
  const p = producer({ batchSize, lingerMs: 5 });
  const sends: Array<Promise<RecordMetadata>> = [];
  for (let i = 0; i < total; i++) {
    sends.push(p.send({ topic, value: `${i}:`.padEnd(valueSize, "x") }));
    if (i % 100 === 99) await sleep(2); // let the sender run: adaptive load stats come into play
  }
  const mds = await within(Promise.all(sends), 60_000, "sends");
  // Runs of consecutive sends on one partition.
  const runs: Array<{ partition: number; length: number }> = [];
  for (const md of mds) {
    const last = runs[runs.length - 1];
    if (last && last.partition === md.partition) last.length++;
    else runs.push({ partition: md.partition, length: 1 });
  }
  const used = new Set(mds.map((m) => m.partition));
  expect(used.size).toBe(partitions); // every partition used eventually
  expect(runs.length).toBeGreaterThan(20); // it does move on
  // A switch happens only after batch.size bytes went to the partition: each
  // record is at most valueSize + 12 bytes encoded, so a finished run holds
  // at least batchSize / (valueSize + 12) records (10 here). A per-record
  // round robin or random choice would make runs of 1-2.
  const minRun = Math.ceil(batchSize / (valueSize + 12));
  for (const run of runs.slice(0, -1)) expect(run.length).toBeGreaterThanOrEqual(minRun);
  // The broker agrees with what send() said.
  const read = byValue(kcatRead(bootstrap, topic));
  expect(read.size).toBe(total);
  mds.forEach((md, i) => {
    const r = read.get(`${i}:`.padEnd(valueSize, "x"))!;
    expect(r.key).toBeNull();
    expect([r.partition, BigInt(r.offset)]).toEqual([md.partition, md.offset]);
  });
}, 90_000);

test("partitionerIgnoreKeys: keyed records are partitioned as unkeyed (sticky)", async () => {
  const partitions = 6;
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-ignorekeys"), partitions);
  const keys = Array.from({ length: 60 }, (_, i) => `ignored-${i}`);
  // With murmur2 these keys would spread over (nearly) every partition.
  expect(new Set(keys.map((k) => partitionForKey(k, partitions))).size).toBeGreaterThanOrEqual(4);
  const p = producer({ partitionerIgnoreKeys: true, lingerMs: 20 });
  const mds = await within(Promise.all(keys.map((k, i) => p.send({ topic, key: k, value: `v${i}` }))), 30_000, "sends");
  // ~2 KB in total, below batch.size: the sticky partition never switches.
  expect(new Set(mds.map((m) => m.partition)).size).toBe(1);
  const records = kcatRead(bootstrap, topic);
  expect(records).toHaveLength(keys.length);
  expect(new Set(records.map((r) => r.partition))).toEqual(new Set([mds[0]!.partition]));
  // The keys are still written.
  expect(records.map((r) => text(r.key))).toEqual(keys);
}, 60_000);

test("custom partitioner: called with topic, key, unserialized value and the partition count", async () => {
  const partitions = 6;
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-custom"), partitions);
  const calls: Array<[string, unknown, unknown, number]> = [];
  const p = new Producer<string, { route: number }>({
    bootstrapServers: bootstrap,
    maxBlockMs: 20_000,
    valueSerializer: (v) => JSON.stringify(v),
    partitioner: (t, key, value, n) => {
      calls.push([t, key, value, n]);
      return (value as { route: number }).route % n;
    },
  });
  try {
    const routes = [0, 1, 2, 3, 4, 5, 6, 11, 17, 23];
    const mds = await within(
      Promise.all(routes.map((route, i) => p.send({ topic, key: i % 2 ? `k${i}` : null, value: { route } }))),
      30_000,
      "sends",
    );
    expect(calls).toEqual(routes.map((route, i) => [topic, i % 2 ? `k${i}` : null, { route }, partitions]));
    expect(mds.map((m) => m.partition)).toEqual(routes.map((r) => r % partitions));
    // An explicit partition wins over the partitioner (it is not even asked).
    const explicit = await within(p.send({ topic, value: { route: 101 }, partition: 4 }), 10_000, "explicit send");
    expect(explicit.partition).toBe(4);
    expect(calls).toHaveLength(routes.length);
    const read = byValue(kcatRead(bootstrap, topic));
    routes.forEach((route) => expect(read.get(JSON.stringify({ route }))?.partition).toBe(route % partitions));
  } finally {
    await p.close({ timeoutMs: 5_000 });
  }
}, 60_000);

test("an explicit partition overrides the key's partition", async () => {
  const partitions = 6;
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-explicit"), partitions);
  const p = producer();
  const key = "abc"; // murmur2 → partition 3 of 6 (Murmur2Vectors.java)
  expect(partitionForKey(key, partitions)).toBe(3);
  const targets = [0, 1, 2, 4, 5];
  const mds = await within(Promise.all(targets.map((partition) => p.send({ topic, key, value: `to-${partition}`, partition }))), 30_000, "sends");
  expect(mds.map((m) => m.partition)).toEqual(targets);
  const read = byValue(kcatRead(bootstrap, topic));
  for (const t of targets) {
    expect(read.get(`to-${t}`)?.partition).toBe(t);
    expect(text(read.get(`to-${t}`)!.key)).toBe(key);
  }
}, 60_000);

test("partitionsFor() lists every partition with its leader", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-pf"), 7);
  const p = producer({ maxBlockMs: 2_000 });
  const infos = await within(p.partitionsFor(topic), 10_000, "partitionsFor");
  expect(infos.map((i) => i.partition).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  for (const info of infos) {
    expect(info.topic).toBe(topic);
    expect(info.leader).toBeGreaterThanOrEqual(0);
    expect(info.replicas).toContain(info.leader);
    expect(info.isr).toContain(info.leader);
  }
  // A topic that does not exist: MetadataTimeoutError after max.block.ms.
  const started = Date.now();
  const missing = uniqueTopic("engine-pf-missing");
  const error = await within(p.partitionsFor(missing).then(() => null, (e: unknown) => e), 10_000, "partitionsFor(missing)");
  expect(error).toBeInstanceOf(MetadataTimeoutError);
  expect((error as MetadataTimeoutError).topic).toBe(missing);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  expect(Date.now() - started).toBeLessThan(6_000);
}, 60_000);

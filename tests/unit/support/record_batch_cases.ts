/**
 * The record batches tests/unit/record_batch.test.ts compares with Kafka's
 * Java `MemoryRecordsBuilder`, and the encoder both the test and the fixture
 * generator use (our `ProducerBatch.tryAppend` + `seal`).
 *
 * Run as a script, it prints the input of tests/kafka/RecordBatchVectors.java:
 * every case (records as hex) with the batches we encode for it, uncompressed
 * and gzip, so the Java program can build its own and decode ours:
 *
 *   ./node_modules/.bin/bun tests/unit/support/record_batch_cases.ts \
 *     | bash tests/kafka/kafka.sh --libs broker java tests/kafka/RecordBatchVectors.java - \
 *     > tests/unit/fixtures/record_batch_vectors.json
 */

import { type Compressor, type ProducerIdentity, ProducerBatch } from "../../../src/producer/batch.ts";
import { crc32c, crc32cReady } from "../../../src/protocol/crc32c.ts";
import { type FieldValue, type HeaderList, RecordWriter } from "../../../src/protocol/record_batch.ts";

/** One record of a case; strings are written as UTF-8 (our encoder's string path). */
export interface CaseRecord {
  timestamp: number;
  key: FieldValue;
  value: FieldValue;
  headers: HeaderList | null;
}

/** One batch to compare. */
export interface BatchCase {
  name: string;
  records: CaseRecord[];
  /** Stamped on the batch as the sender does at drain time; null without idempotence. */
  identity: ProducerIdentity | null;
}

const T0 = 1_700_000_000_123;
const bytes = (...b: number[]) => Uint8Array.from(b);
/** Deterministic filler (compressible, but not constant). */
const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed + (i >> 5)) & 0xff);

export const CASES: BatchCase[] = [
  {
    name: "one record, string key and value",
    records: [{ timestamp: T0, key: "key-1", value: "hello, kafka", headers: null }],
    identity: null,
  },
  {
    name: "null key, null value, no headers",
    records: [{ timestamp: T0, key: null, value: null, headers: null }],
    identity: null,
  },
  {
    name: "empty key and value (bytes and string), empty header list",
    records: [
      { timestamp: T0, key: new Uint8Array(0), value: "", headers: [] },
      { timestamp: T0, key: "", value: new Uint8Array(0), headers: null },
    ],
    identity: null,
  },
  {
    name: "headers: duplicate keys, null and empty values, non-ASCII",
    records: [
      {
        timestamp: T0,
        key: bytes(0, 1, 2, 0xff),
        value: "v",
        headers: [
          ["a", "1"],
          ["a", "2"],
          ["null-value", null],
          ["empty-value", new Uint8Array(0)],
          ["", "empty key"],
          ["ключ-🔑", bytes(0x00, 0xff, 0x80)],
          ["a", null],
        ],
      },
      { timestamp: T0 + 1, key: null, value: "second", headers: [["trace", "x".repeat(70)]] },
    ],
    identity: null,
  },
  {
    name: "non-ASCII keys and values",
    records: [
      { timestamp: T0, key: "ключ🔑", value: "значение 键 € é 𝄞", headers: null },
      { timestamp: T0, key: "🔑".repeat(40), value: "é".repeat(100), headers: null },
    ],
    identity: null,
  },
  {
    name: "timestamps out of order, a negative delta and a delta over 2^32 ms",
    records: [
      { timestamp: T0, key: "k0", value: "first", headers: null },
      { timestamp: T0 + 1, key: "k1", value: "later", headers: null },
      { timestamp: T0 - 5000, key: "k2", value: "earlier than the first", headers: null },
      { timestamp: T0 + 2 ** 33 + 17, key: "k3", value: "far future", headers: null },
      { timestamp: T0 + 1000, key: "k4", value: "not the max", headers: null },
    ],
    identity: null,
  },
  {
    name: "200 records (multi-byte offset deltas), compressible values",
    records: Array.from({ length: 200 }, (_, i) => ({
      timestamp: T0 + i * 3,
      key: i % 10 === 0 ? null : `key-${i % 17}`,
      value: i % 25 === 0 ? new Uint8Array(0) : `value ${i} ${"abc".repeat(i % 9)}`,
      headers: i % 7 === 0 ? [["i", String(i)] as const] : null,
    })),
    identity: null,
  },
  {
    name: "large fields: 300-byte key, 9000-byte value, 70 headers",
    records: [
      {
        timestamp: T0,
        key: pattern(300, 1),
        value: pattern(9000, 2),
        headers: Array.from({ length: 70 }, (_, i) => [`h${i}`, i % 5 === 0 ? null : pattern(i, i)] as const),
      },
      { timestamp: T0 + 2, key: "small", value: pattern(200, 3), headers: null },
    ],
    identity: null,
  },
  {
    name: "idempotent: producer id, epoch and sequence",
    records: [
      { timestamp: T0, key: "a", value: "1", headers: null },
      { timestamp: T0 + 3, key: "b", value: "2", headers: null },
      { timestamp: T0 + 2, key: "c", value: "3", headers: null },
    ],
    identity: { producerId: 4242n, producerEpoch: 3, baseSequence: 17, transactional: false },
  },
  {
    name: "idempotent: producer id 0, epoch 0, sequence 0",
    records: [{ timestamp: T0, key: "a", value: "1", headers: null }],
    identity: { producerId: 0n, producerEpoch: 0, baseSequence: 0, transactional: false },
  },
  {
    name: "transactional: large producer id, max epoch, sequence near the wrap",
    records: Array.from({ length: 12 }, (_, i) => ({
      timestamp: T0 + i,
      key: `txn-key-${i}`,
      value: `txn value ${i} `.repeat(6),
      headers: [["txn", "yes"] as const],
    })),
    identity: { producerId: 2n ** 40n + 5n, producerEpoch: 32767, baseSequence: 2147483000, transactional: true },
  },
];

/** Encodes a case with our producer's path: ProducerBatch.tryAppend for each record, identity, seal. */
export function encodeCase(c: BatchCase, compressor: Compressor | null): { wire: Uint8Array; batch: ProducerBatch } {
  const batch = new ProducerBatch("topic", 0, new Uint8Array(1 << 17), T0);
  const rw = new RecordWriter();
  for (const r of c.records) {
    const n = batch.tryAppend(rw, 1 << 20, r.timestamp, r.key, r.value, r.headers, () => {}, () => {});
    if (n <= 0) throw new Error(`Case "${c.name}" did not fit (${n})`);
  }
  batch.identity = c.identity === null ? null : { ...c.identity };
  return { wire: batch.seal(compressor, crc32c).slice(), batch };
}

const utf8 = new TextEncoder();
export const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
/** A field as the fixture writes it: hex of its bytes, or null. */
export const fieldHex = (v: FieldValue): string | null => v === null ? null : toHex(typeof v === "string" ? utf8.encode(v) : v);

/** A case's records as the fixture holds them (hex bytes). */
export function recordsAsJson(c: BatchCase): unknown[] {
  return c.records.map((r) => ({
    timestamp: r.timestamp,
    key: fieldHex(r.key),
    value: fieldHex(r.value),
    headers: (r.headers ?? []).map(([k, v]) => [k, fieldHex(v)]),
  }));
}

if (import.meta.main) {
  const { compressorFor } = await import("../../../src/producer/compression.ts");
  const { portableCodecs } = await import("../../../src/portable_codecs.ts");
  await crc32cReady();
  const gzip = compressorFor("gzip", -1, undefined, portableCodecs)!;
  const cases = CASES.map((c) => ({
    name: c.name,
    producerId: String(c.identity?.producerId ?? -1n),
    producerEpoch: c.identity?.producerEpoch ?? -1,
    baseSequence: c.identity?.baseSequence ?? -1,
    transactional: c.identity?.transactional ?? false,
    records: recordsAsJson(c),
    ours: toHex(encodeCase(c, null).wire),
    oursGzip: toHex(encodeCase(c, gzip).wire),
  }));
  console.log(JSON.stringify({ cases }));
}

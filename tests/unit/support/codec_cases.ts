/**
 * The inputs tests/unit/codecs.test.ts compresses and compares with Kafka's
 * Java codecs, and the record-batch workload the README's codec numbers are
 * measured on (`recordsSection`: a batch's records section as the producer
 * writes it, of 100-byte JSON-ish values).
 *
 * Run as a script, it prints the input of tests/kafka/CodecVectors.java:
 *
 *   ./node_modules/.bin/bun tests/unit/support/codec_cases.ts \
 *     | bash tests/kafka/kafka.sh --libs broker java tests/kafka/CodecVectors.java vectors - \
 *     > tests/unit/fixtures/codec_vectors.json
 */

import { ProducerBatch } from "../../../src/producer/batch.ts";
import { BATCH_HEADER_SIZE, RecordWriter } from "../../../src/protocol/record_batch.ts";

const T0 = 1_700_000_000_123;
const encoder = new TextEncoder();

/** Deterministic bytes that do not compress (a 32-bit LCG's high bytes). */
export function incompressible(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A 100-byte JSON-ish record value (fields vary as real events do). */
export function jsonValue(i: number): string {
  const body = `{"id":${i},"user":"user-${(i * 7919) % 5000}","event":"${["click", "view", "buy"][i % 3]}",` +
    `"ts":${T0 + i * 17},"amount":${((i * 37) % 100000) / 100}`;
  return (body + `,"pad":"${"x".repeat(Math.max(0, 97 - body.length))}"}`).slice(0, 100);
}

/**
 * The records section of a batch of about `bytes` bytes: records with a
 * key, a 100-byte JSON-ish value and no headers, as `ProducerBatch` writes them.
 */
export function recordsSection(bytes: number): Uint8Array {
  const batch = new ProducerBatch("bench", 0, new Uint8Array(bytes + BATCH_HEADER_SIZE), T0);
  const rw = new RecordWriter();
  for (let i = 0; ; i++) {
    const size = batch.tryAppend(rw, bytes + BATCH_HEADER_SIZE, T0 + i, `key-${i % 1000}`, jsonValue(i), null, () => {}, () => {});
    if (size <= 0) return batch.recordsSection().slice();
  }
}

/** The named inputs compared with Kafka's codecs. */
export function codecCases(): { name: string; data: Uint8Array }[] {
  return [
    { name: "empty", data: new Uint8Array(0) },
    { name: "one byte", data: Uint8Array.of(42) },
    { name: "short text", data: encoder.encode("hello kafka") },
    { name: "records 70 KiB", data: recordsSection(70 * 1024) },
    { name: "incompressible 33 KiB", data: incompressible(33 * 1024) },
    { name: "zeros 200 KiB", data: new Uint8Array(200 * 1024) },
    {
      name: "mixed 150 KiB",
      data: Uint8Array.from([...recordsSection(60 * 1024), ...incompressible(10 * 1024, 7), ...new Uint8Array(80 * 1024)]),
    },
  ];
}

const base64 = (b: Uint8Array) => btoa(Array.from(b, (x) => String.fromCharCode(x)).join(""));

if (import.meta.main) {
  console.log(JSON.stringify({ cases: codecCases().map((c) => ({ name: c.name, data: base64(c.data) })) }));
}

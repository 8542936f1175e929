/**
 * Record batch v2 as our producer writes it (RecordWriter, ProducerBatch.tryAppend/seal, crc32c,
 * gzip from src/producer/compression.ts) against Kafka's Java client (kafka-clients 4.4.0).
 *
 * The fixture tests/unit/fixtures/record_batch_vectors.json was made by tests/kafka/RecordBatchVectors.java
 * from the cases in tests/unit/support/record_batch_cases.ts (from the repository root):
 *
 *   ./node_modules/.bin/bun tests/unit/support/record_batch_cases.ts \
 *     | bash tests/kafka/kafka.sh --libs broker java tests/kafka/RecordBatchVectors.java - \
 *     > tests/unit/fixtures/record_batch_vectors.json
 *
 * - Uncompressed, our batch must be byte-identical to what Java's MemoryRecordsBuilder builds for the
 *   same records and producer state ("javaHex").
 * - gzip output differs between implementations, so instead: Java's MemoryRecords.readableRecords
 *   decoded the gzip batch we wrote at generation time ("oursGzip") into "oursGzipDecoded", which must
 *   equal the case's records; and our encoder must still produce exactly those bytes (gzip's MTIME
 *   header field aside, which fflate fills with the current time). If fflate's deflate output ever
 *   changes, that comparison fails: regenerate the fixture with the command above.
 * - Our own reader (readBatch) decodes our batches and Java's (incl. Java's gzip) with a CRC check.
 */

import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ProtocolError } from "../../src/errors.ts";
import { CALLBACK, ProducerBatch } from "../../src/producer/batch.ts";
import { compressorFor, decompress } from "../../src/producer/compression.ts";
import { portableCodecs } from "../../src/portable_codecs.ts";
import { splitBatch } from "../../src/producer/split.ts";
import { crc32c, crc32cReady } from "../../src/protocol/crc32c.ts";
import { BATCH_HEADER_SIZE, RecordWriter, sealBatch, TRANSACTIONAL_FLAG } from "../../src/protocol/record_batch.ts";
import { type DecodedBatch, readBatch, readRecords } from "../../src/protocol/record_reader.ts";
import { type BatchCase, CASES, encodeCase, fieldHex, recordsAsJson, toHex } from "./support/record_batch_cases.ts";

interface JavaRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}
interface JavaBatch {
  crcValid: boolean;
  magic: number;
  compressionType: number;
  transactional: boolean;
  controlBatch: boolean;
  timestampType: string;
  producerId: string;
  producerEpoch: number;
  baseSequence: number;
  lastSequence: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  partitionLeaderEpoch: number;
  count: number;
  sizeInBytes: number;
  checksum: number;
  records: JavaRecord[];
}
interface Vector {
  name: string;
  producerId: string;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
  records: unknown[];
  javaHex: string;
  javaGzipHex: string;
  oursGzip: string;
  oursGzipDecoded: JavaBatch[];
}

const FIXTURE: { kafkaVersion: string; cases: Vector[] } = JSON.parse(
  readFileSync(join(import.meta.dir, "fixtures", "record_batch_vectors.json"), "utf8"),
);
const vectorOf = (c: BatchCase): Vector => FIXTURE.cases.find((v) => v.name === c.name)!;
const gzip = compressorFor("gzip", -1, undefined, portableCodecs)!;

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const maxTimestamp = (c: BatchCase) => Math.max(...c.records.map((r) => r.timestamp));

/** Our decoded batch's records in the fixture's shape, with absolute timestamps. */
function ourRecords(b: DecodedBatch) {
  return b.records.map((r, i) => ({
    offset: i,
    offsetDelta: r.offsetDelta,
    timestamp: Number(b.baseTimestamp) + r.timestampDelta,
    key: r.key === null ? null : toHex(r.key),
    value: r.value === null ? null : toHex(r.value),
    headers: r.headers.map(([k, v]): [string, string | null] => [k, v === null ? null : toHex(v)]),
  }));
}
/** What a case's records must decode to. */
function expectedRecords(c: BatchCase) {
  return c.records.map((r, i) => ({
    offset: i,
    offsetDelta: i,
    timestamp: r.timestamp,
    key: fieldHex(r.key),
    value: fieldHex(r.value),
    headers: (r.headers ?? []).map(([k, v]): [string, string | null] => [k, fieldHex(v)]),
  }));
}
/** Checks every header field of one of our batches against the case. */
function expectHeader(b: DecodedBatch, c: BatchCase, codec: number) {
  expect(b.baseOffset).toBe(0n);
  expect(b.attributes).toBe((c.identity?.transactional ? TRANSACTIONAL_FLAG : 0) | codec);
  expect(b.lastOffsetDelta).toBe(c.records.length - 1);
  expect(b.baseTimestamp).toBe(BigInt(c.records[0]!.timestamp));
  expect(b.maxTimestamp).toBe(BigInt(maxTimestamp(c)));
  expect(b.producerId).toBe(c.identity?.producerId ?? -1n);
  expect(b.producerEpoch).toBe(c.identity?.producerEpoch ?? -1);
  expect(b.baseSequence).toBe(c.identity?.baseSequence ?? -1);
  expect(b.crcValid).toBe(true);
}
/** Fields readBatch does not return: length, partition leader epoch, magic, count. */
function expectRawHeader(wire: Uint8Array, count: number) {
  const v = view(wire);
  expect(v.getInt32(8)).toBe(wire.length - 12);
  expect(v.getInt32(12)).toBe(-1);
  expect(v.getInt8(16)).toBe(2);
  expect(v.getInt32(57)).toBe(count);
}

beforeAll(async () => {
  await crc32cReady();
});

describe("fixture", () => {
  test("is from Kafka 4.4.0 and matches the cases of record_batch_cases.ts", () => {
    expect(FIXTURE.kafkaVersion).toBe("4.4.0");
    expect(FIXTURE.cases.map((v) => v.name)).toEqual(CASES.map((c) => c.name));
    for (const c of CASES) {
      const v = vectorOf(c);
      // If a case was edited without regenerating, this fails rather than comparing stale bytes.
      expect(v.records).toEqual(recordsAsJson(c));
      expect(v.producerId).toBe(String(c.identity?.producerId ?? -1n));
      expect(v.producerEpoch).toBe(c.identity?.producerEpoch ?? -1);
      expect(v.baseSequence).toBe(c.identity?.baseSequence ?? -1);
      expect(v.transactional).toBe(c.identity?.transactional ?? false);
    }
  });

  test("every gzip case was written compressed, even when gzip does not shrink it (as Java)", () => {
    const codecs = FIXTURE.cases.map((v) => v.oursGzipDecoded[0]!.compressionType);
    expect(codecs.length).toBeGreaterThanOrEqual(5);
    expect(codecs.every((c) => c === 1)).toBe(true);
  });
});

describe.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
  const v = vectorOf(c);

  test("uncompressed: byte-identical to Java's MemoryRecordsBuilder", () => {
    expect(toHex(encodeCase(c, null).wire)).toBe(v.javaHex);
  });

  test("uncompressed: readBatch decodes our batch, CRC valid, header fields right", () => {
    const { wire, batch } = encodeCase(c, null);
    expect(wire.length).toBe(batch.sizeInBytes);
    expectRawHeader(wire, c.records.length);
    const b = readBatch(wire, undefined, crc32c);
    expectHeader(b, c, 0);
    expect(ourRecords(b)).toEqual(expectedRecords(c));
    expect(batch.recordCount).toBe(c.records.length);
    expect(batch.baseTimestamp).toBe(c.records[0]!.timestamp);
    expect(batch.maxTimestamp).toBe(maxTimestamp(c));
    expect(batch.timestamps).toEqual(c.records.map((r) => r.timestamp));
  });

  test("gzip: Java decodes the batch we wrote to the same records", () => {
    expect(v.oursGzipDecoded.length).toBe(1);
    const j = v.oursGzipDecoded[0]!;
    const compressed = j.compressionType === 1;
    expect(j).toMatchObject({
      crcValid: true,
      magic: 2,
      transactional: c.identity?.transactional ?? false,
      controlBatch: false,
      timestampType: "CreateTime",
      producerId: String(c.identity?.producerId ?? -1n),
      producerEpoch: c.identity?.producerEpoch ?? -1,
      baseSequence: c.identity?.baseSequence ?? -1,
      lastSequence: c.identity ? c.identity.baseSequence + c.records.length - 1 : -1,
      baseOffset: 0,
      lastOffset: c.records.length - 1,
      maxTimestamp: maxTimestamp(c),
      partitionLeaderEpoch: -1,
      count: c.records.length,
      sizeInBytes: v.oursGzip.length / 2,
    });
    expect(j.compressionType).toBe(compressed ? 1 : 0);
    const expected = expectedRecords(c).map(({ offsetDelta: _, ...r }) => r);
    expect(j.records).toEqual(expected);
  });

  test("gzip: our encoder still writes the bytes Java decoded (gzip MTIME aside)", () => {
    const ours = encodeCase(c, gzip).wire;
    const fixture = fromHex(v.oursGzip);
    if ((ours[22]! & 0x07) === 1) {
      // gzip member header: 1f 8b 08 FLG MTIME(4, little-endian) XFL OS. Copy the recorded MTIME, re-seal.
      expect(toHex(ours.subarray(BATCH_HEADER_SIZE, BATCH_HEADER_SIZE + 4))).toBe("1f8b0800");
      ours.set(fixture.subarray(BATCH_HEADER_SIZE + 4, BATCH_HEADER_SIZE + 8), BATCH_HEADER_SIZE + 4);
      sealBatch(ours, crc32c);
    }
    expect(toHex(ours)).toBe(v.oursGzip);
  });

  test("gzip: readBatch decodes our batch; always compressed, as Java does", () => {
    const { wire, batch } = encodeCase(c, gzip);
    const codec = wire[22]! & 0x07;
    expectRawHeader(wire, c.records.length); // recordsCount stays plain when compressed
    const b = readBatch(wire, (codec, data) => decompress(codec, data, undefined, portableCodecs), crc32c);
    expect(codec).toBe(1);
    expectHeader(b, c, codec);
    expect(ourRecords(b)).toEqual(expectedRecords(c));
    expect(batch.compressionRatio).toBeCloseTo(wire.length / batch.sizeInBytes, 10);
  });

  test("readBatch decodes Java's batches, uncompressed and gzip", () => {
    for (const h of [v.javaHex, v.javaGzipHex]) {
      const wire = fromHex(h);
      const b = readBatch(wire, (codec, data) => decompress(codec, data, undefined, portableCodecs), crc32c);
      expectHeader(b, c, h === v.javaHex ? 0 : 1);
      expect(ourRecords(b)).toEqual(expectedRecords(c));
    }
  });
});

describe("RecordWriter", () => {
  test("measure() returns exactly the bytes write() writes, for every case's records", () => {
    const rw = new RecordWriter();
    for (const c of CASES) {
      c.records.forEach((r, i) => {
        const size = rw.measure(r.key, r.value, r.headers, r.timestamp - c.records[0]!.timestamp, i);
        const buf = new Uint8Array(size + 8).fill(0xee);
        expect(rw.write(buf, 3)).toBe(3 + size);
        expect(buf[2]).toBe(0xee); // nothing written before pos
        expect(buf[3 + size]).toBe(0xee); // nor after the record
        const [decoded] = readRecords(buf.subarray(3, 3 + size), 1);
        expect(decoded!.offsetDelta).toBe(i);
        expect(decoded!.key === null ? null : toHex(decoded!.key)).toBe(fieldHex(r.key));
      });
    }
  });

  test("timestamp deltas at the varlong edges are written as Kafka's zig-zag varlong", () => {
    // Kafka's ByteUtils.writeVarlong, with BigInt: independent of the code under test.
    const refVarlong = (v: bigint): string => {
      let z = v >= 0n ? v << 1n : ((-v) << 1n) - 1n;
      const out: number[] = [];
      for (; z >= 0x80n; z >>= 7n) out.push(Number(z & 0x7fn) | 0x80);
      out.push(Number(z));
      return toHex(Uint8Array.from(out));
    };
    const rw = new RecordWriter();
    for (const delta of [0x3fffffff, -0x40000000, 0x40000000, -0x40000001, 2 ** 31, -(2 ** 31), 2 ** 40, -(2 ** 40), 2 ** 52 + 1, -(2 ** 52 + 1), 2 ** 53 - 1, -(2 ** 53 - 1)]) {
      const size = rw.measure(null, null, null, delta, 0);
      const buf = new Uint8Array(size);
      expect(rw.write(buf, 0)).toBe(size);
      // length varint (1 byte here), attributes, then the timestamp delta.
      const expected = refVarlong(BigInt(delta));
      expect(toHex(buf.subarray(2, 2 + expected.length / 2))).toBe(expected);
      expect(size).toBe(1 + 1 + expected.length / 2 + 1 + 1 + 1 + 1);
    }
  });

  test("bodySize counts the record without its length prefix", () => {
    const rw = new RecordWriter();
    const size = rw.measure("k", "value", [["h", null]], 0, 0);
    // attributes 1 + tsDelta 1 + offsetDelta 1 + key 1+1 + value 1+5 + headers count 1 + "h" 1+1 + null 1
    expect(rw.bodySize).toBe(15);
    expect(size).toBe(16);
  });
});

describe("ProducerBatch", () => {
  test("tryAppend returns each record's size; they add up to the batch", () => {
    const c = CASES.find((c) => c.records.length === 200)!;
    const batch = new ProducerBatch("t", 0, new Uint8Array(1 << 16), 0);
    const rw = new RecordWriter();
    let total = BATCH_HEADER_SIZE;
    for (const r of c.records) {
      const n = batch.tryAppend(rw, 1 << 20, r.timestamp, r.key, r.value, r.headers, () => {}, () => {});
      expect(n).toBeGreaterThan(0);
      total += n;
      expect(batch.sizeInBytes).toBe(total);
    }
    expect(batch.seal(null, crc32c).length).toBe(total);
  });

  test("tryAppend: 0 when the slab is full, -1 when one record exceeds maxBatchBytes", () => {
    const rw = new RecordWriter();
    const small = new ProducerBatch("t", 0, new Uint8Array(BATCH_HEADER_SIZE + 20), 0);
    expect(small.tryAppend(rw, 1 << 20, 5, "k", "0123456789", null, () => {}, () => {})).toBe(18);
    expect(small.tryAppend(rw, 1 << 20, 5, "k", "0123456789", null, () => {}, () => {})).toBe(0);
    expect(small.recordCount).toBe(1);
    const big = new ProducerBatch("t", 0, new Uint8Array(4096), 0);
    expect(big.tryAppend(rw, BATCH_HEADER_SIZE + 17, 5, "k", "0123456789", null, () => {}, () => {})).toBe(-1);
    expect(big.tryAppend(rw, BATCH_HEADER_SIZE + 18, 5, "k", "0123456789", null, () => {}, () => {})).toBe(18);
    big.closed = true;
    expect(big.tryAppend(rw, 1 << 20, 5, "k", "v", null, () => {}, () => {})).toBe(0);
    expect(big.recordCount).toBe(1);
  });

  test("a large first record, then many small ones: every record keeps its own settler and timestamp", () => {
    // The per-record arrays are sized from the first record (here: room for about 8 of its size),
    // so the 2,000 small records after it go beyond that, and must still all settle as themselves.
    const rw = new RecordWriter();
    const batch = new ProducerBatch("t", 3, new Uint8Array(1 << 16), 0);
    const settled: string[] = [];
    const offsets: bigint[] = [];
    const timestamps: number[] = [];
    const big = "x".repeat(8000);
    const sizes: number[] = [];
    for (let i = 0; i < 2001; i++) {
      const ts = 1_700_000_000_000 + i * 3;
      const n = batch.tryAppend(rw, 1 << 20, ts, null, i === 0 ? big : `v${i}`, null, (error, md) => {
        settled.push(error === null ? `ok ${i}` : `failed ${i}`);
        offsets.push(md!.offset);
        timestamps.push(md!.timestamp);
      }, CALLBACK);
      sizes.push(n);
    }
    expect(sizes.every((n) => n > 0)).toBe(true);
    expect(batch.recordCount).toBe(2001);
    expect(batch.timestamps).toEqual(Array.from({ length: 2001 }, (_, i) => 1_700_000_000_000 + i * 3));
    batch.complete(500n, -1);
    expect(settled).toEqual(Array.from({ length: 2001 }, (_, i) => `ok ${i}`));
    expect(offsets).toEqual(Array.from({ length: 2001 }, (_, i) => 500n + BigInt(i)));
    expect(timestamps).toEqual(Array.from({ length: 2001 }, (_, i) => 1_700_000_000_000 + i * 3));
    const records = readBatch(batch.seal(null, crc32c), undefined, crc32c).records;
    expect(records.length).toBe(2001);
    expect(new TextDecoder().decode(records[2000]!.value!)).toBe("v2000");
    expect(records[2000]!.timestampDelta).toBe(6000);
  });

  describe("a compressed seal writes the compressed records into the batch's own slab", () => {
    const codecs = ["lz4", "snappy", "gzip", "zstd"] as const;
    const read = (wire: Uint8Array) => readBatch(wire, (codec, data) => decompress(codec, data, undefined, portableCodecs), crc32c);
    const fill = (batch: ProducerBatch, n: number, tag: string) => {
      const rw = new RecordWriter();
      for (let i = 0; i < n; i++) {
        expect(batch.tryAppend(rw, 1 << 20, 1000 + i, `k${i}`, `${tag}-${i}-${"v".repeat(i % 50)}`, null, () => {}, CALLBACK)).toBeGreaterThan(0);
      }
    };
    const values = (wire: Uint8Array) => read(wire).records.map((r) => new TextDecoder().decode(r.value!));

    test.each(codecs)("%s: in place, re-sealed for a new identity from the same bytes, split from them, and a second batch's seal leaves the first alone", (type) => {
      const compressor = compressorFor(type, -1, undefined, portableCodecs)!;
      const slab = new Uint8Array(1 << 16);
      const a = new ProducerBatch("t", 0, slab, 0);
      fill(a, 300, "a");
      const uncompressed = a.recordsSection().slice();
      const wire = a.seal(compressor, crc32c);
      expect(wire.buffer).toBe(slab.buffer); // no buffer of its own
      expect(wire.length).toBeLessThan(a.sizeInBytes);
      const expected = Array.from({ length: 300 }, (_, i) => `a-${i}-${"v".repeat(i % 50)}`);
      expect(values(wire)).toEqual(expected);
      // The slab now holds the compressed records; what a split reads is still the records as appended.
      expect(toHex(a.recordsSection())).toBe(toHex(uncompressed));
      const parts = splitBatch(a, 4096);
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.flatMap((p) => values(p.seal(compressor, crc32c)))).toEqual(expected);
      // A new identity: the same compressed bytes under a new header.
      a.identity = { producerId: 7n, producerEpoch: 1, baseSequence: 40, transactional: false };
      const again = a.seal(compressor, crc32c);
      expect(read(again)).toMatchObject({ producerId: 7n, baseSequence: 40, crcValid: true });
      expect(toHex(again.subarray(BATCH_HEADER_SIZE))).toBe(toHex(wire.subarray(BATCH_HEADER_SIZE)));
      expect(values(again)).toEqual(expected);
      // Another batch compressed after it (the codec's reused output buffer) changes nothing of it.
      const b = new ProducerBatch("t", 1, new Uint8Array(1 << 16), 0);
      fill(b, 200, "b");
      expect(values(b.seal(compressor, crc32c))[0]).toBe("b-0-");
      expect(values(again)).toEqual(expected);
    });

    test.each(codecs)("%s: records that grow when compressed get a buffer of their own, sealed the same", (type) => {
      const compressor = compressorFor(type, -1, undefined, portableCodecs)!;
      // One record of random bytes that fills the slab: its compressed form is larger than the slab.
      const noise = new Uint8Array(4000);
      for (let i = 0, x = 12345; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
      const batch = new ProducerBatch("t", 0, new Uint8Array(BATCH_HEADER_SIZE + 4010), 0);
      expect(batch.tryAppend(new RecordWriter(), 1 << 20, 5, null, noise, null, () => {}, CALLBACK)).toBeGreaterThan(4000);
      const wire = batch.seal(compressor, crc32c);
      expect(wire.buffer).not.toBe(batch.slab.buffer);
      const b = read(wire);
      expect(b.crcValid).toBe(true);
      expect(toHex(b.records[0]!.value!)).toBe(toHex(noise));
      const section = batch.recordsSection(); // the record: ..., its value, then 0 headers
      expect(toHex(section.subarray(section.length - 4001, section.length - 1))).toBe(toHex(noise));
    });
  });

  test("seal() is cached while the identity is unchanged and redone when it changes", () => {
    const c = CASES.find((c) => c.name.startsWith("idempotent: producer id, epoch"))!;
    const { batch } = encodeCase({ ...c, identity: null }, null);
    const plain = batch.seal(null, crc32c);
    expect(readBatch(plain, undefined, crc32c)).toMatchObject({ producerId: -1n, producerEpoch: -1, baseSequence: -1, crcValid: true });
    batch.identity = { ...c.identity! };
    const stamped = batch.seal(null, crc32c);
    expect(toHex(stamped)).toBe(vectorOf(c).javaHex); // now equal to Java's idempotent batch
    expect(batch.seal(null, crc32c)).toBe(stamped); // same identity: the same bytes object
    batch.identity = { ...c.identity!, baseSequence: 99 };
    const renumbered = batch.seal(null, crc32c);
    const b = readBatch(renumbered, undefined, crc32c);
    expect(b.baseSequence).toBe(99);
    expect(b.crcValid).toBe(true);
  });

  test("a corrupted byte makes the CRC invalid", () => {
    const { wire } = encodeCase(CASES[0]!, null);
    for (const at of [21, 30, wire.length - 1]) {
      const bad = wire.slice();
      bad[at]! ^= 0x01;
      expect(readBatch(bad, undefined, crc32c).crcValid).toBe(false);
    }
    // The CRC does not cover the fields before the attributes.
    const epoch = wire.slice();
    view(epoch).setInt32(12, 7);
    expect(readBatch(epoch, undefined, crc32c).crcValid).toBe(true);
  });
});

describe("readBatch refuses malformed input with a ProtocolError", () => {
  const wire = () => fromHex(FIXTURE.cases[0]!.javaHex);

  test.each([
    ["shorter than a header", (b: Uint8Array) => b.subarray(0, 60)],
    ["length field too large", (b: Uint8Array) => (view(b).setInt32(8, b.length), b)],
    ["length field too small", (b: Uint8Array) => (view(b).setInt32(8, b.length - 13), b)],
    ["magic 1", (b: Uint8Array) => ((b[16] = 1), b)],
    ["truncated records", (b: Uint8Array) => { const t = b.slice(0, b.length - 3); view(t).setInt32(8, t.length - 12); return t; }],
    ["more records than present", (b: Uint8Array) => (view(b).setInt32(57, 2), b)],
    ["gzip without a decompressor", (b: Uint8Array) => (view(b).setInt16(21, 1), b)],
  ])("%s", (_name, corrupt) => {
    expect(() => readBatch(corrupt(wire()))).toThrow(ProtocolError);
  });
});

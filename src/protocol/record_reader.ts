/**
 * Reading record batch v2: the records of a batch's records section, and
 * whole batches (header, CRC check, gzip). Used to split batches the broker
 * found too large, and by tests to inspect what we encode.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { BATCH_HEADER_SIZE, COMPRESSION_MASK } from "./record_batch.ts";
import { Reader } from "./reader.ts";

/** One decoded record; byte fields are views into the input. */
export interface DecodedRecord {
  timestampDelta: number;
  offsetDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Array<[string, Uint8Array | null]>;
}

/** A decoded batch. */
export interface DecodedBatch {
  baseOffset: bigint;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  crc: number;
  /** Whether the stored CRC matches the bytes (when a CRC function was given). */
  crcValid: boolean | null;
  records: DecodedRecord[];
}

/**
 * Reads the `count` records of an uncompressed records section.
 *
 * @example Usage
 * ```ts
 * import { readRecords } from "./record_reader.ts";
 * import { RecordWriter } from "./record_batch.ts";
 * const rw = new RecordWriter();
 * const buf = new Uint8Array(rw.measure("k", "v", [["h", "x"]], 0, 0));
 * rw.write(buf, 0);
 * console.assert(readRecords(buf, 1)[0]!.headers[0]![0] === "h");
 * ```
 */
export function readRecords(section: Uint8Array, count: number): DecodedRecord[] {
  const r = new Reader(section);
  const out: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    const end = r.offset + length;
    if (length < 0 || end > section.length) throw new ProtocolError(`Record ${i} has invalid length ${length}`);
    r.int8(); // attributes
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const key = varBytes(r);
    const value = varBytes(r);
    const n = r.varint();
    const headers: Array<[string, Uint8Array | null]> = [];
    for (let h = 0; h < n; h++) {
      const k = varBytes(r);
      if (k === null) throw new ProtocolError(`Record ${i} has a null header key`);
      headers.push([new TextDecoder().decode(k), varBytes(r)]);
    }
    if (r.offset !== end) throw new ProtocolError(`Record ${i} length ${length} does not match its fields`);
    out.push({ timestampDelta, offsetDelta, key, value, headers });
  }
  return out;
}

/**
 * Reads one record batch v2 from `bytes`; `decompress(codec, data)` must
 * handle compressed batches, `crc` checks the CRC if given.
 *
 * @example Usage
 * ```ts ignore
 * const batch = readBatch(wire, (_codec, data) => gunzipSync(data), crc32c);
 * ```
 */
export function readBatch(
  bytes: Uint8Array,
  decompress?: (codec: number, data: Uint8Array) => Uint8Array,
  crc?: (data: Uint8Array) => number,
): DecodedBatch {
  if (bytes.length < BATCH_HEADER_SIZE) throw new ProtocolError(`A record batch needs 61 bytes, got ${bytes.length}`);
  const r = new Reader(bytes);
  const baseOffset = r.int64();
  const length = r.int32();
  if (length + 12 !== bytes.length) throw new ProtocolError(`Batch length ${length} does not match ${bytes.length - 12} bytes`);
  r.int32(); // partition leader epoch
  const magic = r.int8();
  if (magic !== 2) throw new ProtocolError(`Unsupported record batch magic ${magic}`);
  const storedCrc = r.uint32();
  const attributes = r.int16();
  const lastOffsetDelta = r.int32();
  const baseTimestamp = r.int64();
  const maxTimestamp = r.int64();
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const baseSequence = r.int32();
  const count = r.int32();
  let section = bytes.subarray(BATCH_HEADER_SIZE);
  const codec = attributes & COMPRESSION_MASK;
  if (codec !== 0) {
    if (!decompress) throw new ProtocolError(`Batch is compressed with codec ${codec} and no decompressor was given`);
    section = decompress(codec, section);
  }
  return {
    baseOffset,
    attributes,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    baseSequence,
    crc: storedCrc,
    crcValid: crc ? crc(bytes.subarray(21)) === storedCrc : null,
    records: readRecords(section, count),
  };
}

function varBytes(r: Reader): Uint8Array | null {
  const n = r.varint();
  if (n < -1) throw new ProtocolError(`Invalid field length ${n}`);
  return n === -1 ? null : r.raw(n);
}

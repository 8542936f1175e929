/**
 * Record batch v2 (magic 2) encoding, straight into a batch's slab.
 *
 * Layout (big-endian), 61-byte header then records:
 *
 * | offset | field                | note                                  |
 * |-------:|----------------------|---------------------------------------|
 * |      0 | baseOffset i64       | 0 from producers                      |
 * |      8 | length i32           | bytes after this field                |
 * |     12 | partitionLeaderEpoch | -1 from producers                     |
 * |     16 | magic i8             | 2                                     |
 * |     17 | crc u32              | CRC-32C of bytes 21 → end             |
 * |     21 | attributes i16       | codec bits 0-2, transactional bit 4   |
 * |     23 | lastOffsetDelta i32  |                                       |
 * |     27 | baseTimestamp i64    |                                       |
 * |     35 | maxTimestamp i64     |                                       |
 * |     43 | producerId i64       | -1 without idempotence                |
 * |     51 | producerEpoch i16    |                                       |
 * |     53 | baseSequence i32     |                                       |
 * |     57 | recordsCount i32     | stays plain when records are compressed |
 * |     61 | records              |                                       |
 *
 * A record: length varint, attributes i8, timestampDelta varlong,
 * offsetDelta varint, key (varint length, -1 = null), value (likewise),
 * header count varint, then per header a key (varint length + UTF-8) and a
 * value (varint length, -1 = null). Varints here are zig-zag signed.
 *
 * Sizes are computed before writing so a record is written once, in place,
 * with no intermediate buffer: the hot path allocates nothing per record.
 *
 * @module
 */

import { putVarint, putVarlong, varintSize, varlongSize } from "./varint.ts";
import { utf8Length } from "./writer.ts";

/** Size of the record batch v2 header. */
export const BATCH_HEADER_SIZE = 61;
/** Offset of the CRC field; the CRC covers everything after it. */
export const CRC_OFFSET = 17;
/** Offset of the attributes field, where the CRC'd range starts. */
export const ATTRIBUTES_OFFSET = 21;

/** Attribute bits. */
export const COMPRESSION_MASK = 0x07;
export const TRANSACTIONAL_FLAG = 0x10;

/** A key, value or header value as written: bytes, or a string written as UTF-8. */
export type FieldValue = Uint8Array | string | null;
/** Record headers in order; duplicate keys are allowed. */
export type HeaderList = ReadonlyArray<readonly [string, FieldValue]>;

const encoder = new TextEncoder();

/**
 * Measures and writes records. One instance is reused for every record, so
 * measuring keeps its results in fields instead of allocating.
 *
 * @example Writing one record into a buffer
 * ```ts
 * import { RecordWriter } from "./record_batch.ts";
 * const rw = new RecordWriter();
 * const size = rw.measure("k", "value", null, 0, 0);
 * const buf = new Uint8Array(size);
 * console.assert(rw.write(buf, 0) === size);
 * ```
 */
export class RecordWriter {
  // The measured record, valid between measure() and write().
  #key: FieldValue = null;
  #value: FieldValue = null;
  #headers: HeaderList | null = null;
  #keyLen = -1;
  #valueLen = -1;
  #timestampDelta = 0;
  #offsetDelta = 0;
  #bodySize = 0;
  /** UTF-8 byte lengths of header keys and values, two per header (-1 = null value). */
  #headerLens = new Int32Array(16);

  /** Bytes of the key, value and headers alone (what `max.request.size` is about). */
  get bodySize(): number {
    return this.#bodySize;
  }

  /**
   * Measures a record; returns its full encoded size (length prefix
   * included). Keeps what {@linkcode RecordWriter.write} needs.
   */
  measure(
    key: FieldValue,
    value: FieldValue,
    headers: HeaderList | null,
    timestampDelta: number,
    offsetDelta: number,
  ): number {
    this.#key = key;
    this.#value = value;
    this.#headers = headers;
    this.#timestampDelta = timestampDelta;
    this.#offsetDelta = offsetDelta;
    const keyLen = (this.#keyLen = fieldLength(key));
    const valueLen = (this.#valueLen = fieldLength(value));
    let body = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) +
      varintSize(keyLen) + (keyLen > 0 ? keyLen : 0) +
      varintSize(valueLen) + (valueLen > 0 ? valueLen : 0);
    const n = headers === null ? 0 : headers.length;
    body += varintSize(n);
    if (n > 0) {
      if (this.#headerLens.length < n * 2) this.#headerLens = new Int32Array(n * 4);
      const lens = this.#headerLens;
      for (let i = 0; i < n; i++) {
        const h = headers![i]!;
        const kl = (lens[i * 2] = utf8Length(h[0]));
        const vl = (lens[i * 2 + 1] = fieldLength(h[1]));
        body += varintSize(kl) + kl + varintSize(vl) + (vl > 0 ? vl : 0);
      }
    }
    this.#bodySize = body;
    return varintSize(body) + body;
  }

  /** Writes the measured record at `pos`; returns the position after it. */
  write(buf: Uint8Array, pos: number): number {
    let p = putVarint(buf, pos, this.#bodySize);
    buf[p++] = 0; // attributes: unused by magic 2
    p = putVarlong(buf, p, this.#timestampDelta);
    p = putVarint(buf, p, this.#offsetDelta);
    p = putField(buf, putVarint(buf, p, this.#keyLen), this.#key, this.#keyLen);
    p = putField(buf, putVarint(buf, p, this.#valueLen), this.#value, this.#valueLen);
    const headers = this.#headers;
    const n = headers === null ? 0 : headers.length;
    p = putVarint(buf, p, n);
    const lens = this.#headerLens;
    for (let i = 0; i < n; i++) {
      const h = headers![i]!;
      p = putField(buf, putVarint(buf, p, lens[i * 2]!), h[0], lens[i * 2]!);
      p = putField(buf, putVarint(buf, p, lens[i * 2 + 1]!), h[1], lens[i * 2 + 1]!);
    }
    // Drop references so a reused writer does not keep user data alive.
    this.#key = this.#value = null;
    this.#headers = null;
    return p;
  }
}

/** The fields of a batch header a producer sets. */
export interface BatchHeader {
  /** Attribute bits: codec and transactional flag. */
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/**
 * Writes the 61-byte header at the start of `batch` (whose length is the whole
 * batch), except the CRC, which {@linkcode sealBatch} fills.
 *
 * @example Usage
 * ```ts
 * import { BATCH_HEADER_SIZE, writeBatchHeader } from "./record_batch.ts";
 * const batch = new Uint8Array(BATCH_HEADER_SIZE);
 * writeBatchHeader(batch, { attributes: 0, lastOffsetDelta: -1, baseTimestamp: 0, maxTimestamp: 0,
 *   producerId: -1n, producerEpoch: -1, baseSequence: -1, recordsCount: 0 });
 * console.assert(batch[16] === 2);
 * ```
 */
export function writeBatchHeader(batch: Uint8Array, h: BatchHeader): void {
  const v = new DataView(batch.buffer, batch.byteOffset, BATCH_HEADER_SIZE);
  v.setBigInt64(0, 0n);
  v.setInt32(8, batch.length - 12);
  v.setInt32(12, -1);
  v.setInt8(16, 2);
  v.setInt16(21, h.attributes);
  v.setInt32(23, h.lastOffsetDelta);
  v.setBigInt64(27, BigInt(h.baseTimestamp));
  v.setBigInt64(35, BigInt(h.maxTimestamp));
  v.setBigInt64(43, h.producerId);
  v.setInt16(51, h.producerEpoch);
  v.setInt32(53, h.baseSequence);
  v.setInt32(57, h.recordsCount);
}

/**
 * Fills the CRC of a complete batch, given a CRC-32C function.
 *
 * @example Usage
 * ```ts
 * import { sealBatch } from "./record_batch.ts";
 * import { crc32c, crc32cReady } from "./crc32c.ts";
 * await crc32cReady();
 * const batch = new Uint8Array(61);
 * sealBatch(batch, crc32c);
 * ```
 */
export function sealBatch(batch: Uint8Array, crc: (data: Uint8Array) => number): void {
  const v = new DataView(batch.buffer, batch.byteOffset, BATCH_HEADER_SIZE);
  v.setUint32(CRC_OFFSET, crc(batch.subarray(ATTRIBUTES_OFFSET)));
}

/** Byte length of a field, -1 for null. */
function fieldLength(v: FieldValue): number {
  if (v === null) return -1;
  return typeof v === "string" ? utf8Length(v) : v.length;
}

/** Writes a field's bytes (no length) of known byte length `len`. */
function putField(b: Uint8Array, p: number, v: FieldValue, len: number): number {
  if (v === null || len <= 0) return p;
  if (typeof v !== "string") {
    b.set(v, p);
  } else if (len === v.length) {
    for (let i = 0; i < len; i++) b[p + i] = v.charCodeAt(i); // ASCII
  } else {
    encoder.encodeInto(v, b.subarray(p, p + len));
  }
  return p + len;
}

/**
 * Big-endian binary reader over a `Uint8Array`, for Kafka responses.
 *
 * Every read checks bounds: a truncated or garbled response throws a
 * {@linkcode ProtocolError} instead of returning garbage or `undefined`.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Reads Kafka's primitive types from `bytes[offset, end)`.
 *
 * Byte fields are returned as views into the input (no copy).
 *
 * @example Usage
 * ```ts
 * import { Reader } from "./reader.ts";
 * const r = new Reader(new Uint8Array([0, 3, 0x6b, 0x61, 0x66]));
 * console.assert(r.string() === "kaf");
 * ```
 */
export class Reader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  readonly #end: number;
  #pos: number;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
    this.#buf = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = offset;
    this.#end = end;
  }

  /** Current position. */
  get offset(): number {
    return this.#pos;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.#end - this.#pos;
  }

  #need(n: number, what: string): number {
    const at = this.#pos;
    if (n < 0 || at + n > this.#end) {
      throw new ProtocolError(`Truncated input: ${what} needs ${n} bytes at offset ${at}, ${this.#end - at} left`);
    }
    this.#pos = at + n;
    return at;
  }

  /** Skips `n` bytes. */
  skip(n: number): this {
    this.#need(n, "skip");
    return this;
  }

  int8(): number {
    return this.#view.getInt8(this.#need(1, "int8"));
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    return this.#view.getInt16(this.#need(2, "int16"));
  }

  uint16(): number {
    return this.#view.getUint16(this.#need(2, "uint16"));
  }

  int32(): number {
    return this.#view.getInt32(this.#need(4, "int32"));
  }

  uint32(): number {
    return this.#view.getUint32(this.#need(4, "uint32"));
  }

  int64(): bigint {
    return this.#view.getBigInt64(this.#need(8, "int64"));
  }

  /** An int64 known to fit in a safe integer (timestamps, durations). */
  int64AsNumber(): number {
    return Number(this.int64());
  }

  float64(): number {
    return this.#view.getFloat64(this.#need(8, "float64"));
  }

  /** Unsigned varint of at most 5 bytes (< 2^32). */
  uvarint(): number {
    let v = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.#buf[this.#need(1, "varint")]!;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (v > 0xffffffff) break;
        return v;
      }
      shift += 7;
    }
    throw new ProtocolError(`Malformed varint at offset ${this.#pos}: more than 32 bits`);
  }

  /** Zig-zag signed varint (32-bit). */
  varint(): number {
    const z = this.uvarint();
    return (z >>> 1) ^ -(z & 1);
  }

  /** Zig-zag signed varlong, as a `number` (exact within ±2^53). */
  varlong(): number {
    // Accumulate u = z >> 1 (the first byte holds the sign bit and u's low 6 bits), so the
    // sign is never lost to rounding above 2^53.
    const b0 = this.#buf[this.#need(1, "varlong")]!;
    const negative = (b0 & 1) === 1;
    let u = (b0 & 0x7f) >>> 1;
    if ((b0 & 0x80) === 0) return negative ? -u - 1 : u;
    let mul = 64;
    for (let i = 1; i < 10; i++) {
      const b = this.#buf[this.#need(1, "varlong")]!;
      u += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return negative ? -u - 1 : u;
      mul *= 128;
    }
    throw new ProtocolError(`Malformed varlong at offset ${this.#pos}: more than 64 bits`);
  }

  /** `n` raw bytes as a view (no copy). */
  raw(n: number): Uint8Array {
    const at = this.#need(n, "bytes");
    return this.#buf.subarray(at, at + n);
  }

  #utf8(n: number): string {
    const at = this.#need(n, "string");
    return decoder.decode(this.#buf.subarray(at, at + n));
  }

  /** STRING (null is a protocol error). */
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new ProtocolError("Unexpected null in a non-nullable string");
    return s;
  }

  nullableString(): string | null {
    const n = this.int16();
    if (n < -1) throw new ProtocolError(`Invalid string length ${n}`);
    return n === -1 ? null : this.#utf8(n);
  }

  compactString(): string {
    const s = this.compactNullableString();
    if (s === null) throw new ProtocolError("Unexpected null in a non-nullable compact string");
    return s;
  }

  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.#utf8(n - 1);
  }

  /** Either string encoding, by whether the version is flexible. */
  stringOf(flexible: boolean): string {
    return flexible ? this.compactString() : this.string();
  }

  /** Either nullable string encoding, by whether the version is flexible. */
  nullableStringOf(flexible: boolean): string | null {
    return flexible ? this.compactNullableString() : this.nullableString();
  }

  /** BYTES as a view. */
  bytes(): Uint8Array {
    const b = this.nullableBytes();
    if (b === null) throw new ProtocolError("Unexpected null in non-nullable bytes");
    return b;
  }

  nullableBytes(): Uint8Array | null {
    const n = this.int32();
    if (n < -1) throw new ProtocolError(`Invalid bytes length ${n}`);
    return n === -1 ? null : this.raw(n);
  }

  compactBytes(): Uint8Array {
    const b = this.compactNullableBytes();
    if (b === null) throw new ProtocolError("Unexpected null in non-nullable compact bytes");
    return b;
  }

  compactNullableBytes(): Uint8Array | null {
    const n = this.uvarint();
    return n === 0 ? null : this.raw(n - 1);
  }

  /** Either nullable bytes encoding, by whether the version is flexible. */
  nullableBytesOf(flexible: boolean): Uint8Array | null {
    return flexible ? this.compactNullableBytes() : this.nullableBytes();
  }

  /** UUID: a copy of 16 bytes (ids outlive the response buffer they came in). */
  uuid(): Uint8Array {
    return this.raw(16).slice();
  }

  #count(n: number, minItemSize: number): number {
    // A count larger than the bytes left is garbage: refuse before allocating.
    if (n * minItemSize > this.remaining) {
      throw new ProtocolError(`Array of ${n} items cannot fit in the ${this.remaining} bytes left`);
    }
    return n;
  }

  /** ARRAY; null (-1) is returned as `null`. */
  nullableArray<T>(item: (r: Reader) => T): T[] | null {
    const n = this.int32();
    if (n < -1) throw new ProtocolError(`Invalid array length ${n}`);
    if (n === -1) return null;
    const out: T[] = new Array(this.#count(n, 1));
    for (let i = 0; i < n; i++) out[i] = item(this);
    return out;
  }

  /** ARRAY; null reads as empty. */
  array<T>(item: (r: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }

  /** COMPACT_ARRAY; null (0) is returned as `null`. */
  compactNullableArray<T>(item: (r: Reader) => T): T[] | null {
    const n = this.uvarint();
    if (n === 0) return null;
    const out: T[] = new Array(this.#count(n - 1, 1));
    for (let i = 0; i < n - 1; i++) out[i] = item(this);
    return out;
  }

  /** COMPACT_ARRAY; null reads as empty. */
  compactArray<T>(item: (r: Reader) => T): T[] {
    return this.compactNullableArray(item) ?? [];
  }

  /** Either array encoding, by whether the version is flexible. */
  arrayOf<T>(flexible: boolean, item: (r: Reader) => T): T[] {
    return flexible ? this.compactArray(item) : this.array(item);
  }

  /**
   * Reads a tagged-field section. `onTag(tag, body)` gets each field's body
   * as its own reader; unknown tags are skipped, as the protocol requires.
   */
  taggedFields(onTag?: (tag: number, body: Reader) => void): this {
    const n = this.uvarint();
    let last = -1;
    for (let i = 0; i < n; i++) {
      const tag = this.uvarint();
      if (tag <= last) throw new ProtocolError(`Tagged fields out of order: ${tag} after ${last}`);
      last = tag;
      const size = this.uvarint();
      const at = this.#need(size, "tagged field");
      onTag?.(tag, new Reader(this.#buf, at, at + size));
    }
    return this;
  }

  /** A tagged-field section if `flexible`, nothing otherwise. */
  tags(flexible: boolean, onTag?: (tag: number, body: Reader) => void): this {
    return flexible ? this.taggedFields(onTag) : this;
  }
}

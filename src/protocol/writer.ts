/**
 * Big-endian binary writer over one growable `Uint8Array`, for Kafka requests.
 *
 * Lengths and checksums that depend on what follows are written by reserving
 * space first and filling it later ({@linkcode Writer.reserve} +
 * {@linkcode Writer.setInt32At}), so nothing is encoded twice.
 *
 * @module
 */

import { putUvarint, putVarlong } from "./varint.ts";

const encoder = new TextEncoder();

/**
 * Returns the number of bytes `s` takes in UTF-8, without encoding it.
 *
 * Lone surrogates count as 3 bytes, as `TextEncoder` replaces them with U+FFFD.
 *
 * @example Usage
 * ```ts
 * import { utf8Length } from "./writer.ts";
 * console.assert(utf8Length("héllo") === 6);
 * ```
 */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // 4 bytes for the pair of 2 UTF-16 units
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

/**
 * A growable big-endian writer. Reuse one with {@linkcode Writer.reset} to
 * avoid allocating per request.
 *
 * @example Usage
 * ```ts
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * const at = w.reserve(4);
 * w.int16(18).compactString("edgekafka");
 * w.setInt32At(at, w.length - at - 4);
 * console.assert(w.bytes().length === 16);
 * ```
 */
export class Writer {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;

  /** Creates a writer with `capacity` bytes to start with; it grows as needed. */
  constructor(capacity = 256) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** Bytes allocated (what {@linkcode Writer.reset} keeps). */
  get capacity(): number {
    return this.#buf.length;
  }

  /** Forgets what was written, keeping the memory. */
  reset(): this {
    this.#pos = 0;
    return this;
  }

  /** Forgets what was written after `length` bytes (a position this writer reached). */
  truncate(length: number): this {
    if (!(length >= 0 && length <= this.#pos)) throw new RangeError(`Cannot truncate ${this.#pos} bytes to ${length}`);
    this.#pos = length;
    return this;
  }

  /** A view of the bytes written so far (not a copy: valid until the next write or reset). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let cap = Math.max(this.#buf.length * 2, 64);
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /** Skips `n` bytes to be filled later; returns their position. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  /** Fills a reserved int32 at `at`. */
  setInt32At(at: number, v: number): this {
    this.#view.setInt32(at, v);
    return this;
  }

  /** Fills a reserved uint32 at `at`. */
  setUint32At(at: number, v: number): this {
    this.#view.setUint32(at, v);
    return this;
  }

  int8(v: number): this {
    this.ensure(1);
    this.#view.setInt8(this.#pos, v);
    this.#pos += 1;
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.#view.setInt16(this.#pos, v);
    this.#pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.#view.setUint16(this.#pos, v);
    this.#pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.#view.setInt32(this.#pos, v);
    this.#pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.#view.setUint32(this.#pos, v);
    this.#pos += 4;
    return this;
  }

  /** Writes a signed 64-bit integer; a `number` must be a safe integer. */
  int64(v: bigint | number): this {
    this.ensure(8);
    this.#view.setBigInt64(this.#pos, typeof v === "bigint" ? v : BigInt(v));
    this.#pos += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.#view.setFloat64(this.#pos, v);
    this.#pos += 8;
    return this;
  }

  /** Unsigned varint (0 ≤ v < 2^32), as used for compact lengths and tags. */
  uvarint(v: number): this {
    if (!(v >= 0 && v <= 0xffffffff)) throw new RangeError(`Unsigned varint out of range: ${v}`);
    this.ensure(5);
    this.#pos = putUvarint(this.#buf, this.#pos, v);
    return this;
  }

  /** Zig-zag signed varint of a 32-bit integer, as used inside records. */
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** Zig-zag signed varlong of a safe integer, as used for record timestamp deltas. */
  varlong(v: number): this {
    this.ensure(10);
    this.#pos = putVarlong(this.#buf, this.#pos, v);
    return this;
  }

  /** Raw bytes, no length. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
    return this;
  }

  /** UTF-8 of `s` with no length, `byteLength` known by the caller. */
  #utf8(s: string, byteLength: number): void {
    this.ensure(byteLength);
    if (byteLength === s.length) {
      // ASCII: a plain loop beats encodeInto's call overhead for short strings.
      const b = this.#buf;
      const p = this.#pos;
      for (let i = 0; i < s.length; i++) b[p + i] = s.charCodeAt(i);
    } else {
      encoder.encodeInto(s, this.#buf.subarray(this.#pos, this.#pos + byteLength));
    }
    this.#pos += byteLength;
  }

  /** STRING: int16 length + UTF-8. */
  string(s: string): this {
    const n = utf8Length(s);
    if (n > 0x7fff) throw new RangeError(`String of ${n} bytes is longer than the 32767 a Kafka STRING holds`);
    this.int16(n);
    this.#utf8(s, n);
    return this;
  }

  /** NULLABLE_STRING: int16 length (-1 = null) + UTF-8. */
  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }

  /** COMPACT_STRING: uvarint (length + 1) + UTF-8. */
  compactString(s: string): this {
    const n = utf8Length(s);
    this.uvarint(n + 1);
    this.#utf8(s, n);
    return this;
  }

  /** COMPACT_NULLABLE_STRING: uvarint (length + 1, 0 = null) + UTF-8. */
  compactNullableString(s: string | null): this {
    return s === null ? this.uvarint(0) : this.compactString(s);
  }

  /** BYTES: int32 length + bytes. */
  bytesField(b: Uint8Array): this {
    return this.int32(b.length).raw(b);
  }

  /** NULLABLE_BYTES: int32 length (-1 = null) + bytes. */
  nullableBytes(b: Uint8Array | null): this {
    return b === null ? this.int32(-1) : this.bytesField(b);
  }

  /** COMPACT_BYTES: uvarint (length + 1) + bytes. */
  compactBytes(b: Uint8Array): this {
    return this.uvarint(b.length + 1).raw(b);
  }

  /** COMPACT_NULLABLE_BYTES: uvarint (length + 1, 0 = null) + bytes. */
  compactNullableBytes(b: Uint8Array | null): this {
    return b === null ? this.uvarint(0) : this.compactBytes(b);
  }

  /** UUID: 16 raw bytes. */
  uuid(u: Uint8Array): this {
    if (u.length !== 16) throw new RangeError(`A UUID has 16 bytes, got ${u.length}`);
    return this.raw(u);
  }

  /** ARRAY: int32 count (-1 = null) + items. */
  array<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const v of items) item(this, v);
    return this;
  }

  /** COMPACT_ARRAY: uvarint (count + 1, 0 = null) + items. */
  compactArray<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const v of items) item(this, v);
    return this;
  }

  /** Either array encoding, by whether the version is flexible. */
  arrayOf<T>(flexible: boolean, items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    return flexible ? this.compactArray(items, item) : this.array(items, item);
  }

  /** Either string encoding, by whether the version is flexible. */
  stringOf(flexible: boolean, s: string): this {
    return flexible ? this.compactString(s) : this.string(s);
  }

  /** Either nullable string encoding, by whether the version is flexible. */
  nullableStringOf(flexible: boolean, s: string | null): this {
    return flexible ? this.compactNullableString(s) : this.nullableString(s);
  }

  /**
   * A tagged-field section. `fields` lists `[tag, write]` in ascending tag
   * order; each `write` fills the field's body, whose size is measured here.
   */
  taggedFields(fields?: ReadonlyArray<readonly [number, (w: Writer) => void]>): this {
    if (!fields || fields.length === 0) return this.uvarint(0);
    this.uvarint(fields.length);
    const scratch = new Writer(64);
    for (const [tag, write] of fields) {
      scratch.reset();
      write(scratch);
      this.uvarint(tag).uvarint(scratch.length).raw(scratch.bytes());
    }
    return this;
  }

  /** An empty tagged-field section if `flexible`, nothing otherwise. */
  tags(flexible: boolean): this {
    return flexible ? this.uvarint(0) : this;
  }
}

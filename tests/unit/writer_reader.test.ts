/**
 * Writer/Reader (src/protocol/writer.ts, reader.ts) at the edges: exact byte
 * encodings of every primitive at its boundaries, null vs empty for every
 * nullable type, tagged fields, UTF-8 lengths, and a ProtocolError (never a
 * RangeError or `undefined`) for every truncated or garbled read.
 *
 * Expected bytes come from Kafka's definitions (ByteUtils.writeUnsignedVarint,
 * writeVarint, writeVarlong: little-endian base-128 groups, zig-zag for the
 * signed ones), computed independently below with BigInt where needed.
 */

import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { ProtocolError } from "../../src/errors.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { uvarintSize, varintSize, varlongSize } from "../../src/protocol/varint.ts";
import { utf8Length, Writer } from "../../src/protocol/writer.ts";

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}
/** Bytes written by `fill` into a fresh writer, as hex. */
function written(fill: (w: Writer) => unknown): string {
  const w = new Writer();
  fill(w);
  return hex(w.bytes());
}
/** A reader over hex. */
const rd = (h: string): Reader => new Reader(fromHex(h));

/** Kafka's unsigned varint of a non-negative bigint (reference, independent of the code under test). */
function refUvarint(v: bigint): string {
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return hex(Uint8Array.from(out));
}
/** Kafka's zig-zag varlong of a 64-bit value (reference). */
const refVarlong = (v: bigint): string => refUvarint(v >= 0n ? v << 1n : ((-v) << 1n) - 1n);

/** Expects `fn` to throw a ProtocolError (and nothing else). */
function expectProtocolError(fn: () => unknown): ProtocolError {
  let thrown: unknown = "nothing";
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof ProtocolError)) {
    throw new Error(`Expected a ProtocolError, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}`);
  }
  return thrown;
}

describe("unsigned varint", () => {
  const cases: Array<[number, string]> = [
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "8001"],
    [300, "ac02"],
    [16383, "ff7f"],
    [16384, "808001"],
    [2 ** 21 - 1, "ffff7f"],
    [2 ** 21, "80808001"],
    [2 ** 28 - 1, "ffffff7f"],
    [2 ** 28, "8080808001"],
    [2 ** 31, "8080808008"],
    [2 ** 32 - 1, "ffffffff0f"],
  ];

  test.each(cases)("%p is %s", (v, bytes) => {
    expect(bytes).toBe(refUvarint(BigInt(v))); // the table agrees with the definition
    expect(written((w) => w.uvarint(v))).toBe(bytes);
    expect(uvarintSize(v)).toBe(bytes.length / 2);
    const r = rd(bytes);
    expect(r.uvarint()).toBe(v);
    expect(r.remaining).toBe(0);
  });

  test("values above 32 bits are refused", () => {
    expect(expectProtocolError(() => rd("ffffffff1f").uvarint()).message).toContain("more than 32 bits");
    expectProtocolError(() => rd("8080808010").uvarint()); // 2^32
    expectProtocolError(() => rd("ffffffffff01").uvarint()); // a 6th byte
  });

  test("a non-minimal encoding reads as its value (as Java's ByteUtils does)", () => {
    expect(rd("8000").uvarint()).toBe(0);
    expect(rd("ff80808000").uvarint()).toBe(127);
  });
});

describe("zig-zag varint (int32)", () => {
  const cases: Array<[number, string]> = [
    [0, "00"],
    [-1, "01"],
    [1, "02"],
    [-64, "7f"],
    [63, "7e"],
    [64, "8001"],
    [-65, "8101"],
    [2147483647, "feffffff0f"],
    [-2147483648, "ffffffff0f"],
  ];

  test.each(cases)("%p is %s", (v, bytes) => {
    expect(bytes).toBe(refVarlong(BigInt(v)));
    expect(written((w) => w.varint(v))).toBe(bytes);
    expect(varintSize(v)).toBe(bytes.length / 2);
    const r = rd(bytes);
    expect(r.varint()).toBe(v);
    expect(r.remaining).toBe(0);
  });
});

describe("zig-zag varlong", () => {
  test.each([
    [2 ** 31, "8080808010"],
    [-(2 ** 31), "ffffffff0f"],
    [2 ** 53 - 1, "feffffffffffff1f"],
    [-(2 ** 53 - 1), "fdffffffffffff1f"],
  ])("%p is %s", (v, bytes) => {
    expect(bytes).toBe(refVarlong(BigInt(v)));
    expect(written((w) => w.varlong(v))).toBe(bytes);
    expect(varlongSize(v)).toBe(bytes.length / 2);
  });

  const values: number[] = [];
  for (const m of [0, 1, 63, 64, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32, 2 ** 40 + 3, 2 ** 52 - 1, 2 ** 52, 2 ** 52 + 1, 2 ** 53 - 2, 2 ** 53 - 1]) {
    values.push(m);
    if (m !== 0) values.push(-m);
  }

  test.each(values)("%p is written as Kafka's zig-zag varlong", (v) => {
    expect(written((w) => w.varlong(v))).toBe(refVarlong(BigInt(v)));
    expect(varlongSize(v)).toBe(refVarlong(BigInt(v)).length / 2);
  });

  test.each(values)("%p is read back from Kafka's zig-zag varlong", (v) => {
    const r = rd(refVarlong(BigInt(v)));
    expect(r.varlong()).toBe(v);
    expect(r.remaining).toBe(0);
  });

  test("more than 10 bytes is refused", () => {
    expectProtocolError(() => rd("ffffffffffffffffffff01").varlong());
  });
});

describe("fixed-width integers", () => {
  test("int8, bool", () => {
    expect(written((w) => w.int8(-128).int8(127).int8(-1).bool(true).bool(false))).toBe("807fff0100");
    const r = rd("807fff010002");
    expect([r.int8(), r.int8(), r.int8(), r.bool(), r.bool(), r.bool()]).toEqual([-128, 127, -1, true, false, true]);
  });

  test("int16 / uint16 min and max", () => {
    expect(written((w) => w.int16(-32768).int16(32767).int16(-1).uint16(65535).uint16(0))).toBe("80007fffffffffff0000");
    const r = rd("80007fffffffffff");
    expect([r.int16(), r.int16(), r.int16(), r.uint16()]).toEqual([-32768, 32767, -1, 65535]);
  });

  test("int32 / uint32 min and max", () => {
    expect(written((w) => w.int32(-2147483648).int32(2147483647).uint32(4294967295).uint32(0))).toBe(
      "800000007fffffffffffffff00000000",
    );
    const r = rd("800000007fffffffffffffffffffffff");
    expect([r.int32(), r.int32(), r.uint32(), r.int32()]).toEqual([-2147483648, 2147483647, 4294967295, -1]);
  });

  test("int64 min and max as bigint, and numbers", () => {
    const min = -(2n ** 63n);
    const max = 2n ** 63n - 1n;
    expect(written((w) => w.int64(min).int64(max).int64(-1).int64(2 ** 53 - 1))).toBe(
      "8000000000000000" + "7fffffffffffffff" + "ffffffffffffffff" + "001fffffffffffff",
    );
    const r = rd("80000000000000007fffffffffffffffffffffffffffffff001fffffffffffff");
    expect(r.int64()).toBe(min);
    expect(r.int64()).toBe(max);
    expect(r.int64()).toBe(-1n);
    expect(r.int64AsNumber()).toBe(2 ** 53 - 1);
  });

  test("float64", () => {
    expect(written((w) => w.float64(1.5))).toBe("3ff8000000000000");
    expect(rd("3ff8000000000000").float64()).toBe(1.5);
  });

  test("a reader over a view with a byte offset reads the view", () => {
    const big = fromHex("aaaaaa" + "7fffffff" + "0102");
    const r = new Reader(big.subarray(3));
    expect(r.int32()).toBe(2147483647);
    expect(r.int16()).toBe(0x0102);
    // And offset/end bound a range of the buffer.
    const r2 = new Reader(big, 3, 7);
    expect(r2.int32()).toBe(2147483647);
    expect(r2.remaining).toBe(0);
    expectProtocolError(() => r2.int8());
  });
});

describe("null vs empty", () => {
  test("STRING / NULLABLE_STRING", () => {
    expect(written((w) => w.string(""))).toBe("0000");
    expect(written((w) => w.nullableString(""))).toBe("0000");
    expect(written((w) => w.nullableString(null))).toBe("ffff");
    expect(written((w) => w.string("kaf"))).toBe("00036b6166");
    expect(rd("0000").string()).toBe("");
    expect(rd("0000").nullableString()).toBe("");
    expect(rd("ffff").nullableString()).toBeNull();
    expectProtocolError(() => rd("ffff").string());
    expectProtocolError(() => rd("fffe").nullableString()); // -2
    expect(written((w) => w.nullableStringOf(false, null))).toBe("ffff");
    expect(written((w) => w.stringOf(false, "a"))).toBe("000161");
  });

  test("COMPACT_STRING / COMPACT_NULLABLE_STRING", () => {
    expect(written((w) => w.compactString(""))).toBe("01");
    expect(written((w) => w.compactNullableString(""))).toBe("01");
    expect(written((w) => w.compactNullableString(null))).toBe("00");
    expect(written((w) => w.compactString("kaf"))).toBe("046b6166");
    expect(rd("01").compactString()).toBe("");
    expect(rd("01").compactNullableString()).toBe("");
    expect(rd("00").compactNullableString()).toBeNull();
    expectProtocolError(() => rd("00").compactString());
    expect(written((w) => w.nullableStringOf(true, null))).toBe("00");
    expect(written((w) => w.stringOf(true, "a"))).toBe("0261");
    expect(rd("0261").stringOf(true)).toBe("a");
    expect(rd("000161").stringOf(false)).toBe("a");
    expect(rd("00").nullableStringOf(true)).toBeNull();
    expect(rd("ffff").nullableStringOf(false)).toBeNull();
  });

  test("strings are length-prefixed by UTF-8 bytes, not UTF-16 units", () => {
    const s = "é€𝄞";
    const utf8 = hex(new TextEncoder().encode(s)); // 2 + 3 + 4 bytes
    expect(written((w) => w.string(s))).toBe("0009" + utf8);
    expect(written((w) => w.compactString(s))).toBe("0a" + utf8);
    expect(rd("0009" + utf8).string()).toBe(s);
    expect(rd("0a" + utf8).compactString()).toBe(s);
  });

  test("STRING holds at most 32767 bytes", () => {
    const max = "x".repeat(32767);
    const w = new Writer();
    w.string(max);
    expect(w.length).toBe(32769);
    expect(new Reader(w.bytes()).string()).toBe(max);
    expect(() => new Writer().string("é".repeat(16384))).toThrow(RangeError); // 32768 bytes
  });

  test("BYTES / NULLABLE_BYTES / COMPACT_BYTES / COMPACT_NULLABLE_BYTES", () => {
    const empty = new Uint8Array(0);
    const abc = fromHex("0a0b0c");
    expect(written((w) => w.bytesField(empty))).toBe("00000000");
    expect(written((w) => w.nullableBytes(empty))).toBe("00000000");
    expect(written((w) => w.nullableBytes(null))).toBe("ffffffff");
    expect(written((w) => w.bytesField(abc))).toBe("000000030a0b0c");
    expect(written((w) => w.compactBytes(empty))).toBe("01");
    expect(written((w) => w.compactNullableBytes(empty))).toBe("01");
    expect(written((w) => w.compactNullableBytes(null))).toBe("00");
    expect(written((w) => w.compactBytes(abc))).toBe("040a0b0c");

    expect(hex(rd("00000000").bytes())).toBe("");
    expect(rd("00000000").nullableBytes()).toEqual(new Uint8Array(0));
    expect(rd("ffffffff").nullableBytes()).toBeNull();
    expectProtocolError(() => rd("ffffffff").bytes());
    expectProtocolError(() => rd("fffffffe").nullableBytes());
    expect(hex(rd("000000030a0b0c").bytes())).toBe("0a0b0c");
    expect(hex(rd("01").compactBytes())).toBe("");
    expect(rd("00").compactNullableBytes()).toBeNull();
    expectProtocolError(() => rd("00").compactBytes());
    expect(hex(rd("040a0b0c").compactBytes())).toBe("0a0b0c");
    expect(rd("00").nullableBytesOf(true)).toBeNull();
    expect(rd("ffffffff").nullableBytesOf(false)).toBeNull();
    expect(hex(rd("0201").nullableBytesOf(true)!)).toBe("01");
  });

  test("ARRAY / COMPACT_ARRAY: null reads as null from the nullable readers, as [] from the others", () => {
    const int16 = (w: Writer, v: number) => void w.int16(v);
    const readInt16 = (r: Reader) => r.int16();
    expect(written((w) => w.array(null, int16))).toBe("ffffffff");
    expect(written((w) => w.array([], int16))).toBe("00000000");
    expect(written((w) => w.array([1, -1], int16))).toBe("000000020001ffff");
    expect(written((w) => w.compactArray(null, int16))).toBe("00");
    expect(written((w) => w.compactArray([], int16))).toBe("01");
    expect(written((w) => w.compactArray([1, -1], int16))).toBe("030001ffff");
    expect(written((w) => w.arrayOf(true, [7], int16))).toBe("020007");
    expect(written((w) => w.arrayOf(false, null, int16))).toBe("ffffffff");

    expect(rd("ffffffff").nullableArray(readInt16)).toBeNull();
    expect(rd("ffffffff").array(readInt16)).toEqual([]);
    expect(rd("00000000").nullableArray(readInt16)).toEqual([]);
    expect(rd("000000020001ffff").array(readInt16)).toEqual([1, -1]);
    expect(rd("00").compactNullableArray(readInt16)).toBeNull();
    expect(rd("00").compactArray(readInt16)).toEqual([]);
    expect(rd("01").compactNullableArray(readInt16)).toEqual([]);
    expect(rd("030001ffff").compactArray(readInt16)).toEqual([1, -1]);
    expect(rd("020007").arrayOf(true, readInt16)).toEqual([7]);
    expect(rd("00000001" + "0007").arrayOf(false, readInt16)).toEqual([7]);
    expectProtocolError(() => rd("fffffffe").nullableArray(readInt16));
  });

  test("UUID: 16 bytes, copied out of the input", () => {
    const id = fromHex("00112233445566778899aabbccddeeff");
    expect(written((w) => w.uuid(id))).toBe("00112233445566778899aabbccddeeff");
    expect(() => new Writer().uuid(new Uint8Array(15))).toThrow(RangeError);
    const input = fromHex("00112233445566778899aabbccddeeff");
    const read = new Reader(input).uuid();
    input[0] = 0xee;
    expect(hex(read)).toBe("00112233445566778899aabbccddeeff");
  });
});

describe("tagged fields", () => {
  test("the writer's output", () => {
    expect(written((w) => w.taggedFields())).toBe("00");
    expect(written((w) => w.taggedFields([]))).toBe("00");
    expect(written((w) => w.tags(true))).toBe("00");
    expect(written((w) => w.tags(false))).toBe("");
    expect(
      written((w) =>
        w.taggedFields([
          [0, (b) => void b.int32(1)],
          [5, (b) => void b.compactString("ab")],
        ])
      ),
    ).toBe("02" + "00" + "04" + "00000001" + "05" + "03" + "036162");
    // A tag ≥ 128 and a body ≥ 128 bytes take two-byte varints.
    const body = "42".repeat(200);
    expect(written((w) => w.taggedFields([[300, (b) => void b.raw(fromHex(body))]]))).toBe("01" + "ac02" + "c801" + body);
  });

  test("the reader calls back once per tag with a reader bounded to the field", () => {
    const seen: Array<[number, number, string]> = [];
    const r = rd("03" + "00" + "02" + "abcd" + "02" + "00" + "07" + "03" + "deadbe" + "ffff");
    r.taggedFields((tag, body) => {
      seen.push([tag, body.remaining, hex(body.raw(body.remaining))]);
    });
    expect(seen).toEqual([[0, 2, "abcd"], [2, 0, ""], [7, 3, "deadbe"]]);
    expect(r.int16()).toBe(-1); // positioned right after the section
  });

  test("a field's reader cannot read past the field", () => {
    const r = rd("01" + "00" + "02" + "abcd" + "00000000");
    r.taggedFields((_tag, body) => {
      expectProtocolError(() => body.int32()); // 4 bytes follow in the buffer, but only 2 belong to the field
    });
    expect(r.int32()).toBe(0);
  });

  test("unknown tags are skipped", () => {
    const r = rd("03" + "00" + "01" + "11" + "01" + "02" + "2222" + "09" + "01" + "99" + "0005");
    let known = -1;
    r.taggedFields((tag, body) => {
      if (tag === 1) known = body.int16(); // only tag 1 is known here
    });
    expect(known).toBe(0x2222);
    expect(r.int16()).toBe(5);
    // With no callback at all, every field is skipped.
    const r2 = rd("02" + "00" + "01" + "11" + "05" + "00" + "7f");
    r2.taggedFields();
    expect(r2.int8()).toBe(0x7f);
    const r3 = rd("01" + "00" + "01" + "11");
    r3.tags(true);
    expect(r3.remaining).toBe(0);
    expect(rd("01").tags(false).remaining).toBe(1);
  });

  test("tags out of order, or repeated, are a ProtocolError", () => {
    expect(expectProtocolError(() => rd("02" + "05" + "00" + "01" + "00").taggedFields()).message).toContain("out of order");
    expectProtocolError(() => rd("02" + "03" + "00" + "03" + "00").taggedFields());
  });

  test("a truncated section is a ProtocolError", () => {
    for (const h of ["", "01", "0100", "010002", "010002ab", "0200010000"]) {
      expectProtocolError(() => rd(h).taggedFields());
    }
  });
});

describe("utf8Length", () => {
  const enc = new TextEncoder();
  const check = (s: string) => {
    expect(utf8Length(s)).toBe(enc.encode(s).length);
    // The writer relies on it: the bytes written must be exactly TextEncoder's.
    expect(written((w) => w.compactString(s))).toBe(refUvarint(BigInt(enc.encode(s).length + 1)) + hex(enc.encode(s)));
  };

  test.each([
    ["empty", ""],
    ["ASCII", "hello, kafka ~\x00\x7f"],
    ["2-byte", "é ß ключ \u0080 \u07ff"],
    ["3-byte", "€ 键 \u0800 \uffff \ue000"],
    ["4-byte (surrogate pairs)", "🔑 𝄞 \u{10000} \u{10ffff}"],
    ["lone high surrogate in the middle", "a\ud800b"],
    ["lone high surrogate at the end", "ab\udbff"],
    ["lone low surrogate", "a\udc00b"],
    ["low then high", "\udc00\ud800"],
    ["high, high, low", "\ud800\ud800\udc00"],
    ["high followed by a non-surrogate", "\ud83dA"],
  ])("%s", (_name, s) => check(s));

  test("random strings of UTF-16 units, surrogates included", () => {
    let x = 12345;
    const next = () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x >>> 8;
    };
    const pools = [0x80, 0x800, 0x10000, 0x800]; // biased towards each UTF-8 length and the surrogate range
    for (let i = 0; i < 2000; i++) {
      const len = next() % 24;
      const units: number[] = [];
      for (let k = 0; k < len; k++) {
        const pool = pools[next() % pools.length]!;
        units.push(pool === 0x800 && next() % 2 ? 0xd800 + (next() % 0x800) : next() % pool);
      }
      const s = String.fromCharCode(...units);
      expect(utf8Length(s)).toBe(enc.encode(s).length);
    }
  });
});

describe("truncated input is always a ProtocolError", () => {
  // Each entry: a complete encoding and how to read it. Every strict prefix must throw ProtocolError.
  const int8s = (r: Reader) => r.int8();
  const cases: Array<[string, string, (r: Reader) => unknown]> = [
    ["int8", "01", (r) => r.int8()],
    ["bool", "01", (r) => r.bool()],
    ["int16", "0102", (r) => r.int16()],
    ["uint16", "0102", (r) => r.uint16()],
    ["int32", "01020304", (r) => r.int32()],
    ["uint32", "01020304", (r) => r.uint32()],
    ["int64", "0102030405060708", (r) => r.int64()],
    ["int64AsNumber", "0102030405060708", (r) => r.int64AsNumber()],
    ["float64", "3ff8000000000000", (r) => r.float64()],
    ["uvarint", "ffffffff0f", (r) => r.uvarint()],
    ["varint", "8101", (r) => r.varint()],
    ["varlong", "feffffffffffff1f", (r) => r.varlong()],
    ["raw", "010203", (r) => r.raw(3)],
    ["skip", "010203", (r) => r.skip(3)],
    ["string", "0003616263", (r) => r.string()],
    ["nullableString", "0003616263", (r) => r.nullableString()],
    ["compactString", "04616263", (r) => r.compactString()],
    ["compactNullableString", "04616263", (r) => r.compactNullableString()],
    ["bytes", "00000003010203", (r) => r.bytes()],
    ["nullableBytes", "00000003010203", (r) => r.nullableBytes()],
    ["compactBytes", "04010203", (r) => r.compactBytes()],
    ["compactNullableBytes", "04010203", (r) => r.compactNullableBytes()],
    ["uuid", "00112233445566778899aabbccddeeff", (r) => r.uuid()],
    ["array", "00000002" + "0102", (r) => r.array(int8s)],
    ["nullableArray", "00000002" + "0102", (r) => r.nullableArray(int8s)],
    ["compactArray", "03" + "0102", (r) => r.compactArray(int8s)],
    ["compactNullableArray", "03" + "0102", (r) => r.compactNullableArray(int8s)],
    ["array of strings", "00000002" + "000161" + "000162", (r) => r.array((r) => r.string())],
    ["taggedFields", "02" + "00" + "01" + "aa" + "03" + "02" + "bbcc", (r) => r.taggedFields(() => {})],
  ];

  test.each(cases)("%s", (_name, full, read) => {
    // The complete encoding reads without error and uses every byte.
    const r = rd(full);
    read(r);
    expect(r.remaining).toBe(0);
    const bytes = fromHex(full);
    for (let n = 0; n < bytes.length; n++) {
      // Both a short buffer and a longer buffer with a short `end` must be refused.
      expectProtocolError(() => read(new Reader(bytes.slice(0, n))));
      expectProtocolError(() => read(new Reader(bytes, 0, n)));
    }
  });

  test("negative sizes are refused", () => {
    expectProtocolError(() => rd("0102").raw(-1));
    expectProtocolError(() => rd("0102").skip(-1));
  });
});

describe("array counts larger than the input", () => {
  test("are refused before any item is read", () => {
    let calls = 0;
    const item = (r: Reader) => {
      calls++;
      return r.int8();
    };
    const tail = "00".repeat(10);
    for (const h of ["7fffffff" + tail, "0000000b" + tail]) {
      expect(expectProtocolError(() => rd(h).array(item)).message).toContain("cannot fit");
      expectProtocolError(() => rd(h).nullableArray(item));
    }
    for (const h of ["ffffffff0f" + tail, "0c" + tail]) {
      expectProtocolError(() => rd(h).compactArray(item));
      expectProtocolError(() => rd(h).compactNullableArray(item));
    }
    expect(calls).toBe(0);
  });

  test("a count equal to the bytes left (1-byte items) is accepted", () => {
    expect(rd("00000003" + "010203").array((r) => r.int8())).toEqual([1, 2, 3]);
    expect(rd("04" + "010203").compactArray((r) => r.int8())).toEqual([1, 2, 3]);
  });
});

describe("Writer", () => {
  const fill = (w: Writer) => {
    for (let i = 0; i < 300; i++) {
      w.int8(i).int16(i * 3).int32(-i).int64(BigInt(i) << 40n).uvarint(i * 1000).varint(-i).varlong(i * 2 ** 40);
      w.compactString(`s${i}é`).nullableBytes(i % 3 ? new Uint8Array(i % 17).fill(i) : null);
    }
  };

  test("growth from a tiny buffer preserves what was written", () => {
    const small = new Writer(1);
    const big = new Writer(1 << 20);
    fill(small);
    fill(big);
    expect(small.length).toBe(big.length);
    expect(hex(small.bytes())).toBe(hex(big.bytes()));
  });

  test("bytes() is a view, toBytes() a copy; reset() starts over", () => {
    const w = new Writer(8);
    w.int32(0x01020304);
    const view = w.bytes();
    const copy = w.toBytes();
    w.reset().int32(0x0a0b0c0d);
    expect(hex(view)).toBe("0a0b0c0d"); // same memory, overwritten
    expect(hex(copy)).toBe("01020304");
    expect(w.length).toBe(4);
    expect(hex(w.bytes())).toBe("0a0b0c0d");
  });

  test("reserve + setInt32At/setUint32At fill a length later, across growth", () => {
    const w = new Writer(4);
    w.int8(7);
    const at = w.reserve(4);
    expect(at).toBe(1);
    const at2 = w.reserve(4);
    expect(at2).toBe(5);
    w.raw(new Uint8Array(100).fill(0x11)); // forces growth after the reservations
    w.setInt32At(at, w.length - at - 4).setUint32At(at2, 0xfedcba98);
    const r = new Reader(w.bytes());
    expect(r.int8()).toBe(7);
    expect(r.int32()).toBe(104);
    expect(r.uint32()).toBe(0xfedcba98);
    expect(r.remaining).toBe(100);
    w.setInt32At(at, -1);
    expect(hex(w.bytes().subarray(1, 5))).toBe("ffffffff");
  });

  test("ensure() makes room without changing the length", () => {
    const w = new Writer(2);
    w.int16(0x0102);
    w.ensure(1000);
    expect(w.length).toBe(2);
    expect(hex(w.bytes())).toBe("0102");
  });

  test("a writer created with capacity 0 can grow (checked in a child process, bounded)", () => {
    // ensure() doubles the capacity; from 0 that would loop forever, so this runs in a
    // separate process with a timeout instead of risking a hang of the test runner.
    const src = new URL("../../src/protocol/writer.ts", import.meta.url).pathname;
    const script = `import { Writer } from ${JSON.stringify(src)};
      const w = new Writer(0); w.int32(0x01020304); console.log(Array.from(w.bytes()).join(","));`;
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 3000 });
    expect({ status: run.status, signal: run.signal, out: run.stdout.trim() }).toEqual({ status: 0, signal: null, out: "1,2,3,4" });
  }, 10_000);
});

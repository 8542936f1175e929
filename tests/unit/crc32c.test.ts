/**
 * CRC-32C (Castagnoli), the record batch v2 checksum: published vectors
 * (the "check" value of the CRC catalogue and RFC 3720 B.4, iSCSI) and a
 * bitwise reference implementation written here from the definition.
 */

import { beforeAll, describe, expect, test } from "bun:test";
import { crc32c, crc32cImplementation, crc32cReady, isCrc32cReady } from "../../src/protocol/crc32c.ts";
import { crc32cTable } from "../../src/protocol/crc32c_table.ts";
import { wasmCrc32c } from "../../runtime/wasm_crc32c.ts";
import { platform as bunPlatform } from "../../runtime/bun.ts";
import { platform as cloudflarePlatform } from "../../runtime/cloudflare.ts";

/** Bit-at-a-time CRC-32C: reflected polynomial 0x82F63B78, init and xor-out 0xFFFFFFFF. */
function referenceCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure can be reproduced. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

beforeAll(async () => {
  await crc32cReady(wasmCrc32c);
});

describe("crc32c", () => {
  test("is ready after crc32cReady, and crc32cReady resolves again at once", async () => {
    expect(isCrc32cReady()).toBe(true);
    await crc32cReady();
    expect(isCrc32cReady()).toBe(true);
  });

  test("uses hash-wasm's WebAssembly where it compiles (Bun here)", () => {
    expect(crc32cImplementation()).toBe("wasm");
  });

  test("the server adapters supply the WebAssembly; the Workers platform has none (the core's tables)", () => {
    expect(bunPlatform.wasmCrc32c).toBe(wasmCrc32c);
    expect(cloudflarePlatform.wasmCrc32c).toBeUndefined();
  });

  test("crc32cReady() without a loader (a runtime without WebAssembly) keeps a loaded implementation", async () => {
    await crc32cReady();
    expect(isCrc32cReady()).toBe(true);
    expect(crc32cImplementation()).toBe("wasm");
  });
});

/** The same vectors for both implementations: hash-wasm (through crc32c) and the TypeScript tables. */
for (const [name, crc] of [["crc32c (hash-wasm)", (d: Uint8Array) => crc32c(d)], ["crc32cTable (TypeScript)", crc32cTable]] as const) {
describe(name, () => {
  test('"123456789" → 0xE3069283 (CRC catalogue check value)', () => {
    expect(crc(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
  });

  test("empty input → 0", () => {
    expect(crc(new Uint8Array(0))).toBe(0);
  });

  describe("RFC 3720 B.4 (iSCSI) vectors", () => {
    test("32 bytes of zeros → 0x8A9136AA", () => {
      expect(crc(new Uint8Array(32))).toBe(0x8a9136aa);
    });

    test("32 bytes of 0xFF → 0x62A8AB43", () => {
      expect(crc(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    });

    test("32 incrementing bytes 0..31 → 0x46DD794E", () => {
      expect(crc(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    });

    test("32 decrementing bytes 31..0 → 0x113FDB5C", () => {
      expect(crc(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    });
  });

  test("the reference implementation agrees with the published vectors", () => {
    // Guards the guard: if the reference were wrong, the comparisons below would prove nothing.
    expect(referenceCrc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(referenceCrc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(referenceCrc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  test("matches the bitwise reference on a 1 MiB random buffer", () => {
    const data = randomBytes(1 << 20, 0x1234567);
    expect(crc(data)).toBe(referenceCrc32c(data));
  });

  test("matches the reference for every length 0..300 (all alignments of the fast paths)", () => {
    const data = randomBytes(300, 42);
    for (let n = 0; n <= 300; n++) {
      expect(crc(data.subarray(0, n))).toBe(referenceCrc32c(data.subarray(0, n)));
    }
  });

  test("hashes exactly the bytes of a view (offset into a larger buffer)", () => {
    const big = randomBytes(4096, 7);
    for (const [from, to] of [[1, 100], [3, 4093], [61, 2048], [4095, 4096]] as const) {
      const view = big.subarray(from, to);
      expect(crc(view)).toBe(referenceCrc32c(big.slice(from, to)));
    }
  });

  test("returns an unsigned 32-bit integer, and each call starts afresh", () => {
    const a = randomBytes(1000, 99);
    const first = crc(a);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThanOrEqual(0xffffffff);
    crc(new Uint8Array([1, 2, 3])); // must not leak state into the next call
    expect(crc(a)).toBe(first);
    // A value with the top bit set comes back positive, not as a negative int32.
    expect(crc(new TextEncoder().encode("123456789"))).toBeGreaterThan(0x7fffffff);
  });

  test("a view whose bytes start off a 4-byte boundary, for every offset 0..7 and lengths past 16", () => {
    const big = randomBytes(1000, 3);
    for (let from = 0; from < 8; from++) {
      for (const len of [15, 16, 17, 31, 32, 33, 64, 100, 515]) {
        expect(crc(big.subarray(from, from + len))).toBe(referenceCrc32c(big.slice(from, from + len)));
      }
    }
  });
});
}

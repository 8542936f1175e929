// The perf tool's SplittableRandom (cli/tools/random.ts) against a BigInt SplittableRandom written from
// the JDK's algorithm: its letters, four at a time and one at a time, across the first rejected draw of
// seed 0 (letter 1,273,005), nextInt for many bounds, and the payload generator's two modes. (The e2e
// perf-tool test also compares the letters with Java's own SplittableRandom.)
import { describe, expect, test } from "bun:test";
import { JavaSplittableRandom, PayloadGenerator } from "../../cli/tools/random.ts";

const MASK = (1n << 64n) - 1n;
const GAMMA = 0x9e3779b97f4a7c15n;

/** `mix32` of the `n`-th seed (n ≥ 1) of `new SplittableRandom(0)`, as an unsigned 32-bit number. */
function mix32(n: bigint): number {
  let z = (n * GAMMA) & MASK;
  z = ((z ^ (z >> 33n)) * 0x62a9d9ed799705f5n) & MASK;
  return Number((((z ^ (z >> 28n)) * 0xcb24d0a5c88c35b3n) & MASK) >> 32n);
}

/** `count` letters `(byte) (nextInt(26) + 65)`, starting after `seeds` seeds were drawn. */
function referenceLetters(seeds: number, count: number): string {
  let n = BigInt(seeds);
  let out = "";
  while (out.length < count) {
    let u = mix32(++n) >>> 1;
    while (u + 25 - (u % 26) > 0x7fffffff) u = mix32(++n) >>> 1; // Java's int overflow: rejected
    out += String.fromCharCode(65 + (u % 26));
  }
  return out;
}

/** Java's `nextInt(bound)` for a reference stream at `state.n` seeds. */
function referenceNextInt(state: { n: bigint }, bound: number): number {
  let r = mix32(++state.n);
  const m = bound - 1;
  if ((bound & m) === 0) return (r & m) >>> 0;
  for (let u = r >>> 1; u + m - (r = u % bound) > 0x7fffffff; u = mix32(++state.n) >>> 1);
  return r;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("JavaSplittableRandom", () => {
  test("the first letters, in fills of every length 0–17 (the 8-letter steps and the tail)", () => {
    const random = new JavaSplittableRandom();
    let got = "";
    for (let len = 0; got.length < 2000; len = (len + 1) % 18) {
      const buffer = new Uint8Array(len);
      random.fillLetters(buffer);
      got += text(buffer);
    }
    expect(got).toBe(referenceLetters(0, got.length));
    expect(got.slice(0, 8)).toBe("YQHHNEBS");
  });

  test("the first rejected draw (letter 1,273,005) takes two seeds, in an 8-letter step and one at a time", () => {
    const at = 1_273_005;
    // No draw before it is rejected, so letter k uses seed k + 1; after it, every letter is one seed later.
    const expected = referenceLetters(at - 20, 40);
    expect(mix32(BigInt(at + 1)) >>> 1).toBeGreaterThanOrEqual(2147483624); // seed at + 1 is rejected
    for (const chunk of [65536, 4099, 3, 1]) {
      const random = new JavaSplittableRandom();
      const all = new Uint8Array(at + 20);
      for (let from = 0; from < all.length; from += chunk) random.fillLetters(all.subarray(from, Math.min(all.length, from + chunk)));
      expect(text(all.subarray(at - 20))).toBe(expected.slice(0, 40));
      const after = new Uint8Array(20);
      random.fillLetters(after);
      expect(text(after)).toBe(referenceLetters(at + 21, 20));
    }
  });

  test("nextInt for powers of two and other bounds, between fills", () => {
    const random = new JavaSplittableRandom();
    const state = { n: 0n };
    const bounds = [26, 1, 2, 3, 64, 1000, 65536, 1 << 30, 2147483647, 1999999999, 7, 100];
    for (let i = 0; i < 3000; i++) {
      const bound = bounds[i % bounds.length]!;
      expect(random.nextInt(bound)).toBe(referenceNextInt(state, bound));
      if (i % 100 === 0) {
        const letters = new Uint8Array(13);
        random.fillLetters(letters);
        const want = referenceLetters(Number(state.n), 13);
        expect(text(letters)).toBe(want);
        // Advance the reference by the seeds those 13 letters drew (no rejection this early).
        state.n += 13n;
      }
    }
  });

  test("letters(size) refills one view; more than a page at once is refused", () => {
    const random = new JavaSplittableRandom();
    const a = random.letters(6);
    const first = text(a);
    const b = random.letters(6);
    expect(b).toBe(a); // the same view, refilled
    expect(first + text(b)).toBe(referenceLetters(0, 12));
    expect(() => random.letters(65537)).toThrow("At most 65536 letters at a time, got 65537");
  });
});

describe("PayloadGenerator", () => {
  test("reuse gives the bytes fresh views give, record after record (small and above a page)", () => {
    for (const recordSize of [1, 100, 777, 70_000]) {
      const fresh = new PayloadGenerator({ kind: "size", recordSize });
      const reused = new PayloadGenerator({ kind: "size", recordSize }, { reuse: true });
      const kept: Uint8Array[] = [];
      for (let i = 0; i < 40; i++) {
        const f = fresh.next(i);
        kept.push(f);
        const r = reused.next(i);
        expect(r.length).toBe(recordSize);
        expect(text(r)).toBe(text(f));
      }
      // Fresh views stay as they were; the reused buffer holds only the latest payload.
      const direct = new Uint8Array(40 * recordSize);
      new JavaSplittableRandom().fillLetters(direct);
      expect(kept.map(text).join("")).toBe(text(direct));
      if (recordSize <= 777) expect(text(direct)).toBe(referenceLetters(0, direct.length));
    }
  });

  test("payload files and monotonic values ignore reuse", () => {
    const payloads = [new Uint8Array([1]), new Uint8Array([2, 2])];
    const a = new PayloadGenerator({ kind: "file", payloads }, { reuse: true });
    const b = new PayloadGenerator({ kind: "file", payloads });
    for (let i = 0; i < 50; i++) expect(a.next(i)).toBe(b.next(i));
    expect(text(new PayloadGenerator({ kind: "monotonic" }, { reuse: true }).next(42))).toBe("42");
  });
});

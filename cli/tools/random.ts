/**
 * Java's `java.util.SplittableRandom` (seed 0, as `ProducerPerformance`
 * uses it), so the perf tool's payloads are byte-identical to Java's:
 * `--record-size N` fills each record with `(byte) (random.nextInt(26) + 65)`
 * (uppercase letters), `--payload-file` picks `random.nextInt(payloads)`.
 *
 * SplittableRandom is 64-bit arithmetic (`seed += 0x9e3779b97f4a7c15`, then
 * two 64-bit multiplies in `mix32`), which JavaScript numbers cannot do
 * fast; one random letter per payload byte (100 M for 1 M × 100 B records)
 * must not make the tool the bottleneck. So the generator is a 1.5 KB
 * WebAssembly module (native i64), below as WebAssembly text (made by
 * hand-written bytes: there is no assembler in the build). `NEXTU` stands
 * for `mix32(nextSeed()) >>> 1` written out in place, with the seed in a
 * local (`$s`) rather than the global (that halves the time per letter):
 *
 * ```wat
 * ;; NEXTU = (local.set $s (i64.add (local.get $s) (i64.const 0x9e3779b97f4a7c15)))
 * ;;         (local.set $z (i64.mul (i64.xor (local.get $s) (i64.shr_u (local.get $s) (i64.const 33)))
 * ;;                                (i64.const 0x62a9d9ed799705f5)))
 * ;;         (i32.wrap_i64 (i64.shr_u (i64.mul (i64.xor (local.get $z) (i64.shr_u (local.get $z) (i64.const 28)))
 * ;;                                           (i64.const 0xcb24d0a5c88c35b3)) (i64.const 33)))
 * ;; LETTER(u) = u % 26 + 65, the quotient as (u * 1321528399) >>> 35 (exact for every u < 2^32:
 * ;;             1321528399 = ceil(2^35 / 26), and 26 × it − 2^35 = 6 < 2^35 / 2^32)
 * ;; SCALAR = (loop: while ptr < stop: u = NEXTU; while u >= 2147483624: u = NEXTU;
 * ;;                                   store8 ptr LETTER(u); ptr++)
 * (module
 *   (memory (export "memory") 1)
 *   (global $seed (mut i64) (i64.const 0))
 *   (func (export "fill") (param $ptr i32) (param $len i32)  ;; memory[ptr..ptr+len) = nextInt(26) + 65
 *     ;; boundedNextInt(26) rejects u (draws again) iff u + 25 - u % 26 overflows: u >= 2147483624,
 *     ;; about once in 10^8 letters (the first at letter 1,273,005 of seed 0). Eight letters per step,
 *     ;; two 32-bit stores; a step that draws a rejected u starts over from its seed one letter at a time.
 *     (local.set $s (global.get $seed)) (local.set $end (i32.add (local.get $ptr) (local.get $len)))
 *     (loop $steps (if (i32.le_u (i32.add (local.get $ptr) (i32.const 8)) (local.get $end)) (then
 *       (local.set $s0 (local.get $s))
 *       (local.set $a NEXTU) (local.set $b NEXTU) … (local.set $h NEXTU)
 *       (if (i32.or (i32.ge_u $a 2147483624) … (i32.ge_u $h 2147483624))
 *         (then (local.set $s (local.get $s0)) (local.set $stop (i32.add (local.get $ptr) (i32.const 8))) SCALAR)
 *         (else (i32.store offset=0 (local.get $ptr) (LETTER($a) | LETTER($b) << 8 | LETTER($c) << 16 | LETTER($d) << 24))
 *               (i32.store offset=4 (local.get $ptr) (LETTER($e) | LETTER($f) << 8 | LETTER($g) << 16 | LETTER($h) << 24))
 *               (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))))
 *       (br $steps))))
 *     (local.set $stop (local.get $end)) SCALAR                ;; the last 0–7 letters
 *     (global.set $seed (local.get $s)))
 *   (func (export "nextInt") (param $bound i32) (result i32)   ;; SplittableRandom.nextInt(bound)
 *     (local $r i32) (local $m i32) (local $u i32) (local $s i64) (local $z i64)
 *     (local.set $s (global.get $seed))
 *     (local.set $r (mix32 of the next seed: NEXTU without its final 1-bit shift))
 *     (local.set $m (i32.sub (local.get $bound) (i32.const 1)))
 *     (if (i32.eqz (i32.and (local.get $bound) (local.get $m)))  ;; a power of two: the low bits
 *       (then (global.set $seed (local.get $s)) (return (i32.and (local.get $r) (local.get $m)))))
 *     (local.set $u (i32.shr_u (local.get $r) (i32.const 1)))
 *     (loop $retry
 *       (local.set $r (i32.rem_u (local.get $u) (local.get $bound)))
 *       (if (i32.lt_s (i32.sub (i32.add (local.get $u) (local.get $m)) (local.get $r)) (i32.const 0))
 *         (then (local.set $u NEXTU) (br $retry))))
 *     (global.set $seed (local.get $s))
 *     (local.get $r)))
 * ```
 *
 * Measured, 100 M letters: Node 174 → 114 ms, Bun 153 → 136 ms, Deno
 * 133 (four per step) → 123 ms against the one-letter-per-step loop (tests/unit/random.test.ts checks both paths,
 * the rejection included, against a BigInt SplittableRandom).
 *
 * @module
 */

const WASM_BASE64 =
  "AGFzbQEAAAABCwJgAn9/AGABfwF/AwMCAAEFAwEAAQYGAX4BQgALBxsDBm1lbW9yeQIABGZpbGwAAAduZXh0SW50AAEKjQsCxAkDB38DfgR/IwAhCSAA" +
  "IAFqIQICQANAIABBCGogAksNASAJIQsgCUKV+Kn6l7fem55/fCIJIAlCIYiFQvWL3MzXvfbU4gB+IgogCkIciIVCs+uwxNyUtJJLfkIhiKchBCAJQpX4" +
  "qfqXt96bnn98IgkgCUIhiIVC9YvczNe99tTiAH4iCiAKQhyIhUKz67DE3JS0kkt+QiGIpyEFIAlClfip+pe33puef3wiCSAJQiGIhUL1i9zM17321OIA" +
  "fiIKIApCHIiFQrPrsMTclLSSS35CIYinIQYgCUKV+Kn6l7fem55/fCIJIAlCIYiFQvWL3MzXvfbU4gB+IgogCkIciIVCs+uwxNyUtJJLfkIhiKchByAJ" +
  "QpX4qfqXt96bnn98IgkgCUIhiIVC9YvczNe99tTiAH4iCiAKQhyIhUKz67DE3JS0kkt+QiGIpyEMIAlClfip+pe33puef3wiCSAJQiGIhUL1i9zM1732" +
  "1OIAfiIKIApCHIiFQrPrsMTclLSSS35CIYinIQ0gCUKV+Kn6l7fem55/fCIJIAlCIYiFQvWL3MzXvfbU4gB+IgogCkIciIVCs+uwxNyUtJJLfkIhiKch" +
  "DiAJQpX4qfqXt96bnn98IgkgCUIhiIVC9YvczNe99tTiAH4iCiAKQhyIhUKz67DE3JS0kkt+QiGIpyEPIARB6P///wdPIAVB6P///wdPciAGQej///8H" +
  "T3IgB0Ho////B09yIAxB6P///wdPciANQej///8HT3IgDkHo////B09yIA9B6P///wdPcgRAIAshCSAAQQhqIQgCQANAIAAgCE8NASAJQpX4qfqXt96b" +
  "nn98IgkgCUIhiIVC9YvczNe99tTiAH4iCiAKQhyIhUKz67DE3JS0kkt+QiGIpyEDA0AgA0Ho////B08EQCAJQpX4qfqXt96bnn98IgkgCUIhiIVC9Yvc" +
  "zNe99tTiAH4iCiAKQhyIhUKz67DE3JS0kkt+QiGIpyEDDAELCyAAIAMgA61Cz9iT9gR+QiOIp0EabGtBwQBqOgAAIABBAWohAAwACwsFIAAgBCAErULP" +
  "2JP2BH5CI4inQRpsa0HBAGogBSAFrULP2JP2BH5CI4inQRpsa0HBAGpBCHRyIAYgBq1Cz9iT9gR+QiOIp0EabGtBwQBqQRB0ciAHIAetQs/Yk/YEfkIj" +
  "iKdBGmxrQcEAakEYdHI2AAAgACAMIAytQs/Yk/YEfkIjiKdBGmxrQcEAaiANIA2tQs/Yk/YEfkIjiKdBGmxrQcEAakEIdHIgDiAOrULP2JP2BH5CI4in" +
  "QRpsa0HBAGpBEHRyIA8gD61Cz9iT9gR+QiOIp0EabGtBwQBqQRh0cjYABCAAQQhqIQALDAALCyACIQgCQANAIAAgCE8NASAJQpX4qfqXt96bnn98Igkg" +
  "CUIhiIVC9YvczNe99tTiAH4iCiAKQhyIhUKz67DE3JS0kkt+QiGIpyEDA0AgA0Ho////B08EQCAJQpX4qfqXt96bnn98IgkgCUIhiIVC9YvczNe99tTi" +
  "AH4iCiAKQhyIhUKz67DE3JS0kkt+QiGIpyEDDAELCyAAIAMgA61Cz9iT9gR+QiOIp0EabGtBwQBqOgAAIABBAWohAAwACwsgCSQAC8QBAgN/An4jACEE" +
  "IARClfip+pe33puef3wiBCAEQiGIhUL1i9zM17321OIAfiIFIAVCHIiFQrPrsMTclLSSS35CIIinIQEgAEEBayECIAAgAnFFBEAgBCQAIAEgAnEPCyAB" +
  "QQF2IQMDQCADIABwIQEgAyACaiABa0EASARAIARClfip+pe33puef3wiBCAEQiGIhUL1i9zM17321OIAfiIFIAVCHIiFQrPrsMTclLSSS35CIIinQQF2" +
  "IQMMAQsLIAQkACABCw==";

interface RandomExports {
  memory: { buffer: ArrayBuffer };
  fill(ptr: number, len: number): void;
  nextInt(bound: number): number;
}

/** The part of the WebAssembly API used here (not in every TypeScript lib this project builds with). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
let compiled: object | null = null;

/** The wasm memory page size: the most `fill` writes per call here. */
const PAGE = 65536;

/**
 * `new SplittableRandom(0)`: each instance starts the same sequence.
 *
 * @example The first letters, as Java prints them
 * ```ts
 * import { JavaSplittableRandom } from "./random.ts";
 * const letters = new Uint8Array(8);
 * new JavaSplittableRandom().fillLetters(letters);
 * console.assert(new TextDecoder().decode(letters) === "YQHHNEBS");
 * ```
 */
export class JavaSplittableRandom {
  readonly #x: RandomExports;
  /** The last view `letters()` returned (the memory never grows, so it stays attached). */
  #view: Uint8Array | null = null;

  constructor() {
    compiled ??= new wasm.Module(Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0)));
    this.#x = new wasm.Instance(compiled).exports as RandomExports;
  }

  /** `nextInt(bound)` for 0 < bound ≤ 2^31-1. */
  nextInt(bound: number): number {
    return this.#x.nextInt(bound);
  }

  /**
   * The next `size` letters (`size` ≤ 65536) in the generator's own memory:
   * the view is refilled by the next call of any method, so the caller
   * copies what it keeps (no copy, no new view per call).
   */
  letters(size: number): Uint8Array {
    if (size > PAGE) throw new RangeError(`At most ${PAGE} letters at a time, got ${size}`);
    let view = this.#view;
    if (view === null || view.length !== size) view = this.#view = new Uint8Array(this.#x.memory.buffer, 0, size);
    this.#x.fill(0, size);
    return view;
  }

  /** `target[j] = (byte) (nextInt(26) + 65)` for every j, in order. */
  fillLetters(target: Uint8Array): void {
    for (let at = 0; at < target.length; at += PAGE) {
      const n = Math.min(PAGE, target.length - at);
      this.#x.fill(0, n);
      target.set(new Uint8Array(this.#x.memory.buffer, 0, n), at);
    }
  }
}

/**
 * Where the perf tool's payloads come from (exactly one, as in Java).
 *
 * @example Usage
 * ```ts
 * import type { PayloadSpec } from "./random.ts";
 * const spec: PayloadSpec = { kind: "size", recordSize: 100 };
 * console.assert(spec.kind === "size");
 * ```
 */
export type PayloadSpec =
  | { kind: "size"; recordSize: number }
  | { kind: "file"; payloads: readonly Uint8Array[] }
  | { kind: "monotonic" };

/** Records of one random block (about 64 KiB of letters generated at once). */
const BLOCK_BYTES = 65536;

/**
 * `ProducerPerformance.generateRandomPayload`: the payload of record `i`,
 * the byte sequence Java generates record after record.
 *
 * By default each payload is its own view (for clients that hold the value
 * after `send()` returns), cut from blocks generated 64 KiB at a time. With
 * `reuse`, as Java's tool does with its one `byte[]`, one buffer is refilled
 * for every record: for a producer that copies the value during `send()`
 * (edgekafka does, and its waiting queue copies too), this saves a view
 * and a copy per record.
 *
 * @example Usage
 * ```ts
 * import { PayloadGenerator } from "./random.ts";
 * const gen = new PayloadGenerator({ kind: "size", recordSize: 4 });
 * const a = new TextDecoder().decode(gen.next(0)), b = new TextDecoder().decode(gen.next(1));
 * console.assert(a === "YQHH" && b === "NEBS");
 * const shared = new PayloadGenerator({ kind: "size", recordSize: 4 }, { reuse: true });
 * console.assert(new TextDecoder().decode(shared.next(0)) === "YQHH");
 * ```
 */
export class PayloadGenerator {
  readonly #spec: PayloadSpec;
  readonly #reuse: boolean;
  readonly #random = new JavaSplittableRandom();
  readonly #encoder = new TextEncoder();
  #block = new Uint8Array(0);
  #at = 0;

  /** `reuse`: `next()` refills one buffer (valid until the next call) instead of returning a new view. */
  constructor(spec: PayloadSpec, options: { reuse?: boolean } = {}) {
    this.#spec = spec;
    this.#reuse = options.reuse ?? false;
  }

  /** The payload of record `i`. */
  next(i: number): Uint8Array {
    const spec = this.#spec;
    if (spec.kind === "file") return spec.payloads[this.#random.nextInt(spec.payloads.length)]!;
    if (spec.kind === "monotonic") return this.#encoder.encode(String(i));
    const size = spec.recordSize;
    if (this.#reuse) {
      if (size <= PAGE) return this.#random.letters(size);
      if (this.#block.length !== size) this.#block = new Uint8Array(size);
      this.#random.fillLetters(this.#block);
      return this.#block;
    }
    if (this.#at + size > this.#block.length) {
      this.#block = new Uint8Array(size * Math.max(1, Math.floor(BLOCK_BYTES / size)));
      this.#random.fillLetters(this.#block);
      this.#at = 0;
    }
    const payload = this.#block.subarray(this.#at, this.#at + size);
    this.#at += size;
    return payload;
  }
}

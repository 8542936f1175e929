/**
 * Java's `java.util.SplittableRandom` (seed 0, as `ProducerPerformance`
 * uses it), so the perf tool's payloads are byte-identical to Java's:
 * `--record-size N` fills each record with `(byte) (random.nextInt(26) + 65)`
 * (uppercase letters), `--payload-file` picks `random.nextInt(payloads)`.
 *
 * SplittableRandom is 64-bit arithmetic (`seed += 0x9e3779b97f4a7c15`, then
 * two 64-bit multiplies in `mix32`), which JavaScript numbers cannot do
 * fast; one random letter per payload byte (100 M for 1 M × 100 B records)
 * must not make the tool the bottleneck. So the generator is a 484-byte
 * WebAssembly module (native i64), below as WebAssembly text. `NEXT` stands
 * for `mix32(nextSeed())` written out in place, with the seed in a local
 * (`$s`) rather than the global (that halves the time per letter):
 *
 * ```wat
 * ;; NEXT = (local.set $s (i64.add (local.get $s) (i64.const 0x9e3779b97f4a7c15)))
 * ;;        (local.set $z (i64.mul (i64.xor (local.get $s) (i64.shr_u (local.get $s) (i64.const 33)))
 * ;;                               (i64.const 0x62a9d9ed799705f5)))
 * ;;        (i32.wrap_i64 (i64.shr_u (i64.mul (i64.xor (local.get $z) (i64.shr_u (local.get $z) (i64.const 28)))
 * ;;                                          (i64.const 0xcb24d0a5c88c35b3)) (i64.const 32)))
 * (module
 *   (memory (export "memory") 1)
 *   (global $seed (mut i64) (i64.const 0))
 *   (func (export "fill") (param $ptr i32) (param $len i32)  ;; memory[ptr..ptr+len) = nextInt(26) + 65
 *     (local $end i32) (local $r i32) (local $u i32) (local $s i64) (local $z i64)
 *     (local.set $s (global.get $seed))
 *     (local.set $end (i32.add (local.get $ptr) (local.get $len)))
 *     (block $done (loop $bytes
 *       (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
 *       (local.set $u (i32.shr_u NEXT (i32.const 1)))
 *       (loop $retry                                          ;; RandomSupport.boundedNextInt's rejection loop
 *         (local.set $r (i32.rem_u (local.get $u) (i32.const 26)))
 *         (if (i32.lt_s (i32.sub (i32.add (local.get $u) (i32.const 25)) (local.get $r)) (i32.const 0))
 *           (then (local.set $u (i32.shr_u NEXT (i32.const 1))) (br $retry))))
 *       (i32.store8 (local.get $ptr) (i32.add (local.get $r) (i32.const 65)))
 *       (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
 *       (br $bytes)))
 *     (global.set $seed (local.get $s)))
 *   (func (export "nextInt") (param $bound i32) (result i32)   ;; SplittableRandom.nextInt(bound)
 *     (local $r i32) (local $m i32) (local $u i32) (local $s i64) (local $z i64)
 *     (local.set $s (global.get $seed))
 *     (local.set $r NEXT)
 *     (local.set $m (i32.sub (local.get $bound) (i32.const 1)))
 *     (if (i32.eqz (i32.and (local.get $bound) (local.get $m)))  ;; a power of two: the low bits
 *       (then (global.set $seed (local.get $s)) (return (i32.and (local.get $r) (local.get $m)))))
 *     (local.set $u (i32.shr_u (local.get $r) (i32.const 1)))
 *     (loop $retry
 *       (local.set $r (i32.rem_u (local.get $u) (local.get $bound)))
 *       (if (i32.lt_s (i32.sub (i32.add (local.get $u) (local.get $m)) (local.get $r)) (i32.const 0))
 *         (then (local.set $u (i32.shr_u NEXT (i32.const 1))) (br $retry))))
 *     (global.set $seed (local.get $s))
 *     (local.get $r)))
 * ```
 *
 * @module
 */

const WASM_BASE64 =
  "AGFzbQEAAAABCwJgAn9/AGABfwF/AwMCAAEFAwEAAQYGAX4BQgALBxsDBm1lbW9yeQIABGZpbGwAAAduZXh0SW50AAEKnQMC0AECA38CfiMAIQUg" +
  "ACABaiECAkADQCAAIAJPDQEgBUKV+Kn6l7fem55/fCIFIgYgBkIhiIVC9YvczNe99tTiAH4iBiAGQhyIhUKz67DE3JS0kkt+QiCIp0EBdiEEA0Ag" +
  "BEEacCEDIARBGWogA2tBAEgEQCAFQpX4qfqXt96bnn98IgUiBiAGQiGIhUL1i9zM17321OIAfiIGIAZCHIiFQrPrsMTclLSSS35CIIinQQF2IQQM" +
  "AQsLIAAgA0HBAGo6AAAgAEEBaiEADAALCyAFJAALyAECA38CfiMAIQQgBEKV+Kn6l7fem55/fCIEIgUgBUIhiIVC9YvczNe99tTiAH4iBSAFQhyI" +
  "hUKz67DE3JS0kkt+QiCIpyEBIABBAWshAiAAIAJxRQRAIAQkACABIAJxDwsgAUEBdiEDA0AgAyAAcCEBIAMgAmogAWtBAEgEQCAEQpX4qfqXt96b" +
  "nn98IgQiBSAFQiGIhUL1i9zM17321OIAfiIFIAVCHIiFQrPrsMTclLSSS35CIIinQQF2IQMMAQsLIAQkACABCw==";

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

  constructor() {
    compiled ??= new wasm.Module(Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0)));
    this.#x = new wasm.Instance(compiled).exports as RandomExports;
  }

  /** `nextInt(bound)` for 0 < bound ≤ 2^31-1. */
  nextInt(bound: number): number {
    return this.#x.nextInt(bound);
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
 * `ProducerPerformance.generateRandomPayload`: the payload of record `i`.
 * Each payload is its own view (the producer may hold it until it is
 * appended to a batch), cut from blocks generated 64 KiB at a time; the
 * byte sequence is the one Java generates record after record.
 *
 * @example Usage
 * ```ts
 * import { PayloadGenerator } from "./random.ts";
 * const gen = new PayloadGenerator({ kind: "size", recordSize: 4 });
 * const a = new TextDecoder().decode(gen.next(0)), b = new TextDecoder().decode(gen.next(1));
 * console.assert(a === "YQHH" && b === "NEBS");
 * ```
 */
export class PayloadGenerator {
  readonly #spec: PayloadSpec;
  readonly #random = new JavaSplittableRandom();
  readonly #encoder = new TextEncoder();
  #block = new Uint8Array(0);
  #at = 0;

  constructor(spec: PayloadSpec) {
    this.#spec = spec;
  }

  /** The payload of record `i`. */
  next(i: number): Uint8Array {
    const spec = this.#spec;
    if (spec.kind === "file") return spec.payloads[this.#random.nextInt(spec.payloads.length)]!;
    if (spec.kind === "monotonic") return this.#encoder.encode(String(i));
    const size = spec.recordSize;
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

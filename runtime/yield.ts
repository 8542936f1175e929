/**
 * A turn of the event loop for a send loop (`Producer.sendAll`, `writable()`):
 * socket reads and writes and timers run, then the loop goes on.
 *
 * - Bun and Node: `setImmediate` (after pending I/O callbacks, no 1 ms timer
 *   clamp).
 * - Deno: immediates and MessageChannel messages run without polling I/O ops
 *   (measured: no socket round trip completes during 200 ms of 1 ms slices
 *   separated by `setImmediate`) and its timers wait at least 1–2 ms; so it
 *   awaits a zero-byte `Deno.stderr.write`, an async op that completes at
 *   once (~20 µs) and lets the event loop poll every pending op first. A
 *   write of zero bytes produces no output and cannot fail on a closed pipe.
 *
 * @module
 */

/** The Deno surface the yield uses. */
interface DenoStderr {
  Deno: { stderr: { write(bytes: Uint8Array): Promise<number> } };
}

const nothing = new Uint8Array(0);
const ignore = (): void => {};

/**
 * The yield for `runtime` (a 0 ms timer where there is no better one).
 *
 * @example Usage
 * ```ts
 * import { detectRuntime } from "./auto.ts";
 * import { yieldFor } from "./yield.ts";
 * await yieldFor(detectRuntime())(); // the event loop ran once
 * ```
 */
export function yieldFor(runtime: string): () => Promise<void> {
  const g = globalThis as unknown as Partial<DenoStderr> & { setImmediate?: (f: () => void) => void };
  if (runtime === "deno" && g.Deno !== undefined) {
    const stderr = g.Deno.stderr;
    return () => stderr.write(nothing).then(ignore, ignore);
  }
  const setImmediate = g.setImmediate;
  if ((runtime === "node" || runtime === "bun") && typeof setImmediate === "function") {
    return () => new Promise((resolve) => setImmediate(resolve));
  }
  return () => new Promise((resolve) => setTimeout(resolve, 0));
}

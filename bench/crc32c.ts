/**
 * Micro-benchmark (not a test): CRC-32C of 64 KiB batches, `hash-wasm`'s
 * WebAssembly against the TypeScript slicing-by-16 tables
 * (`src/protocol/crc32c_table.ts`). Best of 5 rounds of 2,000 checksums
 * each, after 300 warm-up calls. Prints one JSON line.
 *
 * Run: bun bench/crc32c.ts | deno run -A bench/crc32c.ts |
 *      node: tsc -p tsconfig.bench.json && node .cache/bench/bench/crc32c.js
 */

import { crc32c, crc32cReady } from "../src/protocol/crc32c.ts";
import { crc32cTable } from "../src/protocol/crc32c_table.ts";

const SIZE = 64 * 1024;
const CALLS = 2000;

await crc32cReady();
const data = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) data[i] = (i * 2654435761) >>> 24;
if (crc32c(data) !== crc32cTable(data)) throw new Error("The two CRC-32C implementations disagree");

/** MB/s (MiB) of the best round. */
function measure(f: (d: Uint8Array) => number): number {
  let sink = 0;
  for (let i = 0; i < 300; i++) sink ^= f(data);
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < CALLS; i++) sink ^= f(data);
    const seconds = (performance.now() - start) / 1000;
    best = Math.max(best, (CALLS * SIZE) / (1 << 20) / seconds);
  }
  if (sink === 0.5) console.log(sink); // keeps the calls from being optimised away
  return Math.round(best);
}

const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string }; process?: { version: string } };
const runtime = g.Deno ? `deno ${g.Deno.version.deno}` : g.Bun ? `bun ${g.Bun.version}` : `node ${g.process?.version}`;
console.log(JSON.stringify({ runtime, batchBytes: SIZE, wasmMBps: measure(crc32c), tableMBps: measure(crc32cTable) }));

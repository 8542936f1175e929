/**
 * The README's codec numbers: compression speed (MB/s of input) and ratio
 * of each codec as the producer runs it (`compressorFor` with the runtime's
 * own platform), on a 1 MiB records section of 100-byte JSON-ish records
 * (`recordsSection` of ./codec_cases.ts).
 *
 *   ./node_modules/.bin/bun tests/unit/support/codec_bench.ts          # this runtime, one JSON line
 *   ./node_modules/.bin/bun tests/unit/support/codec_bench.ts --all    # Bun, Deno and Node: a markdown table
 *
 * Each codec: 5 warm-up runs, then 9 rounds of at least 250 ms; the median
 * round's speed is reported. The machine's other load shows in the numbers:
 * compare runs made back to back.
 */

import { loadPlatform } from "../../../runtime/auto.ts";
import { type CompressionType, compressorFor } from "../../../src/producer/compression.ts";
import { portableCodecs } from "../../../src/portable_codecs.ts";
import { recordsSection } from "./codec_cases.ts";

/** One codec's result. */
export interface CodecSpeed {
  codec: string;
  mbPerS: number;
  ratio: number;
}

const SETTINGS: Array<{ label: string; type: CompressionType; level: number; native: boolean }> = [
  { label: "gzip (native node:zlib, level 6)", type: "gzip", level: -1, native: true },
  { label: "gzip (fflate, level 6)", type: "gzip", level: -1, native: false },
  { label: "snappy (pure TS)", type: "snappy", level: 0, native: false },
  { label: "lz4 level 9 (pure TS, fast)", type: "lz4", level: 9, native: false },
  { label: "lz4 level 1 (pure TS, chain)", type: "lz4", level: 1, native: false },
  { label: "lz4 level 12 (pure TS, chain)", type: "lz4", level: 12, native: false },
  { label: "zstd level 3 (the platform's: node:zlib; pure TS on Node 20)", type: "zstd", level: 3, native: true },
  { label: "zstd level 1 (the platform's: node:zlib; pure TS on Node 20)", type: "zstd", level: 1, native: true },
  { label: "zstd level 3 (pure TS)", type: "zstd", level: 3, native: false },
  { label: "zstd level 1 (pure TS)", type: "zstd", level: 1, native: false },
  { label: "zstd level 9 (pure TS)", type: "zstd", level: 9, native: false },
];

async function measure(): Promise<{ runtime: string; results: CodecSpeed[] }> {
  const platform = await loadPlatform();
  const input = recordsSection(1 << 20);
  const results: CodecSpeed[] = [];
  for (const s of SETTINGS) {
    let compressor;
    try {
      compressor = s.native ? compressorFor(s.type, s.level, platform) : compressorFor(s.type, s.level, undefined, portableCodecs);
    } catch {
      continue; // zstd where the runtime has none
    }
    if (compressor === null) continue;
    let size = 0;
    for (let i = 0; i < 5; i++) size = compressor.compress(input).length;
    const rounds: number[] = [];
    for (let r = 0; r < 9; r++) {
      const started = performance.now();
      let n = 0;
      while (performance.now() - started < 250) {
        compressor.compress(input);
        n++;
      }
      rounds.push((n * input.length) / 1e6 / ((performance.now() - started) / 1000));
    }
    rounds.sort((a, b) => a - b);
    results.push({ codec: s.label, mbPerS: Math.round(rounds[4]!), ratio: Math.round((input.length / size) * 100) / 100 });
  }
  return { runtime: platform.name, results };
}

const g = globalThis as unknown as { Deno?: { args: string[] }; process?: { argv: string[] } };
const argv = g.Deno?.args ?? g.process!.argv.slice(2);
if (argv.includes("--all")) {
  const { runScript, RUNTIMES } = await import("../../helpers/runtimes.ts");
  const { ensureDist } = await import("../../helpers/runtimes.ts");
  await ensureDist();
  const rows = new Map<string, Record<string, string>>();
  for (const runtime of RUNTIMES) {
    const run = await runScript(runtime, "tests/unit/support/codec_bench.ts", [], { timeoutMs: 300_000 });
    const report = run.json as { results: CodecSpeed[] } | null;
    if (report === null) throw new Error(`${runtime} failed:\n${run.stderr}`);
    for (const r of report.results) {
      const row = rows.get(r.codec) ?? {};
      row[runtime] = `${r.mbPerS} MB/s, ×${r.ratio}`;
      rows.set(r.codec, row);
    }
  }
  console.log(`| codec | ${RUNTIMES.join(" | ")} |\n| --- | ${RUNTIMES.map(() => "---").join(" | ")} |`);
  for (const [codec, row] of rows) console.log(`| ${codec} | ${RUNTIMES.map((r) => row[r] ?? "not available").join(" | ")} |`);
} else {
  console.log(JSON.stringify(await measure()));
}

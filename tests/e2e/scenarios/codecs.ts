/**
 * Codecs scenario, run unchanged under Bun, Deno and Node (from `dist/`) by
 * `tests/e2e/codecs.test.ts`: one producer per `compression.type` sends the
 * records of `codecRecords` (`./codecs_records.ts`) to its own partition of
 * `--topic` (partition i for codec i of `CODECS`), through the runtime's
 * default platform (`mod.ts`).
 *
 * ```sh
 * bun tests/e2e/scenarios/codecs.ts --bootstrap 127.0.0.1:PORT --topic t
 * ```
 *
 * Prints one JSON line ({@linkcode CodecsReport}); exits 0 when the scenario
 * ran (the test judges the result: a codec the runtime lacks reports the
 * producer's `ConfigError`), 1 if it crashed.
 *
 * @module
 */

import { Producer } from "../../../mod.ts";
import { CODECS, codecRecords } from "./codecs_records.ts";

/** What one codec's producer did. */
export interface CodecOutcome {
  /** Offsets of the records, in send order (empty when the producer failed). */
  offsets: string[];
  /** The error the producer's construction or a send failed with, if any. */
  error: { className: string; key: string | null; message: string } | null;
}

export interface CodecsReport {
  ok: boolean;
  runtime: string;
  codecs: Record<string, CodecOutcome>;
  /** Where zstd came from: the runtime's `node:zlib`, or (without one there) the core's TypeScript. */
  zstd?: "node:zlib" | "typescript";
  error?: string;
}

const g = globalThis as unknown as {
  Deno?: { args: string[]; exitCode: number };
  Bun?: unknown;
  process?: { argv: string[]; exitCode?: number };
};
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";

async function produce(bootstrap: string, topic: string, partition: number, codec: string): Promise<CodecOutcome> {
  let producer: Producer;
  try {
    producer = new Producer({ bootstrapServers: bootstrap, compressionType: codec as "lz4", lingerMs: 20 });
  } catch (e) {
    const err = e as Error & { key?: string };
    return { offsets: [], error: { className: err.constructor.name, key: err.key ?? null, message: err.message } };
  }
  try {
    const sent = codecRecords(codec).map((r) =>
      producer.send({ topic, partition, key: r.key, value: r.value, headers: r.headers.length === 0 ? undefined : r.headers })
    );
    const metadata = await Promise.all(sent);
    return { offsets: metadata.map((m) => String(m.offset)), error: null };
  } catch (e) {
    const err = e as Error;
    return { offsets: [], error: { className: err.constructor.name, key: null, message: err.message } };
  } finally {
    await producer.close();
  }
}

const report: CodecsReport = { ok: false, runtime, codecs: {} };
try {
  const args = parseArgs(g.Deno?.args ?? g.process!.argv.slice(2));
  if (!args.bootstrap || !args.topic) throw new Error("Usage: codecs.ts --bootstrap H:P --topic T");
  const zlib = await import("node:zlib") as { zstdCompressSync?: unknown };
  report.zstd = typeof zlib.zstdCompressSync === "function" ? "node:zlib" : "typescript";
  for (const [partition, codec] of CODECS.entries()) report.codecs[codec] = await produce(args.bootstrap, args.topic, partition, codec);
  report.ok = true;
} catch (e) {
  report.error = e instanceof Error ? `${e.stack ?? e.message}` : String(e);
}
console.log(JSON.stringify(report));
if (!report.ok) {
  if (g.Deno) g.Deno.exitCode = 1;
  else g.process!.exitCode = 1;
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`Unexpected argument "${a}"`);
    out[a.slice(2)] = argv[++i] ?? "";
  }
  return out;
}

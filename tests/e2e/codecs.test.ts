/**
 * Every codec on every runtime: `tests/e2e/scenarios/codecs.ts` runs under
 * Bun, Deno and Node (the built `dist/`), one producer per
 * `compression.type` (gzip, snappy, lz4, zstd), each writing the records of
 * `codecRecords` (keys, null keys, headers, empty values, a 900 KiB value)
 * to its own partition of the runtime's topic. This file judges the result
 * with three independent readers:
 * - kcat (librdkafka) reads every record back byte for byte;
 * - Kafka's Java console consumer reads the same keys, values and headers;
 * - Kafka's `DumpLogSegments` shows the codec on every stored batch, and
 *   the broker found every batch valid.
 *
 * zstd is native where the runtime's `node:zlib` has it (Bun and Deno
 * here) and the core's TypeScript zstd on Node 20, whose `node:zlib` has
 * none; the scenario reports which one wrote.
 */

import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { cluster, createTopic, kafkaSh, kcatRead, uniqueTopic } from "../helpers/kafka.ts";
import { dumpBatches } from "../helpers/log_segments.ts";
import { ensureDist, runScript, type Runtime, RUNTIMES } from "../helpers/runtimes.ts";
import type { CodecsReport } from "./scenarios/codecs.ts";
import { CODECS, codecRecords, type CodecRecord } from "./scenarios/codecs_records.ts";

const SCENARIO = "tests/e2e/scenarios/codecs.ts";
let bootstrap: string;

beforeAll(async () => {
  bootstrap = cluster();
  await ensureDist();
}, 240_000);

/** The version of the `node` the Node runs use (this test runs on Bun, whose `process.versions.node` is its own). */
const NODE_VERSION = spawnSync("node", ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();

/** Whether `runtime`'s `node:zlib` has zstd: on Bun and Deno, and on Node.js from 22.15 (23.8 on 23). */
function nativeZstd(runtime: Runtime): boolean {
  const [major, minor] = NODE_VERSION.split(".").map(Number) as [number, number];
  return runtime !== "node" || major > 23 || (major === 23 && minor >= 8) || (major === 22 && minor >= 15);
}

const outcomes = new Map<Runtime, Promise<{ topic: string; report: CodecsReport }>>();

function outcome(runtime: Runtime) {
  let o = outcomes.get(runtime);
  if (!o) {
    o = (async () => {
      const topic = createTopic(uniqueTopic(`codecs-${runtime}`), CODECS.length);
      const run = await runScript(runtime, SCENARIO, ["--bootstrap", bootstrap, "--topic", topic], { timeoutMs: 120_000 });
      const report = run.json as CodecsReport | null;
      if (run.code !== 0 || !report?.ok) {
        throw new Error(`${run.command.join(" ")} failed (exit ${run.code}${run.timedOut ? ", timed out" : ""}):\n` +
          `${report?.error ?? run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`);
      }
      console.log(`${runtime}: codecs scenario ${run.ms} ms`);
      return { topic, report };
    })();
    outcomes.set(runtime, o);
  }
  return o;
}

/** One record as the Java console consumer printed it. */
interface ConsoleLine {
  partition: number;
  offset: number;
  headers: Array<[string, string]>;
  key: string | null;
  value: string;
}

/** Reads `topic` with Kafka's console consumer: partition, offset, headers, key and value per line. */
function consoleRead(topic: string): ConsoleLine[] {
  const out = kafkaSh([
    "java", "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning", "--timeout-ms", "8000",
    "--formatter-property", "print.partition=true",
    "--formatter-property", "print.offset=true",
    "--formatter-property", "print.headers=true",
    "--formatter-property", "print.key=true",
    "--formatter-property", "key.separator=\t",
    "--formatter-property", "headers.separator=|",
  ], {}, 120_000);
  return out.split("\n").filter((l) => l !== "").map((line) => {
    const m = /^Partition:(\d+)\tOffset:(\d+)\t([^\t]*)\t([^\t]*)\t(.*)$/.exec(line);
    if (!m) throw new Error(`Unexpected console consumer line: ${JSON.stringify(line.slice(0, 200))}`);
    const headers = m[3] === "NO_HEADERS" ? [] : m[3]!.split("|").map((h) => h.split(":") as [string, string]);
    return { partition: Number(m[1]), offset: Number(m[2]), headers, key: m[4] === "null" ? null : m[4]!, value: m[5]! };
  }).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

const utf8 = (s: string | null) => (s === null ? null : new TextEncoder().encode(s));

/** The partitions (codecs) that `runtime` wrote, with their records. */
function written(runtime: Runtime): Array<{ partition: number; codec: string; records: CodecRecord[] }> {
  return CODECS.map((codec, partition) => ({ partition, codec, records: codecRecords(codec) }));
}

for (const runtime of RUNTIMES) {
  describe(`${runtime}: every codec`, () => {
    test("each codec's producer sent every record", async () => {
      const { report } = await outcome(runtime);
      expect(report.zstd).toBe(nativeZstd(runtime) ? "node:zlib" : "typescript");
      for (const { codec, records } of written(runtime)) {
        expect({ codec, ...report.codecs[codec] }).toEqual({ codec, offsets: records.map((_, i) => String(i)), error: null });
      }
    }, 240_000);

    test("kcat (librdkafka) reads every record back byte for byte", async () => {
      const { topic } = await outcome(runtime);
      const read = kcatRead(bootstrap, topic);
      for (const { partition, codec, records } of written(runtime)) {
        const got = read.filter((r) => r.partition === partition);
        expect({ codec, count: got.length }).toEqual({ codec, count: records.length });
        got.forEach((r, i) => {
          const want = records[i]!;
          expect(r.key).toEqual(utf8(want.key));
          expect(r.value).toEqual(utf8(want.value));
          expect(r.headers).toEqual(want.headers);
        });
      }
    }, 240_000);

    test("Kafka's Java console consumer reads the same records", async () => {
      const { topic } = await outcome(runtime);
      const read = consoleRead(topic);
      const want = written(runtime).flatMap(({ partition, records }) =>
        records.map((r, offset) => ({ partition, offset, headers: r.headers, key: r.key, value: r.value }))
      );
      expect(read.length).toBe(want.length);
      read.forEach((r, i) => expect(r).toEqual(want[i]!));
    }, 240_000);

    test("DumpLogSegments shows the codec on every batch, and every batch is valid", async () => {
      const { topic } = await outcome(runtime);
      const batches = dumpBatches(topic);
      if (batches === null) return; // an external broker: its log segments are not here
      for (const { partition, codec, records } of written(runtime)) {
        const mine = batches.filter((b) => b.partition === partition);
        expect(mine.length).toBeGreaterThanOrEqual(2); // the 900 KiB record travels alone
        expect(new Set(mine.map((b) => b.compresscodec))).toEqual(new Set([codec]));
        expect(mine.every((b) => b.isvalid)).toBe(true);
        expect(mine.reduce((n, b) => n + b.count, 0)).toBe(records.length);
        // Compressed: the 900 KiB value is stored in far fewer bytes.
        expect(mine.at(-1)!.size).toBeLessThan(100 * 1024);
      }
    }, 240_000);
  });
}

/**
 * Backpressure scenario, run unchanged under Bun, Deno and Node (from
 * `dist/`) by `tests/e2e/backpressure.test.ts` against the single-node
 * broker:
 *
 * ```sh
 * bun tests/e2e/scenarios/backpressure.ts --bootstrap 127.0.0.1:PORT --topic t --records 2000000 --size 100 --mode sendAll
 * ```
 *
 * Sends `--records` records of `--size` bytes (1000 distinct payloads,
 * shared, as the naive loop of issue 13) to `--topic` with the default
 * `buffer.memory` (32 MiB), `--mode`:
 * - `sendAll`: `producer.sendAll()` over a generator;
 * - `ready`: a hand-written loop, `await producer.ready()` while `bufferFull`;
 * - `writable`: `pipeTo(producer.writable())` from a pull stream;
 * - `naive`: `send(record, callback)` in a plain loop (the unbounded path).
 *
 * Memory is sampled every 10 ms (and once right after the loop, which a
 * naive loop does not interrupt); the idle RSS is taken once the producer
 * is connected and knows the topic. Prints one JSON line
 * ({@linkcode BackpressureReport}); exits 0 when the scenario ran (the test
 * judges the result), 1 if it crashed.
 *
 * @module
 */

import { Producer } from "../../../mod.ts";

/** What the scenario measured. */
export interface BackpressureReport {
  runtime: string;
  mode: string;
  records: number;
  acknowledged: number;
  failed: number;
  firstError: string | null;
  bufferMemory: number;
  /** RSS once connected, before sending; the highest RSS seen while sending (bytes). */
  idleRss: number;
  peakRss: number;
  /** The `waiting-records-max` metric: the most records that ever waited at once. */
  waitingRecordsMax: number;
  /** `buffer-available-bytes` once closed (all memory back). */
  availableAfter: number;
}

const args = new Map<string, string>();
const argv = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) args.set(argv[i]!.replace(/^--/, ""), argv[i + 1]!);
const bootstrap = args.get("bootstrap")!;
const topic = args.get("topic")!;
const n = Number(args.get("records"));
const size = Number(args.get("size") ?? 100);
const mode = args.get("mode") ?? "sendAll";

declare const Deno: { args: string[]; memoryUsage(): { rss: number } } | undefined;
const rss = (): number => (typeof Deno !== "undefined" ? Deno.memoryUsage().rss : process.memoryUsage().rss);

const payloads = Array.from({ length: 1000 }, (_, i) => new Uint8Array(size).fill(65 + (i % 26)));
const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 5, batchSize: 65_536 });
await producer.partitionsFor(topic);
await producer.send({ topic, value: "warm-up" }); // connected, producer id fetched
const idleRss = rss();
let peakRss = idleRss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, rss())), 10);

let acknowledged = 0;
let failed = 0;
let firstError: string | null = null;
const callback = (error: Error | null) => {
  if (error === null) acknowledged++;
  else if (failed++ === 0) firstError = error.message;
};
function* records() {
  for (let i = 0; i < n; i++) yield { value: payloads[i % 1000]! };
}

try {
  if (mode === "sendAll") {
    await producer.sendAll(records(), { topic, onDelivery: callback }).catch(() => {});
  } else if (mode === "ready") {
    for (let i = 0; i < n; i++) {
      if (producer.bufferFull) await producer.ready();
      producer.send({ topic, value: payloads[i % 1000]! }, callback);
    }
  } else if (mode === "writable") {
    let i = 0;
    const source = new ReadableStream<{ value: Uint8Array }>({
      pull(controller) {
        for (let k = 0; k < 1000 && i < n; k++) controller.enqueue({ value: payloads[i++ % 1000]! });
        if (i === n) controller.close();
      },
    }, { highWaterMark: 0 });
    await source.pipeTo(producer.writable({ topic })).catch((e) => (firstError ??= String(e)));
    acknowledged = n - (firstError === null ? 0 : 1); // the stream resolved: every record was delivered
  } else {
    for (let i = 0; i < n; i++) producer.send({ topic, value: payloads[i % 1000]! }, callback);
  }
  peakRss = Math.max(peakRss, rss());
  await producer.flush();
} finally {
  clearInterval(sampler);
}
const waitingRecordsMax = producer.metrics()["waiting-records-max"]!;
await producer.close();
const report: BackpressureReport = {
  runtime: typeof Deno !== "undefined" ? "deno" : "Bun" in globalThis ? "bun" : "node",
  mode,
  records: n,
  acknowledged,
  failed,
  firstError,
  bufferMemory: producer.config.bufferMemory,
  idleRss,
  peakRss,
  waitingRecordsMax,
  availableAfter: producer.metrics()["buffer-available-bytes"]!,
};
console.log(JSON.stringify(report));

/**
 * Issue 13's experiment: a sender in a worker over `SharedArrayBuffer` slabs
 * (the Java producer's I/O thread) against the same sender on the appending
 * thread's event loop. Both modes run the same code: this thread appends
 * records (sticky partitioner over 6 partitions, `RecordWriter` into 64 KiB
 * slabs of a 32 MiB shared pool, waiting for a free slab as Java's `send()`
 * blocks on `buffer.memory`) and hands each filled batch to `MiniSender`
 * (`./sender.ts`): directly with `--threads 1`, as a message to
 * `./worker.ts` with `--threads 2`. Prints the perf tool's final line, so
 * the numbers read like `npm run bench`'s.
 *
 *   bun bench/worker_sender/main.ts --bootstrap-server H:P --topic T [--num-records N] [--record-size S] [--threads 1|2]
 *
 * For Node: `bun build bench/worker_sender/main.ts bench/worker_sender/worker.ts --target=node --outdir DIR`, then
 * `node DIR/main.js ...`.
 *
 * @module
 */

import { Worker } from "node:worker_threads";
import { JavaSplittableRandom } from "../../cli/tools/random.ts";
import { RecordWriter } from "../../src/protocol/record_batch.ts";
import { type Filled, MiniSender, SLAB } from "./sender.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const [host, port] = (args.get("bootstrap-server") ?? "127.0.0.1:9092").split(":") as [string, string];
const topic = args.get("topic") ?? "worker-sender";
const n = Number(args.get("num-records") ?? 1_000_000);
const size = Number(args.get("record-size") ?? 100);
const threads = Number(args.get("threads") ?? 1);
const PARTITIONS = 6;
const SLABS = (32 * 1024 * 1024) / SLAB;
const HEADER = 61;
const LINGER_MS = 5;
/** The most records a slab can hold (each takes at least 8 bytes), for the send-time table. */
const MAX_RECORDS = Math.ceil(SLAB / (size + 8));

const memory = new SharedArrayBuffer(SLABS * SLAB);
const slabs = new Uint8Array(memory);
const free: number[] = Array.from({ length: SLABS }, (_, i) => SLABS - 1 - i);
/** Send time (ms) of every record in every slab, for the latency histogram. */
const sendTimes = new Float64Array(SLABS * MAX_RECORDS);
const histogram = new Uint32Array(60_000);
let acked = 0;
let failedBatches = 0;
let waiter: (() => void) | null = null;
const counts = new Int32Array(SLABS);

function onAcked(done: number[], failed: number): void {
  const now = Date.now();
  failedBatches += failed;
  for (const slab of done) {
    const c = counts[slab]!;
    for (let k = 0; k < c; k++) histogram[Math.min(59_999, now - sendTimes[slab * MAX_RECORDS + k]!)]!++;
    acked += c;
    free.push(slab);
  }
  const w = waiter;
  waiter = null;
  w?.();
}

let submit: (batches: Filled[]) => void;
let close: () => void;
if (threads === 2) {
  const entry = new URL(`./worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);
  const worker = new Worker(entry, { workerData: { memory, host, port: Number(port), topic } });
  await new Promise<void>((resolve) => {
    worker.on("message", (m: { ready?: true; slabs?: number[]; failed?: number }) => {
      if (m.ready) resolve();
      else onAcked(m.slabs!, m.failed!);
    });
  });
  submit = (batches) => worker.postMessage({ batches });
  close = () => worker.postMessage({ close: true });
} else {
  const sender = await MiniSender.open(slabs, host, Number(port), topic, onAcked);
  submit = (batches) => sender.submit(batches);
  close = () => sender.close();
}

// The payloads: 1000 × `size` random uppercase letters from the perf tool's generator (Java's SplittableRandom(0)).
const random = new JavaSplittableRandom();
const payloads = Array.from({ length: 1000 }, () => {
  const p = new Uint8Array(size);
  random.fillLetters(p);
  return p;
});

/** The open batch: its slab (-1: none), write position, records, first and last timestamp. */
let slab = -1;
let pos = 0;
let count = 0;
let baseTs = 0;
let maxTs = 0;
let partition = 0;
/** Filled batches not yet handed over (handed over at each turn of the loop). */
let ready: Filled[] = [];
const writer = new RecordWriter();
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function seal(): void {
  if (slab < 0) return;
  counts[slab] = count;
  ready.push({ slab, partition, length: pos - slab * SLAB, count, baseTs, maxTs });
  slab = -1;
  partition = (partition + 1) % PARTITIONS; // sticky: a new partition for each batch
}

function handOver(): void {
  if (ready.length === 0) return;
  const batches = ready;
  ready = [];
  submit(batches);
}

const started = Date.now();
const cpu0 = process.cpuUsage();
let sliceStart = performance.now();
for (let i = 0; i < n; i++) {
  const now = Date.now();
  if (slab >= 0) {
    const need = writer.measure(null, payloads[i % 1000]!, null, now - baseTs, count);
    if (pos + need > (slab + 1) * SLAB || now - baseTs >= LINGER_MS) seal();
  }
  if (slab < 0) {
    while (free.length === 0) {
      handOver();
      await new Promise<void>((resolve) => (waiter = resolve));
      sliceStart = performance.now();
    }
    slab = free.pop()!;
    pos = slab * SLAB + HEADER;
    count = 0;
    baseTs = now;
  }
  writer.measure(null, payloads[i % 1000]!, null, now - baseTs, count);
  pos = writer.write(slabs, pos);
  sendTimes[slab * MAX_RECORDS + count] = now;
  count++;
  maxTs = now;
  if ((i & 63) === 63 && performance.now() - sliceStart >= 1) {
    handOver();
    await yieldToLoop();
    sliceStart = performance.now();
  }
}
seal();
handOver();
while (acked < n) {
  await new Promise<void>((resolve) => (waiter = resolve));
}
const elapsed = (Date.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
close();

const at = (q: number) => {
  let seen = 0;
  for (let ms = 0; ms < histogram.length; ms++) if ((seen += histogram[ms]!) >= q * acked) return ms;
  return 0;
};
let sum = 0;
let max = 0;
for (let ms = 0; ms < histogram.length; ms++) if (histogram[ms]) (sum += ms * histogram[ms]!), (max = ms);
const rate = acked / elapsed;
console.log(
  `${acked} records sent, ${rate.toFixed(1)} records/sec (${((rate * size) / 1048576).toFixed(2)} MB/sec), ` +
    `${(sum / acked).toFixed(2)} ms avg latency, ${max.toFixed(1)} ms max latency, ` +
    `${at(0.5)} ms 50th, ${at(0.95)} ms 95th, ${at(0.99)} ms 99th, ${at(0.999)} ms 99.9th.`,
);
console.log(JSON.stringify({ threads, cpuUserSec: cpu.user / 1e6, cpuSystemSec: cpu.system / 1e6, failedBatches }));
process.exit(failedBatches > 0 ? 1 : 0);

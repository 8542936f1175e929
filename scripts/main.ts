/**
 * The main job (`npm start`): produce records to Kafka and print a delivery
 * summary. `scripts/run.mjs` starts a local broker and sets KAFKA_BOOTSTRAP
 * unless it was already set.
 *
 * Environment: KAFKA_BOOTSTRAP (required here), KAFKA_TOPIC (default
 * "edgekafka-demo", created with 6 partitions if missing), RECORDS (default
 * 100000), RECORD_SIZE (bytes, default 100).
 */

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Producer, type RecordMetadata } from "../mod.ts";

const bootstrap = process.env.KAFKA_BOOTSTRAP;
if (!bootstrap) {
  console.error("KAFKA_BOOTSTRAP is not set: run `npm start`, which starts a local broker");
  process.exit(2);
}
const topic = process.env.KAFKA_TOPIC ?? "edgekafka-demo";
const records = Number(process.env.RECORDS ?? 100_000);
const recordSize = Number(process.env.RECORD_SIZE ?? 100);

// Create the topic with Kafka's own admin tool (works against any cluster).
const created = spawnSync("bash", [
  join(import.meta.dirname, "..", "tests", "kafka", "kafka.sh"), "java", "org.apache.kafka.tools.TopicCommand",
  "--bootstrap-server", bootstrap, "--create", "--if-not-exists", "--topic", topic, "--partitions", "6", "--replication-factor", "1",
], { stdio: ["ignore", "ignore", "inherit"] });
if (created.status !== 0) console.error(`could not create topic "${topic}" (continuing: it may exist already)`);

const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 5, batchSize: 65536 });
const value = new TextEncoder().encode("x".repeat(Math.max(0, recordSize)));
const latencies = new Float64Array(records);
const perPartition = new Map<number, { count: number; first: bigint; last: bigint }>();
const failures = new Map<string, number>();
let acked = 0;

console.error(`producing ${records} records of ${recordSize} bytes to "${topic}" at ${bootstrap}`);
const start = performance.now();
await new Promise<void>((resolve) => {
  let settled = 0;
  for (let i = 0; i < records; i++) {
    const sentAt = performance.now();
    producer.send({ topic, key: `user-${i % 1000}`, value, headers: { seq: String(i) } }, (error, md) => {
      latencies[i] = performance.now() - sentAt;
      if (error) {
        failures.set(error.name, (failures.get(error.name) ?? 0) + 1);
      } else {
        acked++;
        track(md!);
      }
      if (++settled === records) resolve();
    });
  }
  if (records === 0) resolve();
});
const elapsedMs = performance.now() - start;
const metrics = producer.metrics();
await producer.close();

function track(md: RecordMetadata): void {
  const p = perPartition.get(md.partition);
  if (p === undefined) perPartition.set(md.partition, { count: 1, first: md.offset, last: md.offset });
  else {
    p.count++;
    if (md.offset < p.first) p.first = md.offset;
    if (md.offset > p.last) p.last = md.offset;
  }
}

const sorted = latencies.slice().sort();
const pct = (q: number) => sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const failed = records - acked;
console.log(`delivery summary for topic "${topic}"`);
console.log(`  records sent:          ${records}`);
console.log(`  acknowledged:          ${acked}`);
console.log(`  failed:                ${failed}${failed ? " (" + [...failures].map(([k, v]) => `${k}: ${v}`).join(", ") + ")" : ""}`);
console.log(`  elapsed:               ${(elapsedMs / 1000).toFixed(2)} s`);
console.log(`  throughput:            ${Math.round(records / (elapsedMs / 1000))} records/s, ${((records * recordSize) / 1e6 / (elapsedMs / 1000)).toFixed(1)} MB/s`);
console.log(`  ack latency:           p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, max ${pct(1).toFixed(1)} ms`);
console.log(`  batches:               ${Math.round(Number(metrics["batch-size-avg"]))} bytes on average, ${Math.round(Number(metrics["records-per-request-avg"]))} records per request`);
for (const [p, s] of [...perPartition].sort((a, b) => a[0] - b[0])) {
  console.log(`  partition ${p}:           ${s.count} records, offsets ${s.first}..${s.last}`);
}
process.exit(failed === 0 ? 0 : 1);

/**
 * `metrics()` after a real run: Java's metric names (group
 * `producer-metrics`) with sane values — record-send-total = records sent,
 * record-error-total = records failed, batch sizes within `batch.size`,
 * request latencies, a positive outgoing byte rate, buffer-total-bytes =
 * `buffer.memory`, and buffer-available-bytes back to the total after
 * `flush()`.
 */

import { afterAll, beforeAll, expect, test } from "bun:test";
import { MessageTooLargeError, MetadataTimeoutError, Producer, type RecordMetadata, RecordTooLargeError, SerializationError } from "../../mod.ts";
import { createReadyTopic, settleAll, sleep, Tracked, within } from "../helpers/engine.ts";
import { cluster, kcatRead, uniqueTopic } from "../helpers/kafka.ts";

let bootstrap = "";
const producers: Producer[] = [];

beforeAll(() => {
  bootstrap = cluster();
}, 180_000);

afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 5_000 })));
});

/** Java's producer-metrics names this producer reports. */
const JAVA_NAMES = [
  "record-send-rate", "record-send-total", "record-error-rate", "record-error-total", "record-retry-rate",
  "record-retry-total", "batch-size-avg", "batch-size-max", "compression-rate-avg", "records-per-request-avg",
  "request-latency-avg", "request-latency-max", "requests-in-flight", "outgoing-byte-rate", "outgoing-byte-total",
  "produce-throttle-time-avg", "produce-throttle-time-max",
  "buffer-total-bytes", "buffer-available-bytes", "bufferpool-wait-time-total", "bufferpool-wait-time-ns-total",
  "buffer-exhausted-total",
];
/** Java's selector metrics of SASL re-authentication (KIP-368): without SASL the totals stay 0 and the latencies NaN, as Java's. */
const REAUTH_NAMES = [
  "successful-reauthentication-rate", "successful-reauthentication-total", "failed-reauthentication-rate",
  "failed-reauthentication-total", "reauthentication-latency-avg", "reauthentication-latency-max",
];
/** Our own additions (no Java counterpart): records waiting in `send()` before the accumulator. */
const OWN_NAMES = ["waiting-records", "waiting-records-max"];

test("after a run: Java's names, with values that match what was sent", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-metrics"), 3);
  const strict = createReadyTopic(bootstrap, uniqueTopic("engine-metrics-small"), 1, { configs: { "max.message.bytes": "2000" } });
  const bufferMemory = 8 * 1024 * 1024;
  const batchSize = 16_384;
  const requestTimeoutMs = 30_000;
  const p = new Producer({ bootstrapServers: bootstrap, bufferMemory, batchSize, lingerMs: 10, requestTimeoutMs, maxBlockMs: 20_000 });
  producers.push(p);

  const fresh = p.metrics();
  expect(Object.keys(fresh).sort()).toEqual([...JAVA_NAMES, ...REAUTH_NAMES, ...OWN_NAMES].sort());
  expect(fresh["record-send-total"]).toBe(0);
  expect(fresh["buffer-total-bytes"]).toBe(bufferMemory);
  expect(fresh["buffer-available-bytes"]).toBe(bufferMemory);

  await within(p.partitionsFor(topic), 20_000, "metadata"); // records are appended as they are sent
  // 3000 records of ~200 bytes over 3 partitions, in waves.
  const n = 3000;
  const sends: Array<Tracked<RecordMetadata>> = [];
  for (let i = 0; i < n; i++) {
    sends.push(new Tracked(p.send({ topic, key: `m${i % 50}`, value: `metric-${i}-`.padEnd(200, "m") })));
    if (i % 500 === 499) {
      // Mid-run: memory is in use.
      expect(p.metrics()["buffer-available-bytes"]).toBeLessThan(bufferMemory);
      await sleep(5);
    }
  }
  // Three records the broker refuses (over the topic's max.message.bytes), one at a time: one
  // record per batch (a batch of several would be split and its records sent, and counted, again).
  const refused: Array<Tracked<RecordMetadata>> = [];
  for (let i = 0; i < 3; i++) {
    const r = new Tracked(p.send({ topic: strict, value: `refused-${i}-`.padEnd(3000, "r") }));
    refused.push(r);
    await within(r.done, 20_000, "refused send");
  }
  await within(p.flush(), 30_000, "flush");
  const outcomes = await settleAll([...sends, ...refused], 1_000, "sends (flushed)");
  expect(outcomes.slice(0, n).every((o) => o.ok)).toBe(true);
  for (const o of outcomes.slice(n)) expect(o.error).toBeInstanceOf(MessageTooLargeError);
  expect(kcatRead(bootstrap, topic)).toHaveLength(n);

  const m = p.metrics();
  for (const name of JAVA_NAMES) expect({ name, finite: Number.isFinite(m[name]) }).toEqual({ name, finite: true });
  expect([m["successful-reauthentication-total"], m["failed-reauthentication-total"]]).toEqual([0, 0]);
  expect(m["reauthentication-latency-avg"]).toBeNaN();
  expect(m["record-retry-total"]).toBe(0); // no retries: every record went out exactly once
  expect(m["record-send-total"]).toBe(n + refused.length);
  expect(m["record-error-total"]).toBe(refused.length);
  expect(m["record-send-rate"]).toBeGreaterThan(0);
  expect(m["record-error-rate"]).toBeGreaterThan(0);
  // Batches: within batch.size, at least one record (61-byte header + ~210 bytes).
  expect(m["batch-size-avg"]).toBeGreaterThan(270);
  expect(m["batch-size-max"]).toBeGreaterThanOrEqual(m["batch-size-avg"]!);
  expect(m["batch-size-max"]).toBeLessThanOrEqual(batchSize);
  expect(m["records-per-request-avg"]).toBeGreaterThan(1);
  expect(m["compression-rate-avg"]).toBe(1);
  // Request latency: measured, below the request timeout.
  expect(m["request-latency-avg"]).toBeGreaterThanOrEqual(0);
  expect(m["request-latency-max"]).toBeGreaterThanOrEqual(m["request-latency-avg"]!);
  expect(m["request-latency-max"]).toBeLessThan(requestTimeoutMs);
  // Bytes out: at least the values.
  expect(m["outgoing-byte-total"]).toBeGreaterThan(n * 200);
  expect(m["outgoing-byte-rate"]).toBeGreaterThan(0);
  // Buffer: all memory is back once flushed; nobody waited.
  expect(m["requests-in-flight"]).toBe(0);
  expect(m["buffer-total-bytes"]).toBe(bufferMemory);
  expect(m["buffer-available-bytes"]).toBe(bufferMemory);
  expect(m["buffer-exhausted-total"]).toBe(0);
  expect(m["bufferpool-wait-time-total"]).toBe(0);
  // Nothing waits once flushed; metadata was fetched first, so no record ever waited for it.
  expect(m["waiting-records"]).toBe(0);
  expect(m["waiting-records-max"]).toBeGreaterThanOrEqual(0);
}, 90_000);

test("record-error-total also counts sends that fail before reaching a batch (as Java's KafkaProducer.doSend does)", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-metrics-early"), 1);
  const p = new Producer({ bootstrapServers: bootstrap, maxRequestSize: 10_000, maxBlockMs: 1_000 });
  producers.push(p);
  await within(p.send({ topic, value: "ok" }), 20_000, "good send");
  // Java records each of these in the shared "errors" sensor (record-error-total):
  // RecordTooLargeException, TimeoutException from waitOnMetadata, SerializationException.
  const errors = [
    await p.send({ topic, value: "x".repeat(20_000) }).then(() => null, (e: unknown) => e),
    await p.send({ topic, partition: 5, value: "v" }).then(() => null, (e: unknown) => e),
    await p.send({ topic, value: 42 as unknown as string }).then(() => null, (e: unknown) => e),
  ];
  expect(errors[0]).toBeInstanceOf(RecordTooLargeError);
  expect(errors[1]).toBeInstanceOf(MetadataTimeoutError);
  expect(errors[2]).toBeInstanceOf(SerializationError);
  const m = p.metrics();
  expect(m["record-send-total"]).toBe(1);
  expect(m["record-error-total"]).toBe(3);
}, 30_000);

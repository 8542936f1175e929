/**
 * The backpressure API over the in-memory cluster: `bufferFull` and the
 * shared `ready()`, `sendAll()` (pacing, Java's every-send-settles
 * semantics, abort, close), `writable()` (pacing, flush on close, a failure
 * errors the stream), the `max.queued.records` cap, and the compact queue
 * (records of every shape that waited arrive as sent).
 */

import { describe, expect, test } from "bun:test";
import { BufferExhaustedError, ClosedError, InvalidRecordError, Producer, type ProducerRecord, type RecordMetadata } from "../../mod.ts";
import { QUEUE_BYTES_BOUND } from "../../src/producer/send_queue.ts";
import { RECORD_STATE_BYTES } from "../../src/producer/waiting_records.ts";
import { MemoryCluster } from "./support/memory_cluster.ts";

const BATCH = 1024;
const MEMORY = 4 * BATCH;
const value = (i: number) => `value-${String(i).padStart(6, "0")}`.padEnd(100, ".");

function setup(options: Record<string, unknown> = {}) {
  const cluster = new MemoryCluster(1, { t: [1, 1], u: [1] });
  const producer = new Producer({
    bootstrapServers: cluster.bootstrap,
    connect: cluster.connect,
    batchSize: BATCH,
    bufferMemory: MEMORY,
    lingerMs: 0,
    enableIdempotence: false, // the in-memory brokers speak ApiVersions, Metadata and Produce only
    ...options,
  });
  return { cluster, producer };
}

/** Values in topic `t`, both partitions, each in its log order. */
const logged = (cluster: MemoryCluster, topic = "t") => [...cluster.logs].filter(([k]) => k.startsWith(`${topic}/`)).flatMap(([, v]) => v);

/** A producer whose broker never answers the connection: every record waits for metadata. */
function unconnected(options: Record<string, unknown> = {}) {
  return new Producer({ bootstrapServers: "127.0.0.1:1", connect: () => new Promise(() => {}), maxBlockMs: 60_000, ...options });
}

describe("bufferFull and ready()", () => {
  test("an idle producer is not full and ready() resolves at once", async () => {
    const { producer } = setup();
    expect(producer.bufferFull).toBe(false);
    await producer.ready();
    await producer.ready(new AbortController().signal);
    await producer.close();
  });

  test("full while a record waits for memory; one shared promise resolves once memory is back", async () => {
    const { cluster, producer } = setup();
    await producer.partitionsFor("t");
    cluster.holdProduce(1);
    const results: Array<Promise<RecordMetadata>> = [];
    let i = 0;
    while (!producer.bufferFull) results.push(producer.send({ topic: "t", partition: 0, value: value(i++) }));
    // The records of about buffer.memory went into batches; the one that found no memory waits.
    expect(i).toBeGreaterThan(MEMORY / 128);
    expect(producer.metrics()["waiting-records"]).toBe(1);
    const ready = producer.ready();
    expect(producer.ready()).toBe(ready);
    let resolved = false;
    void ready.then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(resolved).toBe(false);
    cluster.releaseProduce(1);
    await ready;
    expect(producer.bufferFull as boolean).toBe(false);
    const md = await Promise.all(results);
    expect(md.map((m) => m.offset)).toEqual(md.map((_, n) => BigInt(n)));
    await producer.close();
  });

  test("ready(signal) rejects with the reason; the shared wait goes on", async () => {
    const { cluster, producer } = setup();
    await producer.partitionsFor("t");
    cluster.holdProduce(1);
    const results: Array<Promise<unknown>> = [];
    for (let i = 0; !producer.bufferFull; i++) results.push(producer.send({ topic: "t", value: value(i) }));
    const controller = new AbortController();
    const aborted = producer.ready(controller.signal);
    const reason = new Error("gave up");
    controller.abort(reason);
    expect(await aborted.catch((e) => e)).toBe(reason);
    expect(await producer.ready(controller.signal).catch((e) => e)).toBe(reason); // already aborted
    const shared = producer.ready();
    cluster.releaseProduce(1);
    await shared;
    await Promise.all(results);
    await producer.close();
  });

  test("full while more than a megabyte of records waits for metadata; close() frees ready()", async () => {
    const producer = unconnected();
    const big = new Uint8Array(100 * 1024);
    const sent: Array<Promise<unknown>> = [];
    let n = 0;
    while (!producer.bufferFull) {
      sent.push(producer.send({ topic: "t", value: big }).catch((e) => e));
      n++;
    }
    expect(n).toBe(Math.ceil(QUEUE_BYTES_BOUND / (big.length + RECORD_STATE_BYTES)));
    const ready = producer.ready();
    await producer.close({ timeoutMs: 0 });
    await ready;
    for (const e of await Promise.all(sent)) expect(e).toBeInstanceOf(ClosedError);
  });
});

describe("sendAll()", () => {
  test("paced: at most one record waits for memory, all arrive in order", async () => {
    const { cluster, producer } = setup();
    await producer.partitionsFor("t");
    const records = Array.from({ length: 3000 }, (_, i) => ({ topic: "t", partition: 0, value: value(i) }));
    const result = await producer.sendAll(records);
    expect(result).toEqual({ count: 3000 });
    expect(cluster.logs.get("t/0")).toEqual(records.map((r) => r.value));
    expect(producer.metrics()["waiting-records-max"]).toBe(1);
    expect(producer.metrics()["buffer-available-bytes"]).toBe(MEMORY);
    await producer.close();
  });

  test("before metadata, the queue stays within its byte bound", async () => {
    const { cluster, producer } = setup({ batchSize: 16_384, bufferMemory: 1 << 18 });
    const big = "v".repeat(10_000);
    function* records() {
      for (let i = 0; i < 400; i++) yield { value: big };
    }
    expect(await producer.sendAll(records(), { topic: "u" })).toEqual({ count: 400 });
    expect(cluster.logs.get("u/0")!.length).toBe(400);
    const perRecord = big.length + RECORD_STATE_BYTES;
    expect(producer.metrics()["waiting-records-max"]).toBeLessThanOrEqual(Math.ceil(QUEUE_BYTES_BOUND / perRecord));
    await producer.close();
  });

  test("an async iterable, the topic option, onDelivery for each record", async () => {
    const { cluster, producer } = setup();
    async function* records() {
      for (let i = 0; i < 500; i++) {
        if (i % 100 === 0) await new Promise((r) => setTimeout(r, 1));
        yield { key: `k${i}`, value: value(i) };
      }
    }
    const delivered: Array<RecordMetadata | Error | null> = [];
    const result = await producer.sendAll(records(), { topic: "t", onDelivery: (error, md) => delivered.push(error ?? md) });
    expect(result.count).toBe(500);
    expect(delivered).toHaveLength(500);
    expect(delivered.every((md) => (md as RecordMetadata).topic === "t")).toBe(true);
    expect(logged(cluster).sort()).toEqual(Array.from({ length: 500 }, (_, i) => value(i)));
    await producer.close();
  });

  test("as Java's loop, every record settles: the others are delivered, then it rejects with the first failure", async () => {
    const { cluster, producer } = setup();
    const records: Array<ProducerRecord<string, string>> = Array.from({ length: 10 }, (_, i) => ({ topic: "t", partition: 0, value: value(i) }));
    records[3] = { topic: "t", partition: -1, value: "bad" };
    records[7] = { topic: "t", partition: 1.5, value: "bad too" };
    let outcomes = 0;
    const error = await producer.sendAll(records, { onDelivery: () => void outcomes++ }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error.message).toContain(`"-1"`);
    expect(outcomes).toBe(10);
    expect(cluster.logs.get("t/0")).toHaveLength(8);
    await producer.close();
  });

  test("an abort stops taking records (the generator is closed); those sent settle first", async () => {
    const { cluster, producer } = setup();
    const controller = new AbortController();
    let closed = false;
    function* records() {
      try {
        for (let i = 0; ; i++) {
          if (i === 1000) controller.abort(new Error("enough"));
          yield { topic: "t", partition: 0, value: value(i) };
        }
      } finally {
        closed = true;
      }
    }
    const error = await producer.sendAll(records(), { signal: controller.signal }).catch((e) => e);
    expect(error.message).toBe("enough");
    expect(closed).toBe(true);
    expect(cluster.logs.get("t/0")!.length).toBeGreaterThanOrEqual(1000);
    expect(producer.metrics()["buffer-available-bytes"]).toBe(MEMORY);
    await producer.close();
  });

  test("a failing iterable rejects once the records sent settled", async () => {
    const { cluster, producer } = setup();
    function* records() {
      yield { topic: "t", partition: 0, value: "a" };
      throw new Error("the source broke");
    }
    expect((await producer.sendAll(records()).catch((e) => e)).message).toBe("the source broke");
    expect(cluster.logs.get("t/0")).toEqual(["a"]);
    await producer.close();
  });

  test("closing the producer stops it with ClosedError; after close it sends nothing", async () => {
    const { producer } = setup();
    let taken = 0;
    function* endless() {
      for (let i = 0; ; i++, taken++) yield { topic: "t", value: value(i) };
    }
    const running = producer.sendAll(endless()).catch((e) => e);
    await new Promise((r) => setTimeout(r, 20));
    await producer.close();
    expect(await running).toBeInstanceOf(ClosedError);
    const before = taken;
    expect(await producer.sendAll(endless()).catch((e) => e)).toBeInstanceOf(ClosedError);
    expect(taken).toBe(before);
  });
});

describe("writable()", () => {
  test("pipeTo is paced by buffer.memory and resolves once all is delivered", async () => {
    const { cluster, producer } = setup();
    await producer.partitionsFor("t");
    const n = 3000;
    let i = 0;
    const source = new ReadableStream<{ value: string; partition: number }>({
      pull(controller) {
        if (i === n) controller.close();
        else controller.enqueue({ value: value(i++), partition: 1 });
      },
    });
    const sink = producer.writable({ topic: "t" });
    await source.pipeTo(sink);
    expect(cluster.logs.get("t/1")).toEqual(Array.from({ length: n }, (_, k) => value(k)));
    expect(producer.metrics()["waiting-records-max"]).toBe(1);
    await producer.close();
  });

  test("desiredSize follows the high-water mark", async () => {
    const { producer } = setup();
    const writer = producer.writable({ topic: "t", highWaterMark: 8 }).getWriter();
    expect(writer.desiredSize).toBe(8);
    await writer.close();
    await producer.close();
  });

  test("a failed record errors the stream: the next write or close rejects with it", async () => {
    const { producer } = setup();
    const writer = producer.writable({ topic: "t" }).getWriter();
    await writer.write({ value: "ok" });
    await writer.write({ value: "bad", partition: -2 });
    await new Promise((r) => setTimeout(r, 5)); // the failure is reported by its callback
    const error = await writer.write({ value: "after" }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(await writer.closed.catch((e) => e)).toBe(error);
    await producer.close();
  });

  test("close() flushes: records lingering in batches are delivered when it resolves", async () => {
    const { cluster, producer } = setup({ lingerMs: 60_000 });
    const writer = producer.writable({ topic: "t" }).getWriter();
    for (let i = 0; i < 5; i++) await writer.write({ value: value(i), partition: 0 });
    await writer.close();
    expect(cluster.logs.get("t/0")).toHaveLength(5);
    await producer.close();
  });
});

describe("max.queued.records", () => {
  test("sends beyond the cap fail at once with BufferExhaustedError naming the backpressure API", async () => {
    const producer = unconnected({ "max.queued.records": 3 });
    const sent = Array.from({ length: 5 }, (_, i) => producer.send({ topic: "t", value: value(i) }).catch((e) => e));
    expect(producer.bufferFull).toBe(true);
    const [fourth, fifth] = await Promise.all(sent.slice(3));
    for (const e of [fourth, fifth]) {
      expect(e).toBeInstanceOf(BufferExhaustedError);
      expect(e.message).toContain(`"max.queued.records"`);
      expect(e.message).toContain("producer.ready()");
      expect(e.message).toContain("producer.sendAll()");
      expect(e.message).toContain("producer.writable()");
    }
    expect(producer.metrics()["buffer-exhausted-total"]).toBe(2);
    expect(producer.metrics()["record-error-total"]).toBe(2);
    let called = false;
    producer.send({ topic: "t", value: "cb" }, (error) => (called = error instanceof BufferExhaustedError));
    await new Promise((r) => setTimeout(r, 0));
    expect(called).toBe(true);
    await producer.close({ timeoutMs: 0 });
    for (const e of await Promise.all(sent.slice(0, 3))) expect(e).toBeInstanceOf(ClosedError);
  });

  test("defaults to no cap", () => {
    const producer = unconnected();
    expect(producer.config.maxQueuedRecords).toBe(2147483647);
    void producer.close({ timeoutMs: 0 });
  });
});

describe("the compact queue", () => {
  test("records of every shape that waited arrive as sent, each settled through its own path", async () => {
    const { cluster, producer } = setup({ bufferMemory: 1 << 20 });
    const outcomes: string[] = [];
    const controller = new AbortController();
    const promises: Array<Promise<unknown>> = [];
    const reused = new Uint8Array(100);
    for (let i = 0; i < 300; i++) {
      const topic = i % 7 === 0 ? "u" : "t";
      reused.fill(65 + (i % 26)); // the caller reuses its buffer: the queue holds its own copy
      const record: ProducerRecord = {
        topic,
        partition: topic === "t" ? i % 2 : undefined,
        key: i % 3 === 0 ? null : i % 3 === 1 ? `key-${i}` : new Uint8Array([i & 255]),
        value: i % 5 === 0 ? `string-${i}` : i % 5 === 1 ? null : reused,
        headers: i % 11 === 0 ? [["h", `${i}`]] : undefined,
      };
      if (i % 4 === 0) promises.push(producer.send(record, { signal: controller.signal }).then((md) => outcomes.push(`p${i}@${md.topic}`)));
      else producer.send(record, (error, md) => outcomes.push(error ? `e${i}` : `c${i}@${md!.topic}`));
    }
    expect(producer.metrics()["waiting-records"]).toBe(300); // all waited for metadata
    await Promise.all(promises);
    await producer.flush();
    expect(outcomes).toHaveLength(300);
    expect(outcomes.filter((o) => o.startsWith("e"))).toEqual([]);
    const expected = (topic: string, partition: number) => {
      const out: string[] = [];
      for (let i = 0; i < 300; i++) {
        const t = i % 7 === 0 ? "u" : "t";
        if (t !== topic || (t === "t" && i % 2 !== partition)) continue;
        out.push(i % 5 === 0 ? `string-${i}` : i % 5 === 1 ? "" : String.fromCharCode(65 + (i % 26)).repeat(100));
      }
      return out;
    };
    const nullAsEmpty = (values: string[] | undefined) => values!.map((v) => v ?? "");
    expect(nullAsEmpty(cluster.logs.get("t/0"))).toEqual(expected("t", 0));
    expect(nullAsEmpty(cluster.logs.get("t/1"))).toEqual(expected("t", 1));
    expect(nullAsEmpty(cluster.logs.get("u/0"))).toEqual(expected("u", 0));
    await producer.close();
  });
});

/**
 * A Worker in real workerd produces to the local broker over plaintext
 * through `cloudflare:sockets`, with the platform picked automatically
 * (`navigator.userAgent` is "Cloudflare-Workers") and batches checksummed by
 * the TypeScript CRC-32C (workerd refuses WebAssembly compiled from bytes);
 * kcat reads back exactly what was sent; gzip, snappy, lz4 and zstd from
 * `@edgekafka/producer/codecs` land as such (Kafka's DumpLogSegments), and
 * without them the codec's absence is a `ConfigError` naming the import to
 * add. Failures are typed: a
 * `max.connections` above Workers' six is a `ConfigError`, a broker nobody
 * listens on is named (`host:port`) in the error.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cluster, createTopic, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";
import { dumpBatches } from "../helpers/log_segments.ts";
import { startWorkerd, type Workerd } from "./workerd.ts";

let bootstrap: string;
let workerd: Workerd | null = null;

beforeAll(async () => {
  bootstrap = cluster();
  workerd = await startWorkerd({
    entry: new URL("./worker_app.ts", import.meta.url).pathname,
    bindings: { BOOTSTRAP: bootstrap, KAFKA_BOOTSTRAP: bootstrap },
    durableObjects: { PRODUCER: "KafkaProducerObject" },
  });
}, 120_000);

afterAll(async () => {
  await workerd?.stop();
});

async function produce(topic: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${workerd!.url}/produce?topic=${encodeURIComponent(topic)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await response.json() as Record<string, unknown>;
  return { status: response.status, json };
}

describe("a Worker in workerd (plaintext)", () => {
  test("produces records that kcat reads back byte for byte, using the Workers platform and the TypeScript CRC-32C", async () => {
    const topic = createTopic(uniqueTopic("workers-plain"), 3);
    const records = Array.from({ length: 50 }, (_, i) => ({ key: i % 5 === 0 ? null : `key-${i % 7}`, value: `value-${i}-ü✓` }));
    const { status, json } = await produce(topic, { records });
    expect({ status, error: json.error }).toEqual({ status: 200, error: undefined });
    expect(json.runtime).toBe("cloudflare");
    expect(json.crc32c).toBe("table");
    const metadata = json.metadata as Array<{ partition: number; offset: string }>;
    expect(metadata).toHaveLength(50);
    const read = kcatRead(bootstrap, topic);
    expect(read).toHaveLength(50);
    const byPosition = new Map(read.map((r) => [`${r.partition}:${r.offset}`, r]));
    records.forEach((sent, i) => {
      const got = byPosition.get(`${metadata[i]!.partition}:${metadata[i]!.offset}`)!;
      expect({ key: text(got.key), value: text(got.value) }).toEqual({ key: sent.key, value: sent.value });
    });
  }, 120_000);

  test("several requests in a row each produce with their own producer", async () => {
    const topic = createTopic(uniqueTopic("workers-seq"), 1);
    for (let n = 0; n < 3; n++) {
      const { status } = await produce(topic, { records: [{ key: `k${n}`, value: `v${n}` }] });
      expect(status).toBe(200);
    }
    expect(kcatRead(bootstrap, topic).map((r) => text(r.value))).toEqual(["v0", "v1", "v2"]);
  }, 120_000);

  test("max.connections above Workers' six is a ConfigError naming the cap", async () => {
    const { status, json } = await produce("unused", { records: [{ value: "x" }], maxConnections: 7 });
    expect(status).toBe(500);
    expect(json.error).toEqual({
      name: "ConfigError",
      message: 'Invalid value "7" for "max.connections": this runtime allows at most "6" connections at once (Cloudflare Workers: per request)',
    });
  }, 60_000);

  test("a broker nobody listens on fails the send with an error naming host:port", async () => {
    const { status, json } = await produce("unused", { records: [{ value: "x" }], bootstrap: "127.0.0.1:1", maxBlockMs: 1500 });
    expect(status).toBe(500);
    const error = json.error as { name: string; message: string };
    expect(error.name).toBe("MetadataTimeoutError");
    expect(error.message).toContain('Connection to "127.0.0.1:1" failed');
  }, 60_000);

  test.each(["gzip", "snappy", "lz4", "zstd"] as const)(
    "%s from @edgekafka/producer/codecs: kcat reads the records back and DumpLogSegments shows the codec on every batch",
    async (codec) => {
      const topic = createTopic(uniqueTopic(`workers-${codec}`), 1);
      const records = Array.from({ length: 200 }, (_, i) => ({ key: i % 4 === 0 ? null : `key-${i % 9}`, value: `${codec} value ${i} `.repeat(20) }));
      const { status, json } = await produce(topic, { records, compression: codec, codecs: true });
      expect({ status, error: json.error }).toEqual({ status: 200, error: undefined });
      const read = kcatRead(bootstrap, topic);
      expect(read.map((r) => ({ key: text(r.key), value: text(r.value) }))).toEqual(records);
      const batches = dumpBatches(topic);
      if (batches !== null) {
        expect(batches.length).toBeGreaterThan(0);
        for (const b of batches) expect(b.compresscodec).toBe(codec);
      }
    },
    120_000,
  );

  test("a codec the Workers platform lacks, without the codecs option, is a ConfigError naming the import to add", async () => {
    const { status, json } = await produce("unused", { records: [{ value: "x" }], compression: "lz4" });
    expect(status).toBe(500);
    expect(json.error).toEqual({
      name: "ConfigError",
      message: 'Compression codec "lz4" is not available: Cloudflare Workers have no lz4; add it with import { lz4 } from "@edgekafka/producer/codecs" and the option codecs: { lz4 }',
    });
  }, 60_000);

  test("the encode path's cost per record and the TypeScript CRC-32C's speed, measured in workerd", async () => {
    // The Worker's clock stands still while it computes: time the requests from outside, less an empty one.
    const timed = async (path: string) => {
      const start = performance.now();
      const response = await fetch(`${workerd!.url}${path}`);
      expect(response.status).toBe(200);
      await response.json();
      return performance.now() - start;
    };
    await timed("/bench/encode?n=100000"); // warm-up (JIT)
    await timed("/bench/crc?n=200");
    const best = async (path: string) => Math.min(await timed(path), await timed(path), await timed(path));
    const empty = await best("/bench/encode?n=0");
    const RECORDS = 300_000;
    const encodeMs = (await best(`/bench/encode?n=${RECORDS}`)) - empty;
    const CRCS = 1000;
    const crcMs = (await best(`/bench/crc?n=${CRCS}`)) - empty;
    const usPerRecord = (encodeMs * 1000) / RECORDS;
    const crcMBps = (CRCS * 64) / 1024 / (crcMs / 1000);
    console.log(`workerd: encode ${usPerRecord.toFixed(2)} µs per 100-byte record (${Math.round(RECORDS / (encodeMs / 1000))} records/s, ` +
      `16 KiB batches sealed with the TypeScript CRC-32C); CRC-32C ${Math.round(crcMBps)} MB/s on 64 KiB`);
    // Generous bounds (a shared 2-core machine): a busy loop or a per-byte slow path would break them.
    expect(usPerRecord).toBeLessThan(20);
    expect(crcMBps).toBeGreaterThan(100);
  }, 120_000);
});

/**
 * Bad input gets typed errors, and the producer keeps serving: after every
 * bad `send()`, a good one on the same producer succeeds (checked on the
 * real broker).
 *
 * - every configuration key with a value of the wrong type, under its Java
 *   and camelCase names (table-driven over `CONFIG_KEYS`) → `ConfigError`
 *   naming the key; out-of-range values; unknown keys with a suggestion;
 * - a record over `max.request.size` (or `buffer.memory`) → `RecordTooLargeError`;
 * - invalid topic names, negative or fractional partitions, bad headers or
 *   timestamps → `InvalidRecordError`; an explicit partition beyond the
 *   topic's count → `MetadataTimeoutError` after `max.block.ms` (as Java);
 * - a throwing serializer, or a key/value of the wrong type without one →
 *   `SerializationError`;
 * - an interceptor whose `onSend` throws: logged through the `logger`, the
 *   record is still sent;
 * - an `AbortSignal` ends a send waiting for metadata, and the sends queued
 *   behind it go on.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CONFIG_KEYS,
  ConfigError,
  InvalidRecordError,
  MetadataTimeoutError,
  Producer,
  type ProducerInterceptor,
  type RecordMetadata,
  RecordTooLargeError,
  SerializationError,
} from "../../mod.ts";
import type { ConfigKey } from "../../src/config.ts";
import { createReadyTopic, RecordingLogger, sleep, Tracked, within } from "../helpers/engine.ts";
import { cluster, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";

let bootstrap = "";
let good = "";
const producers: Producer<unknown, unknown>[] = [];
const PARTITIONS = 3;

beforeAll(() => {
  bootstrap = cluster();
  good = createReadyTopic(bootstrap, uniqueTopic("engine-bad-good"), PARTITIONS);
}, 180_000);

afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 5_000 })));
});

function producer<K = unknown, V = unknown>(options: Omit<ConstructorParameters<typeof Producer<K, V>>[0], "bootstrapServers"> = {}): Producer<K, V> {
  const p = new Producer<K, V>({ bootstrapServers: bootstrap, maxBlockMs: 1_500, ...options });
  producers.push(p as Producer<unknown, unknown>);
  return p;
}

let goodCount = 0;
/** A good send on the same producer succeeds (and lands where it says). */
async function expectGoodSend(p: Producer<unknown, unknown>, value: unknown = `good-${goodCount}`): Promise<RecordMetadata> {
  goodCount++;
  const md = await within(p.send({ topic: good, key: `good-key-${goodCount}`, value }), 15_000, "good send");
  expect(md.topic).toBe(good);
  expect(md.offset).toBeGreaterThanOrEqual(0n);
  return md;
}

/** What a send settled with (a rejection or a callback error), within `ms`. */
async function sendError(p: Producer<unknown, unknown>, record: unknown, ms = 10_000): Promise<unknown> {
  return await within(
    p.send(record as never).then(() => "resolved (expected an error)", (e: unknown) => e),
    ms,
    "bad send",
  );
}

function expectError<T extends Error>(error: unknown, type: new (...args: never[]) => T, exact = true): T {
  expect(error).toBeInstanceOf(type);
  if (exact) expect((error as Error).constructor).toBe(type);
  return error as T;
}

/** Values of the wrong type for a configuration key, from its documented type. */
function wrongValues(key: ConfigKey): unknown[] {
  if (key.type === "boolean") return ["yes", 1, {}, []];
  if (key.camelName === "acks") return [2, "maybe", true, {}];
  // An object of codecs ({} is a valid, empty one).
  if (key.camelName === "codecs") return [42, true, "lz4", [], { zstandard: {} }];
  if (/integer|\d/.test(key.type)) return ["5ms", 1.5, true, {}, [1], Number.NaN];
  return [42, true, {}];
}

describe("configuration", () => {
  const cases: Array<[string, string, unknown]> = [];
  for (const key of CONFIG_KEYS) {
    for (const name of [key.camelName, key.javaName].filter((n): n is string => n !== null)) {
      for (const value of wrongValues(key)) cases.push([key.javaName ?? key.camelName, name, value]);
    }
  }

  test(`every key with a value of the wrong type → ConfigError naming the key (${cases.length} cases)`, () => {
    expect(new Set(cases.map(([k]) => k)).size).toBe(CONFIG_KEYS.length);
    for (const [key, name, value] of cases) {
      const options: Record<string, unknown> = key === "bootstrap.servers" ? { [name]: value } : { bootstrapServers: bootstrap, [name]: value };
      let error: unknown;
      try {
        new Producer(options as never);
      } catch (e) {
        error = e;
      }
      if (!(error instanceof ConfigError)) throw new Error(`${name} = ${String(value)}: expected a ConfigError, got ${String(error)}`);
      expect({ name, value, key: error.key }).toEqual({ name, value, key });
      expect(error.message).toContain(`"${name}"`);
    }
  });

  test("values out of range and cross-key rules → ConfigError naming the key", () => {
    const bad: Array<[Record<string, unknown>, string, string]> = [
      [{ lingerMs: -1 }, "linger.ms", "must be at least 0"],
      [{ "batch.size": -5 }, "batch.size", "must be at least 0"],
      [{ maxInFlightRequestsPerConnection: 0 }, "max.in.flight.requests.per.connection", "must be at least 1"],
      [{ maxInFlightRequestsPerConnection: 6 }, "max.in.flight.requests.per.connection", "at most 5"],
      [{ metadataMaxIdleMs: 1000 }, "metadata.max.idle.ms", "must be at least 5000"],
      [{ compressionGzipLevel: 0 }, "compression.gzip.level", "must be -1 or between 1 and 9"],
      [{ compressionType: "brotli" }, "compression.type", `expected one of "none", "gzip", "snappy", "lz4", "zstd"`],
      [{ compressionLz4Level: 18 }, "compression.lz4.level", "must be at most 17"],
      [{ compressionZstdLevel: 23 }, "compression.zstd.level", "must be at most 22"],
      [{ deliveryTimeoutMs: 1000, lingerMs: 5, requestTimeoutMs: 2000 }, "delivery.timeout.ms", "linger.ms + request.timeout.ms"],
      [{ acks: 1, enableIdempotence: true }, "acks", "idempotent producer"],
      [{ lingerMs: 5, "linger.ms": 6 }, "linger.ms", "Conflicting values"],
      [{ "bootstrap.servers": "no-port" }, "bootstrap.servers", `expected "host:port"`],
      [{ bootstrapServers: [] }, "bootstrap.servers", "must not be empty"],
      [{ securityProtocol: "TLS" }, "security.protocol", "Invalid value"],
      [{ securityProtocol: "SSL", sslKeystoreKey: "k" }, "ssl.keystore.key", "expected a PEM private key"],
      [{ securityProtocol: "SASL_SSL", saslMechanism: "GSSAPI" }, "sasl.mechanism", `Value "GSSAPI" of "saslMechanism" is not supported by edgekafka`],
      [{ securityProtocol: "SASL_SSL" }, "sasl.mechanism", `security.protocol "SASL_SSL" needs "sasl.mechanism"`],
      [{ securityProtocol: "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-512" }, "sasl.jaas.config", `needs a user name and password: set "sasl.jaas.config"`],
      [{ securityProtocol: "SASL_SSL", saslMechanism: "PLAIN", saslJaasConfig: 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";' },
        "sasl.jaas.config", "which does not do PLAIN"],
      [{ securityProtocol: "SASL_SSL", saslMechanism: "OAUTHBEARER" }, "sasl.oauthbearer.token.endpoint.url", "needs a token"],
    ];
    for (const [options, key, fragment] of bad) {
      const all = "bootstrapServers" in options || "bootstrap.servers" in options ? options : { bootstrapServers: bootstrap, ...options };
      let error: unknown;
      try {
        new Producer(all as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect({ options, key: (error as ConfigError).key }).toEqual({ options, key });
      expect((error as Error).message).toContain(fragment);
    }
    // Properties (all strings): a number is refused.
    let error: unknown;
    try {
      Producer.fromProperties({ "bootstrap.servers": bootstrap, "linger.ms": 5 as unknown as string });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).key).toBe("linger.ms");
  });

  test("unknown keys → ConfigError with the closest known name", () => {
    const cases: Array<[string, string | null]> = [
      ["lingerMS", "lingerMs"],
      ["linger.msec", "linger.ms"],
      ["bathSize", "batchSize"],
      ["partitionerClass", "partitioner"],
      ["max.request.sise", "max.request.size"],
      ["totallyUnknownOption", null],
    ];
    for (const [name, suggestion] of cases) {
      let error: unknown;
      try {
        new Producer({ bootstrapServers: bootstrap, [name]: 5 } as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).key).toBe(name);
      expect((error as Error).message).toBe(
        `Unknown configuration key "${name}"` + (suggestion === null ? "" : `; did you mean "${suggestion}"?`),
      );
    }
    let error: unknown;
    try {
      new Producer({ bootstrapServers: bootstrap, "sasl.kerberos.service.name": "kafka" } as never);
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).key).toBe("sasl.kerberos.service.name");
    expect((error as Error).message).toContain("not supported by edgekafka");
  });
});

describe("records", () => {
  let p: Producer<unknown, unknown>;
  const logger = new RecordingLogger();
  beforeAll(async () => {
    p = producer({ maxRequestSize: 100_000, logger });
    await expectGoodSend(p);
  }, 30_000);

  test("a record over max.request.size → RecordTooLargeError naming max.request.size", async () => {
    const error = expectError(await sendError(p, { topic: good, value: "x".repeat(150_000) }), RecordTooLargeError);
    expect(error.limit).toBe("max.request.size");
    expect(error.message).toContain("max.request.size");
    expect(error.message).toContain(good);
    // Just under the limit is fine.
    const md = await expectGoodSend(p, "y".repeat(90_000));
    expect(kcatRead(bootstrap, good, { partition: md.partition }).find((r) => r.offset === Number(md.offset))?.value?.length).toBe(90_000);
  }, 30_000);

  test("a record over buffer.memory → RecordTooLargeError naming buffer.memory", async () => {
    const small = producer({ bufferMemory: 50_000, maxRequestSize: 100_000, batchSize: 16384 });
    await expectGoodSend(small);
    const error = expectError(await sendError(small, { topic: good, value: "z".repeat(60_000) }), RecordTooLargeError);
    expect(error.limit).toBe("buffer.memory");
    expect(error.message).toContain("buffer.memory");
    await expectGoodSend(small);
  }, 30_000);

  test("invalid topic names → InvalidRecordError", async () => {
    const names: unknown[] = ["", "a b", ".", "..", "x".repeat(250), "tópico", "a/b", "t:1", 42, null, undefined];
    for (const topic of names) {
      const error = expectError(await sendError(p, { topic, value: "v" }), InvalidRecordError);
      expect(error.message.length).toBeGreaterThan(0);
      await expectGoodSend(p);
    }
    // Not even an object.
    expectError(await sendError(p, null), InvalidRecordError);
    // The longest legal name passes validation (the topic does not exist: it times out instead).
    const error = await sendError(p, { topic: "x".repeat(249), value: "v" });
    expectError(error, MetadataTimeoutError);
    await expectGoodSend(p);
  }, 60_000);

  test("negative, fractional or non-numeric partitions → InvalidRecordError at once", async () => {
    for (const partition of [-1, -2, 1.5, Number.NaN, "1", Infinity]) {
      const started = Date.now();
      const error = expectError(await sendError(p, { topic: good, partition, value: "v" }), InvalidRecordError);
      expect(error.message).toContain("partition");
      expect(Date.now() - started).toBeLessThan(500);
      await expectGoodSend(p);
    }
  }, 30_000);

  test("an explicit partition beyond the topic's partition count → MetadataTimeoutError after max.block.ms", async () => {
    const started = Date.now();
    const error = expectError(await sendError(p, { topic: good, partition: PARTITIONS, value: "v" }), MetadataTimeoutError);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1_450);
    expect(waited).toBeLessThan(1_500 + 3_000);
    expect(error.topic).toBe(good);
    expect(error.partition).toBe(PARTITIONS);
    expect(error.message).toBe(`Partition ${PARTITIONS} of topic "${good}" with partition count ${PARTITIONS} is not present in metadata after 1500 ms`);
    await expectGoodSend(p);
  }, 30_000);

  test("bad headers and timestamps → InvalidRecordError", async () => {
    const bad: unknown[] = [
      { topic: good, value: "v", headers: { h: 42 } },
      { topic: good, value: "v", headers: [["h"]] },
      { topic: good, value: "v", headers: [[1, "v"]] },
      { topic: good, value: "v", headers: "h=v" },
      { topic: good, value: "v", timestamp: -1 },
      { topic: good, value: "v", timestamp: 1.5 },
      { topic: good, value: "v", timestamp: "yesterday" },
      { topic: good, value: "v", timestamp: new Date("invalid") },
    ];
    for (const record of bad) {
      expectError(await sendError(p, record), InvalidRecordError);
      await expectGoodSend(p);
    }
  }, 30_000);

  test("a key or value of the wrong type without a serializer → SerializationError", async () => {
    const bad: unknown[] = [
      { topic: good, value: 42 },
      { topic: good, value: { a: 1 } },
      { topic: good, value: true },
      { topic: good, value: [1, 2] },
      { topic: good, key: 42, value: "v" },
      { topic: good, key: new ArrayBuffer(4), value: "v" },
    ];
    for (const record of bad) {
      const error = expectError(await sendError(p, record), SerializationError);
      expect(error.message).toContain(good);
      await expectGoodSend(p);
    }
    // The callback form gets the same error, and only once.
    const calls: Array<[Error | null, RecordMetadata | null]> = [];
    p.send({ topic: good, value: 42 } as never, (e, md) => calls.push([e, md]));
    await sleep(50);
    expect(calls).toHaveLength(1);
    expectError(calls[0]![0], SerializationError);
    expect(calls[0]![1]).toBeNull();
    await expectGoodSend(p);
  }, 30_000);

  test("a serializer that throws (or returns a non-byte value) → SerializationError, with the cause", async () => {
    const boom = new Error("cannot serialize this");
    const s = producer<string | number, { bad?: boolean; n?: number }>({
      // Returns numbers as they are: not bytes.
      keySerializer: (k) => k as string,
      valueSerializer: {
        serialize: (_topic, v) => {
          if (v.bad) throw boom;
          return JSON.stringify(v);
        },
      },
    });
    const good1 = await within(s.send({ topic: good, key: "k", value: { n: 1 } }), 15_000, "good typed send");
    const error = expectError(await sendError(s as Producer<unknown, unknown>, { topic: good, key: "k", value: { bad: true } }), SerializationError);
    expect(error.cause).toBe(boom);
    expect(error.message).toContain("value serializer");
    expect(error.message).toContain("cannot serialize this");
    // A key serializer returning a number is caught too.
    const keyError = expectError(await sendError(s as Producer<unknown, unknown>, { topic: good, key: 12345, value: { n: 2 } }), SerializationError);
    expect(keyError.message).toContain("key serializer");
    const good2 = await within(s.send({ topic: good, key: "k", value: { n: 3 } }), 15_000, "good typed send");
    const read = kcatRead(bootstrap, good, { partition: good1.partition }).filter((r) => r.offset === Number(good1.offset) || r.offset === Number(good2.offset));
    expect(read.map((r) => text(r.value))).toEqual([`{"n":1}`, `{"n":3}`]);
  }, 30_000);

  test("a custom partitioner returning a partition out of range (or throwing) fails that send only", async () => {
    const thrown = new Error("partitioner exploded");
    const q = producer({
      partitioner: (_t, key) => {
        if (key === "explode") throw thrown;
        return key === "far" ? 99 : 0;
      },
    });
    await expectGoodSend(q);
    const error = expectError(await sendError(q, { topic: good, key: "far", value: "v" }), InvalidRecordError);
    expect(error.message).toContain("99");
    await expectGoodSend(q);
    expect(await sendError(q, { topic: good, key: "explode", value: "v" })).toBe(thrown);
    await expectGoodSend(q);
  }, 30_000);

  test("an interceptor whose onSend throws: logged, the record is still sent (through the next interceptors)", async () => {
    const interceptorLogger = new RecordingLogger();
    const acks: Array<[RecordMetadata | null, Error | null]> = [];
    const interceptors: ProducerInterceptor[] = [
      {
        onSend: (r) => {
          if (r.value === "boom") throw new Error("interceptor failure");
          return r;
        },
      },
      { onSend: (r) => ({ ...r, headers: { seen: "yes" } }), onAcknowledgement: (md, e) => acks.push([md, e]) },
    ];
    const q = producer({ interceptors, logger: interceptorLogger });
    const md = await within(q.send({ topic: good, partition: 1, value: "boom" }), 15_000, "send through a throwing interceptor");
    const warnings = interceptorLogger.matching("warn", /Interceptor onSend threw/);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.fields?.error)).toContain("interceptor failure");
    const r = kcatRead(bootstrap, good, { partition: 1 }).find((x) => x.offset === Number(md.offset))!;
    expect(text(r.value)).toBe("boom");
    expect(r.headers).toEqual([["seen", "yes"]]);
    expect(acks.some(([m, e]) => e === null && m?.offset === md.offset)).toBe(true);
    // A send that fails early is reported to onAcknowledgement with the error.
    expectError(await sendError(q, { topic: "bad topic", value: "v" }), InvalidRecordError);
    expect(acks.some(([m, e]) => m === null && e instanceof InvalidRecordError)).toBe(true);
    await expectGoodSend(q);
  }, 30_000);

  test("an AbortSignal ends a send waiting for metadata; sends queued behind it go on", async () => {
    const q = producer({ maxBlockMs: 20_000 });
    await expectGoodSend(q);
    const missing = uniqueTopic("engine-bad-missing");
    const abort = new AbortController();
    const reason = new Error("changed my mind");
    const started = Date.now();
    const waiting = new Tracked(q.send({ topic: missing, value: "never" }, { signal: abort.signal }));
    // Queued behind the waiting one (records are appended in send order).
    const behind = new Tracked(q.send({ topic: good, value: "behind-the-waiting-one" }));
    await sleep(300);
    expect(waiting.settled).toBe(false);
    abort.abort(reason);
    const [w, b] = await within(Promise.all([waiting.done, behind.done]), 10_000, "abort");
    expect(w.ok).toBe(false);
    expect(w.error).toBe(reason);
    expect(w.at - started).toBeLessThan(3_000); // far below max.block.ms
    expect(b.ok).toBe(true);
    // An already aborted signal: rejected at once, promise and callback forms.
    const already = AbortSignal.abort(reason);
    const e1 = await within(q.send({ topic: good, value: "v" }, { signal: already }).then(() => null, (e: unknown) => e), 1_000, "aborted send");
    expect(e1).toBe(reason);
    const calls: unknown[] = [];
    q.send({ topic: good, value: "v" }, (e) => calls.push(e), { signal: already });
    await sleep(50);
    expect(calls).toEqual([reason]);
    // AbortSignal.timeout() while waiting for metadata.
    const timed = await within(q.send({ topic: missing, value: "v" }, { signal: AbortSignal.timeout(200) }).then(() => null, (e: unknown) => e), 5_000, "timed-out send");
    expect((timed as Error).name).toBe("TimeoutError");
    await expectGoodSend(q);
  }, 30_000);

  test("the logger saw no errors from the sender loop", () => {
    expect(logger.lines.filter((l) => l.level === "error")).toEqual([]);
  });
});

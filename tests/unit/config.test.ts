/**
 * src/config.ts: Java's ProducerConfig rules. Expected defaults and messages
 * were checked against kafka-clients 4.4.0 (`new ProducerConfig(map)` and
 * `KafkaProducer.configureDeliveryTimeout`).
 */

import type { ProducerInterceptor } from "../../src/extensions.ts";
import { describe, expect, test } from "bun:test";
import { CONFIG_KEYS, configFromProperties, configTableMarkdown, resolveConfig, type ResolvedConfig } from "../../src/config.ts";
import { ConfigError } from "../../src/errors.ts";
import { silentLogger } from "../../src/logger.ts";

const BOOT = { bootstrapServers: "localhost:9092" };

/** Runs `fn`, expects a ConfigError with this key and exact message. */
function configError(fn: () => unknown, key: string, message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toBe(message);
  expect((error as ConfigError).key).toBe(key);
}

const resolve = (options: Record<string, unknown>) => resolveConfig({ ...BOOT, ...options });

/** Java 4.x defaults, by Java name (as resolved values). */
const JAVA_DEFAULTS: Record<string, unknown> = {
  "acks": -1,
  "enable.idempotence": true,
  "retries": 2147483647,
  "linger.ms": 5,
  "batch.size": 16384,
  "buffer.memory": 33554432,
  "max.block.ms": 60000,
  "max.queued.records": 2147483647, // edgekafka: no cap unless set
  "request.timeout.ms": 30000,
  "delivery.timeout.ms": 120000,
  "max.in.flight.requests.per.connection": 5,
  "max.request.size": 1048576,
  "retry.backoff.ms": 100,
  "retry.backoff.max.ms": 1000,
  "metadata.max.age.ms": 300000,
  "metadata.max.idle.ms": 300000,
  "metadata.recovery.strategy": "rebootstrap",
  "metadata.recovery.rebootstrap.trigger.ms": 300000,
  "reconnect.backoff.ms": 50,
  "reconnect.backoff.max.ms": 1000,
  "connections.max.idle.ms": 540000,
  "socket.connection.setup.timeout.ms": 10000,
  "socket.connection.setup.timeout.max.ms": 30000,
  "partitioner.class": null,
  "partitioner.adaptive.partitioning.enable": true,
  "partitioner.availability.timeout.ms": 0,
  "partitioner.ignore.keys": false,
  "compression.type": "none",
  "compression.gzip.level": -1,
  "compression.lz4.level": 9,
  "compression.zstd.level": 3,
  "transactional.id": null,
  "transaction.timeout.ms": 60000,
  "interceptor.classes": [],
  "key.serializer": null,
  "value.serializer": null,
  "security.protocol": "PLAINTEXT",
  "ssl.truststore.certificates": null,
  "ssl.truststore.location": null,
  "ssl.keystore.certificate.chain": null,
  "ssl.keystore.key": null,
  "ssl.key.password": null,
  "ssl.endpoint.identification.algorithm": "https",
  "sasl.mechanism": null,
  "sasl.jaas.config": null,
  "sasl.oauthbearer.token.endpoint.url": null,
  "sasl.oauthbearer.client.credentials.client.id": null,
  "sasl.oauthbearer.client.credentials.client.secret": null,
  "sasl.oauthbearer.scope": null,
};

const camelOf = (javaName: string) => CONFIG_KEYS.find((k) => k.javaName === javaName)!.camelName;
const field = (config: ResolvedConfig, name: string) => (config as unknown as Record<string, unknown>)[name];

describe("defaults", () => {
  test("every key defaults to Java 4.x's value", () => {
    const config = resolveConfig(BOOT);
    for (const [javaName, value] of Object.entries(JAVA_DEFAULTS)) {
      expect({ javaName, value: field(config, camelOf(javaName)) }).toEqual({ javaName, value });
    }
    expect(config.bootstrapServers).toEqual([{ host: "localhost", port: 9092 }]);
    expect(config.logger).toBe(silentLogger);
    expect(config.connect).toBeNull();
    expect(config.notes).toEqual([]);
    expect([...config.explicit]).toEqual(["bootstrap.servers"]);
  });

  test("every Java key in the table has a default checked above", () => {
    // max.connections is edgekafka's own key (in Java's style), checked below.
    const own = ["bootstrap.servers", "client.id", "max.connections"];
    const javaNames = CONFIG_KEYS.map((k) => k.javaName).filter((n) => n !== null && !own.includes(n));
    expect(javaNames.sort()).toEqual(Object.keys(JAVA_DEFAULTS).sort());
  });

  test("client.id defaults to producer-N with a per-process counter, or producer-<transactional.id>", () => {
    const first = Number(/^producer-(\d+)$/.exec(resolveConfig(BOOT).clientId)![1]);
    expect(resolveConfig(BOOT).clientId).toBe(`producer-${first + 1}`);
    expect(resolve({ transactionalId: "tx" }).clientId).toBe("producer-tx");
    expect(resolve({ clientId: "mine" }).clientId).toBe("mine");
    expect(resolve({ "client.id": "" }).clientId).toBe(""); // Java keeps an explicit empty id
    expect(resolveConfig(BOOT).clientId).toBe(`producer-${first + 2}`); // the two above used no number
  });

  test("the result is frozen, interceptors are not shared", () => {
    const a = resolveConfig(BOOT);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a.interceptors).not.toBe(resolveConfig(BOOT).interceptors);
  });

  test("a missing bootstrap.servers is an error", () => {
    configError(() => resolveConfig({}), "bootstrap.servers", `Missing required configuration "bootstrap.servers"`);
    configError(() => resolveConfig({ bootstrapServers: undefined }), "bootstrap.servers", `Missing required configuration "bootstrap.servers"`);
  });
});

/** One non-default value per key, as a user writes it and as resolved. */
const SAMPLES: Array<[string, unknown, unknown]> = [
  ["bootstrap.servers", "a:1,b:2", [{ host: "a", port: 1 }, { host: "b", port: 2 }]],
  ["client.id", "c", "c"],
  ["acks", "1", 1],
  ["enable.idempotence", false, false],
  ["retries", 3, 3],
  ["linger.ms", 20, 20],
  ["batch.size", 1000, 1000],
  ["buffer.memory", 1 << 20, 1 << 20],
  ["max.block.ms", 1000, 1000],
  ["request.timeout.ms", 1000, 1000],
  ["delivery.timeout.ms", 200000, 200000],
  ["max.in.flight.requests.per.connection", 1, 1],
  ["max.request.size", 2000, 2000],
  ["retry.backoff.ms", 10, 10],
  ["retry.backoff.max.ms", 20, 20],
  ["metadata.max.age.ms", 1000, 1000],
  ["metadata.max.idle.ms", 5000, 5000],
  ["metadata.recovery.strategy", " NONE ", "none"],
  ["metadata.recovery.rebootstrap.trigger.ms", 1000, 1000],
  ["reconnect.backoff.ms", 1, 1],
  ["reconnect.backoff.max.ms", 2, 2],
  ["connections.max.idle.ms", -1, -1],
  ["socket.connection.setup.timeout.ms", 100, 100],
  ["socket.connection.setup.timeout.max.ms", 200, 200],
  ["partitioner.adaptive.partitioning.enable", false, false],
  ["partitioner.availability.timeout.ms", 7, 7],
  ["partitioner.ignore.keys", true, true],
  ["compression.type", "gzip", "gzip"],
  ["compression.gzip.level", 9, 9],
  ["transactional.id", "tx", "tx"],
  ["transaction.timeout.ms", 1000, 1000],
  ["security.protocol", "plaintext", "PLAINTEXT"],
];

describe("names", () => {
  test.each(SAMPLES)("%s works under its Java and camelCase name", (javaName, value, expected) => {
    const camel = camelOf(javaName);
    const base = javaName === "bootstrap.servers" ? {} : BOOT;
    const byJava = resolveConfig({ ...base, [javaName]: value });
    const byCamel = resolveConfig({ ...base, [camel]: value });
    expect(field(byJava, camel)).toEqual(expected);
    expect(field(byCamel, camel)).toEqual(expected);
    expect(byJava.explicit.has(javaName)).toBe(true);
    expect(byCamel.explicit.has(javaName)).toBe(true);
  });

  test("function-valued options work under both names", () => {
    const partitioner = () => 0;
    const serializer = (data: unknown) => String(data);
    const interceptor: ProducerInterceptor = { onSend: (r) => r };
    const connect = async () => ({ write: async () => {}, close: () => {} });
    const a = resolve({ "partitioner.class": partitioner, "key.serializer": serializer, "interceptor.classes": [interceptor] });
    const b = resolve({ partitioner, keySerializer: serializer, interceptors: [interceptor], logger: console, connect });
    expect([a.partitioner, a.keySerializer, a.interceptors[0]]).toEqual([partitioner, serializer, interceptor]);
    expect([b.partitioner, b.keySerializer, b.interceptors[0]]).toEqual([partitioner, serializer, interceptor]);
    expect(b.logger).toBe(console);
    expect(b.connect).toBe(connect);
    expect(b.explicit.has("logger")).toBe(true);
    const object = { serialize: () => null };
    expect(resolve({ valueSerializer: object }).valueSerializer).toBe(object);
  });

  test("Java and camelCase names mix in one object", () => {
    const config = resolveConfig({ "bootstrap.servers": "a:1", lingerMs: 50, "batch.size": 1, acks: 0, "enable.idempotence": false });
    expect([config.lingerMs, config.batchSize, config.acks, config.enableIdempotence]).toEqual([50, 1, 0, false]);
    expect([...config.explicit].sort()).toEqual(["acks", "batch.size", "bootstrap.servers", "enable.idempotence", "linger.ms"]);
  });

  test("the same key under both names must agree", () => {
    expect(resolve({ lingerMs: 5, "linger.ms": "5" }).lingerMs).toBe(5);
    expect(resolveConfig({ bootstrapServers: ["a:1"], "bootstrap.servers": "a:1" }).bootstrapServers).toHaveLength(1);
    configError(() => resolve({ lingerMs: 5, "linger.ms": 10 }), "linger.ms", `Conflicting values for "lingerMs" ("5") and "linger.ms" ("10")`);
    configError(() => resolve({ "partitioner.class": () => 1, partitioner: () => 2 }), "partitioner.class",
      `Conflicting values for "partitioner.class" ("function") and "partitioner" ("function")`);
  });

  test("undefined means not set", () => {
    const config = resolve({ lingerMs: undefined, acks: undefined });
    expect(config.lingerMs).toBe(5);
    expect(config.explicit.has("linger.ms")).toBe(false);
  });

  test("a non-object configuration is a TypeError", () => {
    expect(() => resolveConfig(null as never)).toThrow(TypeError);
    expect(() => resolveConfig("a:1" as never)).toThrow(`Producer configuration must be an object, got "a:1"`);
  });
});

describe("types", () => {
  test.each([
    ["abc"], ["5ms"], ["5.0"], [""], ["0x10"], ["1e3"], [5.5], [Number.NaN], [Number.POSITIVE_INFINITY], [true], [null], [[5]],
  ])("linger.ms rejects %p", (value) => {
    const shown = Array.isArray(value) ? "[5]" : String(value);
    configError(() => resolve({ "linger.ms": value }), "linger.ms", `Invalid value "${shown}" for "linger.ms": expected an integer`);
  });

  test("the message names the key as written, `.key` is the Java name", () => {
    configError(() => resolve({ lingerMs: "abc" }), "linger.ms", `Invalid value "abc" for "lingerMs": expected an integer`);
  });

  test("integers may be numeric strings (Java trims them)", () => {
    expect(resolve({ "linger.ms": " 7 " }).lingerMs).toBe(7);
    expect(resolve({ lingerMs: "+7" }).lingerMs).toBe(7);
    expect(resolve({ lingerMs: 7.0 }).lingerMs).toBe(7);
    expect(Object.is(resolve({ lingerMs: -0 }).lingerMs, 0)).toBe(true);
  });

  test("booleans", () => {
    expect(resolve({ partitionerIgnoreKeys: "TRUE" }).partitionerIgnoreKeys).toBe(true);
    expect(resolve({ "partitioner.ignore.keys": " false " }).partitionerIgnoreKeys).toBe(false);
    configError(() => resolve({ "partitioner.ignore.keys": "yes" }), "partitioner.ignore.keys",
      `Invalid value "yes" for "partitioner.ignore.keys": expected a boolean`);
    configError(() => resolve({ enableIdempotence: 1 }), "enable.idempotence", `Invalid value "1" for "enableIdempotence": expected a boolean`);
  });

  test("acks", () => {
    for (const [value, expected] of [["all", -1], ["-1", -1], ["0", 0], ["1", 1], [-1, -1], [0, 0], [1, 1]] as const) {
      expect(resolve({ acks: value, enableIdempotence: false }).acks).toBe(expected);
    }
    for (const value of ["ALL", "2", 2, " all", true]) { // Java's validator is case-sensitive and exact
      configError(() => resolve({ acks: value }), "acks", `Invalid value "${value}" for "acks": expected one of "all", "-1", "0", "1"`);
    }
  });

  test("strings, functions, objects", () => {
    configError(() => resolve({ clientId: 5 }), "client.id", `Invalid value "5" for "clientId": expected a string`);
    configError(() => resolve({ transactionalId: "" }), "transactional.id", `Invalid value "" for "transactionalId": must not be empty`);
    configError(() => resolve({ partitioner: 5 }), "partitioner.class", `Invalid value "5" for "partitioner": expected a function`);
    configError(() => resolve({ keySerializer: {} }), "key.serializer",
      `Invalid value "{}" for "keySerializer": expected a function or an object with a serialize method`);
    configError(() => resolve({ interceptors: {} }), "interceptor.classes",
      `Invalid value "{}" for "interceptors": expected an array of interceptor objects`);
    configError(() => resolve({ interceptors: [{ onSend: () => 0 }, { onSend: 5 }] }), "interceptor.classes",
      `Invalid interceptor at index "1" in "interceptors": expected an object with "onSend", "onAcknowledgement", "onSendError" or "close" methods`);
    configError(() => resolve({ interceptors: [{}] }), "interceptor.classes",
      `Invalid interceptor at index "0" in "interceptors": expected an object with "onSend", "onAcknowledgement", "onSendError" or "close" methods`);
    configError(() => resolve({ logger: { info() {} } }), "logger",
      `Invalid value "{}" for "logger": expected a logger with debug, info, warn and error methods`);
    configError(() => resolve({ connect: "node" }), "connect", `Invalid value "node" for "connect": expected a function`);
  });
});

describe("ranges", () => {
  test.each([
    ["linger.ms", -1, "must be at least 0"],
    ["batch.size", -1, "must be at least 0"],
    ["retries", -1, "must be at least 0"],
    ["retries", "2147483648", "must be at most 2147483647"],
    ["request.timeout.ms", 2147483648, "must be at most 2147483647"],
    ["max.in.flight.requests.per.connection", 0, "must be at least 1"],
    ["metadata.max.idle.ms", 4999, "must be at least 5000"],
    ["connections.max.idle.ms", -2, "must be at least -1"],
    ["transaction.timeout.ms", 0, "must be at least 1"],
    ["compression.gzip.level", 0, "must be -1 or between 1 and 9"],
    ["compression.gzip.level", 10, "must be at most 9"],
    ["compression.gzip.level", -2, "must be at least -1"],
    ["buffer.memory", 2 ** 53, "must be at most 9007199254740991"],
    ["max.block.ms", "9223372036854775808000", "must be at most 9223372036854775807"],
  ])("%s = %p: %s", (key, value, problem) => {
    configError(() => resolve({ [key]: value }), key, `Invalid value "${value}" for "${key}": ${problem}`);
  });

  test("bounds themselves are accepted", () => {
    const config = resolve({ retries: 2147483647, "metadata.max.idle.ms": 5000, "compression.gzip.level": 1, "batch.size": 0 });
    expect([config.retries, config.metadataMaxIdleMs, config.compressionGzipLevel, config.batchSize]).toEqual([2147483647, 5000, 1, 0]);
  });

  test("durations Java types as long are capped at 2^31-1 ms, with a note", () => {
    const config = resolve({ "max.block.ms": "9223372036854775807", lingerMs: 2 ** 40 });
    expect(config.maxBlockMs).toBe(2147483647);
    expect(config.lingerMs).toBe(2147483647);
    expect(config.notes).toContain(`"max.block.ms" ("9223372036854775807") is capped at "2147483647" ms, the longest a JavaScript timer can wait`);
    expect(config.deliveryTimeoutMs).toBe(2147483647); // raised to min(linger + request timeout, 2^31-1), as Java
  });
});

describe("bootstrap.servers", () => {
  test("arrays, comma-separated strings, IPv6, whitespace, PLAINTEXT://", () => {
    expect(resolveConfig({ bootstrapServers: ["[::1]:9092", " b:2 ", "PLAINTEXT://c.example.com:3"] }).bootstrapServers)
      .toEqual([{ host: "::1", port: 9092 }, { host: "b", port: 2 }, { host: "c.example.com", port: 3 }]);
    expect(resolveConfig({ "bootstrap.servers": "10.0.0.1:1, [fe80::1%eth0]:2" }).bootstrapServers)
      .toEqual([{ host: "10.0.0.1", port: 1 }, { host: "fe80::1%eth0", port: 2 }]);
  });

  test("duplicates are dropped with a note", () => {
    const config = resolveConfig({ bootstrapServers: "a:1,a:1" });
    expect(config.bootstrapServers).toEqual([{ host: "a", port: 1 }]);
    expect(config.notes).toEqual([`Duplicate entry "a:1" in "bootstrapServers" is ignored`]);
  });

  test.each([
    ["localhost", `Invalid entry "localhost" in "bootstrap.servers": expected "host:port"`],
    ["a:1,,b:2", `Invalid entry "" in "bootstrap.servers": expected "host:port"`],
    ["a:0", `Invalid entry "a:0" in "bootstrap.servers": the port must be between 1 and 65535`],
    ["a:65536", `Invalid entry "a:65536" in "bootstrap.servers": the port must be between 1 and 65535`],
    ["a:x", `Invalid entry "a:x" in "bootstrap.servers": expected "host:port"`],
    ["::1:9092", `Invalid entry "::1:9092" in "bootstrap.servers": write IPv6 addresses in brackets, e.g. "[::1]:9092"`],
    ["HTTP://a:9093", `Invalid entry "HTTP://a:9093" in "bootstrap.servers": expected "host:port" (a prefix, if any, is a security protocol such as "SSL://")`],
    ["", `Invalid entry "" in "bootstrap.servers": expected "host:port"`],
  ])("%p is rejected", (value, message) => {
    configError(() => resolveConfig({ "bootstrap.servers": value }), "bootstrap.servers", message);
  });

  test("empty arrays and non-strings are rejected", () => {
    configError(() => resolveConfig({ bootstrapServers: [] }), "bootstrap.servers", `Invalid value "[]" for "bootstrapServers": must not be empty`);
    configError(() => resolveConfig({ bootstrapServers: [9092] }), "bootstrap.servers",
      `Invalid value "[9092]" for "bootstrapServers": expected "host:port" strings`);
  });
});

describe("unknown and unsupported keys", () => {
  test.each([
    ["lingerMS", `; did you mean "lingerMs"?`],
    ["linger.MS", `; did you mean "linger.ms"?`],
    ["lingr.ms", `; did you mean "linger.ms"?`],
    ["bootstrap.server", `; did you mean "bootstrap.servers"?`],
    ["bootstrapServer", `; did you mean "bootstrapServers"?`],
    ["bootstrap_servers", `; did you mean "bootstrapServers"?`],
    ["partitionerClass", `; did you mean "partitioner"?`],
    ["interceptorClasses", `; did you mean "interceptors"?`],
    ["sendBufferByte", `; did you mean "sendBufferBytes"?`],
    ["group.id", ""],
    ["foo", ""],
    ["compression", ""],
  ])("%s", (name, hint) => {
    configError(() => resolve({ [name]: 1 }), name, `Unknown configuration key "${name}"${hint}`);
  });

  test.each([
    ["sasl.kerberos.service.name", "sasl.kerberos.service.name", "SASL is configured with the sasl.* keys of the configuration table (or the sasl option)"],
    ["saslLoginRefreshWindowFactor", "sasl.login.refresh.window.factor", "SASL is configured with the sasl.* keys of the configuration table (or the sasl option)"],
    ["ssl.keystore.location", "ssl.keystore.location", "TLS is configured with the PEM settings only (see the ssl.* rows of the configuration table)"],
    ["sslProtocol", "ssl.protocol", "TLS is configured with the PEM settings only (see the ssl.* rows of the configuration table)"],
    ["security.providers", "security.providers", "security providers cannot be loaded"],
    ["metric.reporters", "metric.reporters", "it has no metrics reporters"],
    ["metricsNumSamples", "metrics.num.samples", "it has no metrics reporters"],
    ["auto.include.jmx.reporter", "auto.include.jmx.reporter", "it has no metrics reporters"],
    ["transaction.two.phase.commit.enable", "transaction.two.phase.commit.enable", "it does not support two-phase commit"],
  ])("%s is not supported", (name, key, reason) => {
    configError(() => resolve({ [name]: "x" }), key, `Configuration key "${name}" is not supported by edgekafka: ${reason}`);
  });

  test("security.protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", () => {
    expect(resolve({ "security.protocol": "PLAINTEXT" }).securityProtocol).toBe("PLAINTEXT");
    expect(resolve({ "security.protocol": "ssl" }).securityProtocol).toBe("SSL");
    const plain = { saslMechanism: "PLAIN", sasl: { mechanism: "PLAIN", username: "u", password: "p" } };
    expect(resolve({ "security.protocol": "sasl_ssl", ...plain }).securityProtocol).toBe("SASL_SSL");
    expect(resolve({ securityProtocol: "SASL_PLAINTEXT", ...plain }).securityProtocol).toBe("SASL_PLAINTEXT");
    configError(() => resolve({ securityProtocol: "TLS" }), "security.protocol",
      `Invalid value "TLS" for "securityProtocol": expected "PLAINTEXT", "SSL", "SASL_PLAINTEXT" or "SASL_SSL"`);
  });

  test("a listener prefix on a bootstrap server is accepted and says nothing about security", () => {
    const config = resolveConfig({ bootstrapServers: "SSL://a:9093,SASL_SSL://b:9094" });
    expect(config.bootstrapServers).toEqual([{ host: "a", port: 9093 }, { host: "b", port: 9094 }]);
    expect(config.securityProtocol).toBe("PLAINTEXT");
  });

  test("metadata.recovery.strategy: none or rebootstrap, in any case; anything else names the key", () => {
    expect(resolve({ "metadata.recovery.strategy": "REBOOTSTRAP" }).metadataRecoveryStrategy).toBe("rebootstrap");
    expect(resolve({ metadataRecoveryStrategy: "none" }).metadataRecoveryStrategy).toBe("none");
    configError(() => resolve({ "metadata.recovery.strategy": "retry" }), "metadata.recovery.strategy",
      `Invalid value "retry" for "metadata.recovery.strategy": expected one of "none", "rebootstrap"`);
    configError(() => resolve({ metadataRecoveryStrategy: 1 }), "metadata.recovery.strategy",
      `Invalid value "1" for "metadataRecoveryStrategy": expected one of "none", "rebootstrap"`);
    configError(() => resolve({ "metadata.recovery.rebootstrap.trigger.ms": -1 }), "metadata.recovery.rebootstrap.trigger.ms",
      `Invalid value "-1" for "metadata.recovery.rebootstrap.trigger.ms": must be at least 0`);
  });

  test("socket buffer sizes, metrics push and DNS lookup are validated, then ignored with a note", () => {
    const config = resolve({ "send.buffer.bytes": -1, receiveBufferBytes: "65536", "enable.metrics.push": false, "client.dns.lookup": "use_all_dns_ips" });
    expect(config.notes).toEqual([
      `"send.buffer.bytes" is ignored: JavaScript runtimes do not expose socket buffer sizes`,
      `"receiveBufferBytes" is ignored: JavaScript runtimes do not expose socket buffer sizes`,
      `"client.dns.lookup" is ignored: the runtime resolves host names`,
    ]);
    expect(resolve({ enableMetricsPush: true }).notes).toEqual([`"enableMetricsPush" is ignored: edgekafka does not push client metrics`]);
    configError(() => resolve({ "send.buffer.bytes": "big" }), "send.buffer.bytes", `Invalid value "big" for "send.buffer.bytes": expected an integer`);
    configError(() => resolve({ "receive.buffer.bytes": -2 }), "receive.buffer.bytes", `Invalid value "-2" for "receive.buffer.bytes": must be at least -1`);
    configError(() => resolve({ "client.dns.lookup": "resolve_canonical_bootstrap_servers_only" }), "client.dns.lookup",
      `Value "resolve_canonical_bootstrap_servers_only" of "client.dns.lookup" is not supported by edgekafka`);
    configError(() => resolve({ "client.dns.lookup": "default" }), "client.dns.lookup",
      `Invalid value "default" for "client.dns.lookup": expected "use_all_dns_ips"`);
  });
});

describe("compression", () => {
  test.each(["none", "gzip", "snappy", "lz4", "zstd"])("%s is accepted", (codec) => {
    expect(resolve({ compressionType: codec }).compressionType).toBe(codec);
  });

  test.each(["GZIP", "brotli", ""])("%p is invalid", (codec) => {
    configError(() => resolve({ "compression.type": codec }), "compression.type",
      `Invalid value "${codec}" for "compression.type": expected one of "none", "gzip", "snappy", "lz4", "zstd"`);
  });

  test("levels default to Java's and take Java's ranges (KIP-390)", () => {
    const config = resolve({});
    expect([config.compressionGzipLevel, config.compressionLz4Level, config.compressionZstdLevel]).toEqual([-1, 9, 3]);
    expect(resolve({ "compression.lz4.level": 17, "compression.zstd.level": -131072 })).toMatchObject({
      compressionLz4Level: 17,
      compressionZstdLevel: -131072,
    });
    for (const [key, bad] of [["compression.lz4.level", 0], ["compression.lz4.level", 18], ["compression.zstd.level", 23], ["compression.zstd.level", -131073]] as const) {
      expect(() => resolve({ [key]: bad })).toThrow(`Invalid value "${bad}" for "${key}"`);
    }
  });
});

describe("delivery.timeout.ms", () => {
  const JAVA_MESSAGE = "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms";

  test("set explicitly below linger.ms + request.timeout.ms: error", () => {
    configError(() => resolve({ deliveryTimeoutMs: 1000 }), "delivery.timeout.ms", `${JAVA_MESSAGE} ("1000" < "5" + "30000")`);
    configError(() => resolve({ "delivery.timeout.ms": 30004, "linger.ms": 5 }), "delivery.timeout.ms",
      `${JAVA_MESSAGE} ("30004" < "5" + "30000")`);
  });

  test("set explicitly to exactly linger.ms + request.timeout.ms: accepted", () => {
    expect(resolve({ deliveryTimeoutMs: 30005 }).deliveryTimeoutMs).toBe(30005);
  });

  test("not set and too small: raised, with a note", () => {
    const config = resolve({ requestTimeoutMs: 200000 });
    expect(config.deliveryTimeoutMs).toBe(200005);
    expect(config.notes).toEqual([`${JAVA_MESSAGE}: setting it to "200005"`]);
    expect(config.explicit.has("delivery.timeout.ms")).toBe(false);
  });
});

describe("idempotence", () => {
  test("on by default", () => {
    expect(resolveConfig(BOOT).enableIdempotence).toBe(true);
  });

  test("conflicts turn it off when it was not set, with a note each", () => {
    const acks1 = resolve({ acks: "1" });
    expect(acks1.enableIdempotence).toBe(false);
    expect(acks1.notes).toEqual([`Idempotence is disabled because acks is set to "1", not "all"`]);
    expect(resolve({ acks: 0 }).notes).toEqual([`Idempotence is disabled because acks is set to "0", not "all"`]);
    const retries0 = resolve({ retries: 0 });
    expect(retries0.enableIdempotence).toBe(false);
    expect(retries0.notes).toEqual([`Idempotence is disabled because retries is set to "0"`]);
    expect(resolve({ retries: 0, acks: 1 }).notes).toHaveLength(2);
    expect(resolve({ acks: "all", enableIdempotence: false }).enableIdempotence).toBe(false);
  });

  test("conflicts are errors when it was set to true (Java's messages)", () => {
    configError(() => resolve({ enableIdempotence: true, acks: "1" }), "acks",
      "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence");
    configError(() => resolve({ "enable.idempotence": "true", retries: 0 }), "retries",
      "Must set retries to non-zero when using the idempotent producer");
    configError(() => resolve({ enableIdempotence: true, retries: 0, acks: 0 }), "retries",
      "Must set retries to non-zero when using the idempotent producer"); // Java checks retries first
  });

  test("more than 5 in flight is an error whenever idempotence is on (Kafka 4.0, KAFKA-17927)", () => {
    const message = `To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5. Current value is "6"`;
    configError(() => resolve({ enableIdempotence: true, maxInFlightRequestsPerConnection: 6 }), "max.in.flight.requests.per.connection", message);
    configError(() => resolve({ maxInFlightRequestsPerConnection: 6 }), "max.in.flight.requests.per.connection",
      `${message} (idempotence is on by default: set enable.idempotence to false to allow more)`);
    // As in Java 4.4: another conflict does not switch idempotence off before this check.
    expect(() => resolve({ acks: 1, maxInFlightRequestsPerConnection: 10 })).toThrow(ConfigError);
    expect(resolve({ enableIdempotence: false, maxInFlightRequestsPerConnection: 10 }).maxInFlightRequestsPerConnection).toBe(10);
  });

  test("transactional.id needs idempotence", () => {
    const config = resolve({ transactionalId: "tx" });
    expect([config.enableIdempotence, config.transactionalId]).toEqual([true, "tx"]);
    configError(() => resolve({ transactionalId: "tx", enableIdempotence: false }), "transactional.id",
      "Cannot set a transactional.id without also enabling idempotence");
    configError(() => resolve({ transactionalId: "tx", acks: "1" }), "transactional.id",
      `Cannot set a transactional.id without also enabling idempotence (it was disabled because acks is set to "1", not "all")`);
    expect(resolve({ transactionalId: null, acks: 1 }).enableIdempotence).toBe(false);
  });
});

describe("backoffs", () => {
  test("retry.backoff.ms above retry.backoff.max.ms: a static backoff of the max (Java 4.x ExponentialBackoff)", () => {
    const config = resolve({ retryBackoffMs: 2000 });
    expect([config.retryBackoffMs, config.retryBackoffMaxMs]).toEqual([1000, 1000]);
    expect(config.notes).toEqual([`retry.backoff.ms ("2000") is greater than retry.backoff.max.ms ("1000"): a static backoff of "1000" ms will be applied`]);
  });

  test("reconnect.backoff.ms set alone disables exponential reconnect backoff", () => {
    const config = resolve({ "reconnect.backoff.ms": 77 });
    expect([config.reconnectBackoffMs, config.reconnectBackoffMaxMs]).toEqual([77, 77]);
    expect(config.notes).toEqual([
      "Exponential reconnect backoff is disabled because reconnect.backoff.ms is set but reconnect.backoff.max.ms is not",
    ]);
    expect(resolve({ reconnectBackoffMs: 77, reconnectBackoffMaxMs: 5000 }).reconnectBackoffMaxMs).toBe(5000);
  });

  test("socket.connection.setup.timeout.ms above its max", () => {
    const config = resolve({ socketConnectionSetupTimeoutMs: 60000 });
    expect(config.socketConnectionSetupTimeoutMs).toBe(30000);
    expect(config.notes).toEqual([
      `socket.connection.setup.timeout.ms ("60000") is greater than socket.connection.setup.timeout.max.ms ("30000"): a static connection setup timeout of "30000" ms will be applied`,
    ]);
  });
});

describe("configFromProperties", () => {
  test("every value is a string", () => {
    const config = configFromProperties({
      "bootstrap.servers": "a:1, b:2",
      "acks": "all",
      "linger.ms": "20",
      "enable.idempotence": "TRUE",
      "partitioner.ignore.keys": "true",
      "compression.type": "gzip",
      "compression.gzip.level": "6",
      "transactional.id": "tx",
      "connections.max.idle.ms": "-1",
      "key.serializer": "org.apache.kafka.common.serialization.StringSerializer",
      "value.serializer": "org.apache.kafka.common.serialization.ByteArraySerializer",
      "interceptor.classes": "",
      "batchSize": "100",
    });
    expect(config.bootstrapServers).toEqual([{ host: "a", port: 1 }, { host: "b", port: 2 }]);
    expect([config.acks, config.lingerMs, config.enableIdempotence, config.partitionerIgnoreKeys]).toEqual([-1, 20, true, true]);
    expect([config.compressionType, config.compressionGzipLevel, config.transactionalId, config.clientId]).toEqual(["gzip", 6, "tx", "producer-tx"]);
    expect([config.connectionsMaxIdleMs, config.keySerializer, config.valueSerializer, config.interceptors, config.batchSize])
      .toEqual([-1, null, null, [], 100]);
  });

  test("non-string values are rejected", () => {
    configError(() => configFromProperties({ "bootstrap.servers": "a:1", "linger.ms": 5 as never }), "linger.ms",
      `Invalid value "5" for "linger.ms": expected a string (properties values are strings)`);
  });

  test("class names cannot be loaded", () => {
    configError(() => configFromProperties({ "bootstrap.servers": "a:1", "partitioner.class": "org.apache.kafka.clients.producer.RoundRobinPartitioner" }),
      "partitioner.class",
      `Cannot load partitioner class "org.apache.kafka.clients.producer.RoundRobinPartitioner": pass the "partitioner" option as a function (topic, key, value, numPartitions) => partition`);
    configError(() => configFromProperties({ "bootstrap.servers": "a:1", "interceptor.classes": "com.example.Audit" }),
      "interceptor.classes", `Cannot load interceptor classes "com.example.Audit": pass objects with the "interceptors" option`);
    configError(() => configFromProperties({ "bootstrap.servers": "a:1", "value.serializer": "io.confluent.kafka.serializers.KafkaAvroSerializer" }),
      "value.serializer",
      `Cannot load serializer class "io.confluent.kafka.serializers.KafkaAvroSerializer" for "value.serializer": pass the "valueSerializer" option as a function or an object with a serialize method (only "org.apache.kafka.common.serialization.StringSerializer" and "org.apache.kafka.common.serialization.ByteArraySerializer" are recognised)`);
  });

  test("junk is not coerced", () => {
    configError(() => configFromProperties({ "bootstrap.servers": "a:1", "linger.ms": "5ms" }), "linger.ms",
      `Invalid value "5ms" for "linger.ms": expected an integer`);
    configError(() => configFromProperties({ "bootstrap.servers": "a:1", "retries": "" }), "retries", `Invalid value "" for "retries": expected an integer`);
  });
});

describe("CONFIG_KEYS and configTableMarkdown", () => {
  test("the table has unique names and is frozen", () => {
    const java = CONFIG_KEYS.map((k) => k.javaName).filter((n) => n !== null);
    const camel = CONFIG_KEYS.map((k) => k.camelName);
    expect(new Set(java).size).toBe(java.length);
    expect(new Set(camel).size).toBe(camel.length);
    expect(Object.isFrozen(CONFIG_KEYS) && Object.isFrozen(CONFIG_KEYS[0])).toBe(true);
    expect(CONFIG_KEYS.find((k) => k.javaName === "acks")).toMatchObject({ camelName: "acks", default: `"all"` });
    expect(CONFIG_KEYS.find((k) => k.javaName === "linger.ms")).toMatchObject({ default: "5", type: "integer ≥ 0" });
  });

  test("the markdown table has a row per key and escapes pipes", () => {
    const lines = configTableMarkdown().trimEnd().split("\n");
    expect(lines[0]).toBe("| Java name | camelCase | type | default | description |");
    expect(lines).toHaveLength(CONFIG_KEYS.length + 2);
    expect(lines).toContain(
      "| `compression.type` | `compressionType` | `\"none\" \\| \"gzip\" \\| \"snappy\" \\| \"lz4\" \\| \"zstd\"` | `\"none\"` | Codec for record batches; zstd only where the runtime has one (Bun, Deno, Node.js 22.15+). |",
    );
    expect(lines.find((l) => l.startsWith("| `bootstrap.servers`"))).toContain("| (required) |");
    expect(lines.find((l) => l.startsWith("| — | `logger`"))).toBeDefined();
    for (const line of lines) expect(line.replace(/\\\|/g, "").split("|")).toHaveLength(7);
  });
});

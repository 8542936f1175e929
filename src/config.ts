/**
 * The producer's configuration, as Java's `ProducerConfig`: every key under
 * its Java property name (`linger.ms`) and in camelCase (`lingerMs`), Java's
 * defaults (Kafka 4.x), validation, and the checks that span several keys
 * (idempotence, `delivery.timeout.ms`, backoffs; the rules themselves are in
 * `config_rules.ts`).
 *
 * Decisions where Java gives no answer or JavaScript differs:
 * - Numeric keys take numbers or strings that are exactly an integer (as
 *   Java's `Map<String, Object>` constructor does); booleans take booleans or
 *   "true"/"false". Nothing else is coerced.
 * - `undefined` means "not set"; an unknown key is an error (Java only warns).
 * - Duration keys that Java types as `long` are capped at 2147483647 ms, the
 *   longest a JavaScript timer waits (with a note).
 * - `send.buffer.bytes`, `receive.buffer.bytes`, `enable.metrics.push` and
 *   `client.dns.lookup=use_all_dns_ips` are validated and ignored (with a
 *   note); Kerberos (GSSAPI), the `sasl.*` and `ssl.*` keys other than
 *   the ones in the table, and metrics keys are errors.
 * - Private keys and passwords are {@linkcode Password}s from the moment
 *   they are read: no message, note or printed configuration shows them.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { PartitionerFunction, ProducerInterceptor } from "./extensions.ts";
import type { Platform, PlatformCodecs } from "./platform.ts";
import type { Connect, TlsOptions } from "./socket.ts";
import { Password } from "./password.ts";
import { checkOtherKey, CONFIG_KEYS, KEY_SPECS, type KeySpec } from "./config_keys.ts";
import { applyBackoffRules, applyDeliveryTimeoutRule, applyIdempotenceRules, type ConfigValues } from "./config_rules.ts";
import { show } from "./config_parsers.ts";
import { resolveTls, type TlsValues } from "./config_tls.ts";
import { resolveSasl, type SaslValues } from "./config_sasl.ts";
import type { ResolvedSaslConfig, SaslOptions } from "./config_sasl_types.ts";

export { CONFIG_KEYS, type ConfigKey } from "./config_keys.ts";
export type { CamelCaseProducerOptions, ProducerOptions } from "./config_names.ts";
import type { ProducerOptions } from "./config_names.ts";

import type { Serializer } from "./serde.ts";
export type { ProducerInterceptor, Serializer };

/**
 * A configuration with every key resolved and checked: what the producer's
 * parts read. Built by {@linkcode resolveConfig} or {@linkcode configFromProperties}.
 *
 * @example Usage
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const config = resolveConfig({ "bootstrap.servers": "a:9092", acks: "1" });
 * console.assert(config.acks === 1 && !config.enableIdempotence && config.notes.length === 1);
 * ```
 */
export interface ResolvedConfig extends ResolvedSaslConfig {
  /** `bootstrap.servers`: the brokers to ask for metadata first. */
  readonly bootstrapServers: Array<{ host: string; port: number }>;
  /** `client.id`: sent with every request, for broker logs and quotas. */
  readonly clientId: string;
  /** `acks`: -1 (all in-sync replicas), 1 (the leader) or 0 (no acknowledgement). */
  readonly acks: -1 | 0 | 1;
  /** `enable.idempotence`: sequence numbers make retries write each record once. */
  readonly enableIdempotence: boolean;
  /** `retries`: how often a failed batch is resent (bounded by `deliveryTimeoutMs`). */
  readonly retries: number;
  /** `linger.ms`: how long a batch waits for more records before it is sent. */
  readonly lingerMs: number;
  /** `batch.size`: the size of a partition's batch in bytes. */
  readonly batchSize: number;
  /** `buffer.memory`: the bytes all batches waiting to be sent may take. */
  readonly bufferMemory: number;
  /** `max.block.ms`: how long `send()` waits for metadata or buffer memory. */
  readonly maxBlockMs: number;
  /** `max.queued.records`: records that may wait for metadata or memory before sends fail at once. */
  readonly maxQueuedRecords: number;
  /** `request.timeout.ms`: how long a request waits for its response. */
  readonly requestTimeoutMs: number;
  /** Raised to `lingerMs + requestTimeoutMs` when not set and smaller. */
  readonly deliveryTimeoutMs: number;
  /** `max.in.flight.requests.per.connection`: unanswered requests per broker. */
  readonly maxInFlightRequestsPerConnection: number;
  /** `max.request.size`: the largest request (and record) in bytes. */
  readonly maxRequestSize: number;
  /** Never above `retryBackoffMaxMs` (Java then backs off statically by the max). */
  readonly retryBackoffMs: number;
  /** `retry.backoff.max.ms`: the longest wait before a retry. */
  readonly retryBackoffMaxMs: number;
  /** `metadata.max.age.ms`: metadata older than this is refreshed. */
  readonly metadataMaxAgeMs: number;
  /** `metadata.max.idle.ms`: a topic not used for this long leaves the metadata. */
  readonly metadataMaxIdleMs: number;
  /** `metadata.recovery.strategy`: "rebootstrap" goes back to `bootstrap.servers` when the known brokers are gone. */
  readonly metadataRecoveryStrategy: "none" | "rebootstrap";
  /** `metadata.recovery.rebootstrap.trigger.ms`: re-bootstrap after this long without metadata. */
  readonly metadataRecoveryRebootstrapTriggerMs: number;
  /** Never above `reconnectBackoffMaxMs`. */
  readonly reconnectBackoffMs: number;
  /** `reconnect.backoff.max.ms`: the longest wait before reconnecting to a broker. */
  readonly reconnectBackoffMaxMs: number;
  /** -1: never close idle connections. */
  readonly connectionsMaxIdleMs: number;
  /** Never above `socketConnectionSetupTimeoutMaxMs`. */
  readonly socketConnectionSetupTimeoutMs: number;
  /** `socket.connection.setup.timeout.max.ms`: the longest connection setup timeout. */
  readonly socketConnectionSetupTimeoutMaxMs: number;
  /** `max.connections`: connections open at once; null: the platform's cap, if any. */
  readonly maxConnections: number | null;
  /** `partitioner.class`: a custom partitioner, or null for the built-in one. */
  readonly partitioner: PartitionerFunction | null;
  /** `partitioner.adaptive.partitioning.enable`: sticky partitions favour faster brokers. */
  readonly partitionerAdaptivePartitioningEnable: boolean;
  /** `partitioner.availability.timeout.ms`: a partition this slow is skipped (0: never). */
  readonly partitionerAvailabilityTimeoutMs: number;
  /** `partitioner.ignore.keys`: keyed records are spread like unkeyed ones. */
  readonly partitionerIgnoreKeys: boolean;
  /** `compression.type`: how batches are compressed. */
  readonly compressionType: "none" | "gzip" | "snappy" | "lz4" | "zstd";
  /** `compression.gzip.level`: the gzip level (-1: the codec's default). */
  readonly compressionGzipLevel: number;
  /** `compression.lz4.level`: the lz4 level (9: the fast compressor). */
  readonly compressionLz4Level: number;
  /** `compression.zstd.level`: the zstd level. */
  readonly compressionZstdLevel: number;
  /** `transactional.id`: enables transactions; null without them. */
  readonly transactionalId: string | null;
  /** `transaction.timeout.ms`: the coordinator aborts a transaction open longer. */
  readonly transactionTimeoutMs: number;
  /** `interceptor.classes`: the interceptors, in order. */
  readonly interceptors: ProducerInterceptor[];
  /** null: Uint8Array, string (UTF-8) and null pass through. */
  readonly keySerializer: Serializer | null;
  /** `value.serializer`; null: Uint8Array, string (UTF-8) and null pass through. */
  readonly valueSerializer: Serializer | null;
  /** `security.protocol`: how connections are secured. */
  readonly securityProtocol: "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL";
  /** `ssl.truststore.certificates`: PEM CA certificates to trust (null: the runtime's roots). */
  readonly sslTruststoreCertificates: string | null;
  /** `ssl.truststore.location`: path of a PEM file of CA certificates to trust. */
  readonly sslTruststoreLocation: string | null;
  /** `ssl.keystore.certificate.chain`: the client's PEM certificate chain (mTLS). */
  readonly sslKeystoreCertificateChain: string | null;
  /** Printed as `[hidden]`; `.value()` gives the PEM. */
  readonly sslKeystoreKey: Password | null;
  /** Printed as `[hidden]`. */
  readonly sslKeyPassword: Password | null;
  /** "https" or "" (no host-name check). */
  readonly sslEndpointIdentificationAlgorithm: "https" | "";
  /** What the socket adapters get for TLS, from the keys above; null for PLAINTEXT. */
  readonly tls: TlsOptions | null;
  /** Where edgekafka logs (silent by default). */
  readonly logger: Logger;
  /** The runtime platform set by the `platform` option; null: the default one. */
  readonly platform: Platform | null;
  /** Codecs set by the `codecs` option, used before the platform's; null: the platform's only. */
  readonly codecs: PlatformCodecs | null;
  /** The socket adapter set by the `connect` option; null: the platform's. */
  readonly connect: Connect | null;
  /** Java names of the keys the user set (camelCase for `logger`, `platform`, `connect`). */
  readonly explicit: ReadonlySet<string>;
  /** Informational lines for the producer to log (adjusted or ignored settings). */
  readonly notes: string[];
}

const BY_NAME = new Map<string, KeySpec>();
for (const spec of KEY_SPECS) {
  BY_NAME.set(spec.camelName, spec);
  if (spec.javaName !== null) BY_NAME.set(spec.javaName, spec);
}

/** Java's `PRODUCER_CLIENT_ID_SEQUENCE`: numbers default client ids, from 1. */
let clientIdSequence = 1;

/**
 * Resolves producer options given under Java names, camelCase names, or a
 * mix: checks every value, fills in Java's defaults and applies Java's
 * cross-key rules. Throws a {@linkcode ConfigError} (with `key` set to the
 * Java name) on the first problem.
 *
 * @example Java names and camelCase together
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const config = resolveConfig({ bootstrapServers: "localhost:9092", "linger.ms": 10, batchSize: 65536 });
 * console.assert(config.lingerMs === 10 && config.acks === -1 && config.explicit.has("linger.ms"));
 * ```
 */
export function resolveConfig(input: ProducerOptions | Record<string, unknown>): ResolvedConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new TypeError(`Producer configuration must be an object, got "${show(input)}"`);
  }
  const notes: string[] = [];
  const values: ConfigValues = {};
  const setAs = new Map<KeySpec, string>(); // spec → the name it was set under
  for (const [name, raw] of Object.entries(input)) {
    const spec = BY_NAME.get(name);
    if (spec === undefined) {
      checkOtherKey(name, raw, notes);
      continue;
    }
    if (raw === undefined) continue;
    const value = spec.parse(raw, name, notes);
    const earlier = setAs.get(spec);
    if (earlier !== undefined && !same(values[spec.camelName], value)) {
      // Secrets are not quoted back.
      const quote = (v: unknown) => (value instanceof Password ? "" : ` ("${show(v)}")`);
      throw new ConfigError(
        keyOf(spec),
        `Conflicting values for "${earlier}"${quote((input as ConfigValues)[earlier])} and "${name}"${quote(raw)}`,
      );
    }
    setAs.set(spec, name);
    values[spec.camelName] = value;
  }
  const explicit = new Set([...setAs.keys()].map(keyOf));
  for (const { camelName, defaultValue } of KEY_SPECS) {
    values[camelName] ??= Array.isArray(defaultValue) ? [...defaultValue] : defaultValue;
  }
  if (values.bootstrapServers === undefined) {
    throw new ConfigError("bootstrap.servers", `Missing required configuration "bootstrap.servers"`);
  }
  applyBackoffRules(values, { explicit, notes });
  applyIdempotenceRules(values, { explicit, notes });
  applyDeliveryTimeoutRule(values, { explicit, notes });
  const tls = resolveTls(values as unknown as TlsValues, explicit, notes);
  values.sasl = resolveSasl(values as unknown as SaslValues, explicit, notes);
  if (!explicit.has("client.id")) values.clientId = `producer-${values.transactionalId ?? clientIdSequence++}`;
  const config: ConfigValues = {};
  for (const spec of KEY_SPECS) config[spec.camelName] = values[spec.camelName];
  return Object.freeze({ ...config, tls, explicit, notes }) as unknown as ResolvedConfig;
}

/**
 * Resolves a Java `Properties`-style configuration, where every value is a
 * string: `"5"`, `"true"`, `"all"`, `"a:9092,b:9092"`. Class names cannot be
 * loaded: only Java's `StringSerializer` and `ByteArraySerializer` are
 * understood (as "no conversion"); partitioners, interceptors and other
 * serializers must be passed as options to {@linkcode resolveConfig}.
 *
 * @example Usage
 * ```ts
 * import { configFromProperties } from "./config.ts";
 * const config = configFromProperties({ "bootstrap.servers": "a:9092,b:9092", "linger.ms": "20", acks: "1" });
 * console.assert(config.bootstrapServers.length === 2 && config.lingerMs === 20 && config.acks === 1);
 * ```
 */
export function configFromProperties(props: Record<string, string>): ResolvedConfig {
  if (typeof props !== "object" || props === null || Array.isArray(props)) {
    throw new TypeError(`Properties must be an object of strings, got "${show(props)}"`);
  }
  for (const [name, value] of Object.entries(props)) {
    if (typeof value !== "string") {
      const spec = BY_NAME.get(name);
      throw new ConfigError(
        spec ? keyOf(spec) : name,
        `Invalid value "${show(value)}" for "${name}": expected a string (properties values are strings)`,
      );
    }
  }
  return resolveConfig(props);
}

/**
 * The configuration table in Markdown (Java name | camelCase | type |
 * default | description), for the README.
 *
 * @example Usage
 * ```ts
 * import { configTableMarkdown } from "@edgekafka/producer";
 * console.assert(configTableMarkdown().includes("| `linger.ms` | `lingerMs` | `integer ≥ 0` | `5` |"));
 * ```
 */
export function configTableMarkdown(): string {
  const code = (text: string) => `\`${text.replace(/\|/g, "\\|")}\``;
  const lines = ["| Java name | camelCase | type | default | description |", "| --- | --- | --- | --- | --- |"];
  for (const { javaName, camelName, type, default: text, doc } of CONFIG_KEYS) {
    const row = [javaName === null ? "—" : code(javaName), code(camelName), code(type)];
    row.push(text === "(required)" ? text : code(text), doc.replace(/\|/g, "\\|"));
    lines.push(`| ${row.join(" | ")} |`);
  }
  return lines.join("\n") + "\n";
}

function keyOf(spec: KeySpec): string {
  return spec.javaName ?? spec.camelName;
}

/** Values set under two names are the same: equal primitives, arrays of equal items, equal addresses. */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Password && b instanceof Password) return a.value() === b.value();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  const x = a as { host?: unknown; port?: unknown } | null;
  const y = b as { host?: unknown; port?: unknown } | null;
  return typeof x === "object" && typeof y === "object" && x !== null && y !== null &&
    typeof x.host === "string" && x.host === y.host && x.port === y.port;
}

/**
 * The option types under both spellings the producer accepts at run time:
 * Java property names (`"linger.ms"`) and camelCase (`lingerMs`), mixed
 * freely. The types are mapped from the camelCase interface through
 * {@linkcode JAVA_NAMES}, which a unit test keeps equal to the key table
 * (`CONFIG_KEYS` in `config_keys.ts`).
 *
 * @module
 */

import type { Logger } from "./logger.ts";
import type { PartitionerFunction, ProducerInterceptor } from "./extensions.ts";
import type { Platform, PlatformCodecs } from "./platform.ts";
import type { Serializer } from "./serde.ts";
import type { Connect } from "./socket.ts";
import type { SaslOptions } from "./config_sasl_types.ts";

/**
 * Options of a producer: each key in camelCase (`lingerMs: 5`) or under its
 * Java name (`"linger.ms": 5`, or `"5"` as a properties file has it), mixed
 * freely; see {@linkcode CONFIG_KEYS} for the table.
 *
 * @example Usage
 * ```ts
 * import { Producer, type ProducerOptions } from "@edgekafka/producer";
 * const options: ProducerOptions = { bootstrapServers: ["127.0.0.1:9092"], lingerMs: 20, acks: "all" };
 * await using producer = new Producer(options);
 * const java: ProducerOptions = { "bootstrap.servers": "127.0.0.1:9092", "linger.ms": "20", "enable.idempotence": false };
 * console.assert(producer.config.lingerMs === 20 && java["linger.ms"] === "20");
 * ```
 */
export type ProducerOptions = MixedNamedOptions<CamelCaseProducerOptions>;

/**
 * Options of a producer, in camelCase only (see {@linkcode ProducerOptions}
 * for the type that also takes Java names).
 *
 * @example Usage
 * ```ts
 * import type { CamelCaseProducerOptions } from "@edgekafka/producer";
 * const options: CamelCaseProducerOptions = { bootstrapServers: ["127.0.0.1:9092"], lingerMs: 20 };
 * console.assert(options.lingerMs === 20);
 * ```
 */
export interface CamelCaseProducerOptions extends SaslOptions {
  /** `bootstrap.servers` (required): "host:port" entries (IPv6 as "[::1]:9092"), array or comma-separated. */
  bootstrapServers: string | readonly string[];
  /** `client.id` (default "producer-N", or "producer-" + transactional id): sent with every request. */
  clientId?: string;
  /** `acks` (default "all"): replicas that must have a record before it is acknowledged. */
  acks?: "all" | "-1" | "0" | "1" | -1 | 0 | 1;
  /** `enable.idempotence` (default true; turned off, with a note, if acks/retries conflict and it was not set). */
  enableIdempotence?: boolean;
  /** `retries` (default 2147483647): retries of a failed batch, within `delivery.timeout.ms`. */
  retries?: number;
  /** `linger.ms` (default 5): wait for more records before sending a batch that is not full. */
  lingerMs?: number;
  /** `batch.size` (default 16384): target batch size in bytes per partition. */
  batchSize?: number;
  /** `buffer.memory` (default 33554432): bytes for records waiting to be sent. */
  bufferMemory?: number;
  /** `max.block.ms` (default 60000): how long `send()` may wait for metadata or memory. */
  maxBlockMs?: number;
  /**
   * `max.queued.records` (default 2147483647, no cap): records that may wait for metadata or
   * buffer memory; a send beyond it fails at once with `BufferExhaustedError` (edgekafka only).
   */
  maxQueuedRecords?: number;
  /** `request.timeout.ms` (default 30000): how long to wait for a response. */
  requestTimeoutMs?: number;
  /** `delivery.timeout.ms` (default 120000): bound on reporting a send's outcome; ≥ linger + request timeout. */
  deliveryTimeoutMs?: number;
  /** `max.in.flight.requests.per.connection` (default 5; at most 5 with idempotence). */
  maxInFlightRequestsPerConnection?: number;
  /** `max.request.size` (default 1048576): largest request (and record) in bytes. */
  maxRequestSize?: number;
  /** `retry.backoff.ms` (default 100): first wait before a retry. */
  retryBackoffMs?: number;
  /** `retry.backoff.max.ms` (default 1000): longest wait before a retry. */
  retryBackoffMaxMs?: number;
  /** `metadata.max.age.ms` (default 300000): refresh metadata at least this often. */
  metadataMaxAgeMs?: number;
  /** `metadata.max.idle.ms` (default 300000, at least 5000): forget idle topics' metadata. */
  metadataMaxIdleMs?: number;
  /** `metadata.recovery.strategy` (default "rebootstrap"): go back to `bootstrap.servers` when every known broker is gone. */
  metadataRecoveryStrategy?: "none" | "rebootstrap";
  /** `metadata.recovery.rebootstrap.trigger.ms` (default 300000): re-bootstrap after this long without metadata. */
  metadataRecoveryRebootstrapTriggerMs?: number;
  /** `reconnect.backoff.ms` (default 50): first wait before reconnecting. */
  reconnectBackoffMs?: number;
  /** `reconnect.backoff.max.ms` (default 1000): longest wait before reconnecting. */
  reconnectBackoffMaxMs?: number;
  /** `connections.max.idle.ms` (default 540000; -1 never): close idle connections. */
  connectionsMaxIdleMs?: number;
  /** `socket.connection.setup.timeout.ms` (default 10000): first connect timeout. */
  socketConnectionSetupTimeoutMs?: number;
  /** `socket.connection.setup.timeout.max.ms` (default 30000): longest connect timeout. */
  socketConnectionSetupTimeoutMaxMs?: number;
  /** `max.connections` (default null: the platform's cap, 6 on Cloudflare Workers, else none): connections open at once. */
  maxConnections?: number | null;
  /** `partitioner.class` (default null: built-in murmur2 / uniform sticky): picks a record's partition. */
  partitioner?: PartitionerFunction | null;
  /** `partitioner.adaptive.partitioning.enable` (default true): favour faster brokers. */
  partitionerAdaptivePartitioningEnable?: boolean;
  /** `partitioner.availability.timeout.ms` (default 0 = off): skip slow leaders. */
  partitionerAvailabilityTimeoutMs?: number;
  /** `partitioner.ignore.keys` (default false): partition keyed records as unkeyed. */
  partitionerIgnoreKeys?: boolean;
  /** `compression.type` (default "none"). */
  compressionType?: "none" | "gzip" | "snappy" | "lz4" | "zstd";
  /** `compression.gzip.level` (default -1: the codec's default; else 1–9). */
  compressionGzipLevel?: number;
  /** `compression.lz4.level` (default 9, Kafka's fast compressor; else 1–17). */
  compressionLz4Level?: number;
  /** `compression.zstd.level` (default 3; -131072–22). */
  compressionZstdLevel?: number;
  /** `transactional.id` (default null): enables transactions. */
  transactionalId?: string | null;
  /** `transaction.timeout.ms` (default 60000). */
  transactionTimeoutMs?: number;
  /** `interceptor.classes` (default []): hooks around each record. */
  interceptors?: readonly ProducerInterceptor[];
  /** `key.serializer` (default null: Uint8Array, string and null pass through). */
  keySerializer?: Serializer | null;
  /** `value.serializer` (default null: Uint8Array, string and null pass through). */
  valueSerializer?: Serializer | null;
  /** `security.protocol` (default "PLAINTEXT"): "SSL" for TLS, "SASL_SSL" / "SASL_PLAINTEXT" for SASL (see {@linkcode SaslOptions}). */
  securityProtocol?: "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL";
  /** `ssl.truststore.certificates` (default null): PEM certificates of the CAs to trust. */
  sslTruststoreCertificates?: string | null;
  /** `ssl.truststore.location` (default null): path of a PEM file of the CAs to trust. */
  sslTruststoreLocation?: string | null;
  /** `ssl.keystore.certificate.chain` (default null): PEM client certificate chain (mTLS). */
  sslKeystoreCertificateChain?: string | null;
  /** `ssl.keystore.key` (default null): PEM private key of the client certificate. */
  sslKeystoreKey?: string | null;
  /** `ssl.key.password` (default null): password of an encrypted `ssl.keystore.key`. */
  sslKeyPassword?: string | null;
  /** `ssl.endpoint.identification.algorithm` (default "https": check the host name; "" does not). */
  sslEndpointIdentificationAlgorithm?: "https" | "";
  /** Where edgekafka logs (default: silent). */
  logger?: Logger;
  /** What differs per runtime: sockets and native codecs (default null: the current runtime's). */
  platform?: Platform | null;
  /**
   * Codecs used before the platform's (default null); on platforms without
   * their own (Cloudflare Workers, browsers): `import { lz4 } from "@edgekafka/producer/codecs"`.
   */
  codecs?: PlatformCodecs | null;
  /** The socket transport; replaces the platform's (default null: the platform's). */
  connect?: Connect | null;
}

/**
 * The Java property name of each camelCase option that has one (edgekafka's
 * own options, such as `logger`, have none).
 *
 * @example Usage
 * ```ts
 * import { JAVA_NAMES } from "@edgekafka/producer";
 * console.assert(JAVA_NAMES.lingerMs === "linger.ms" && JAVA_NAMES.partitioner === "partitioner.class");
 * ```
 */
export const JAVA_NAMES = {
  bootstrapServers: "bootstrap.servers",
  clientId: "client.id",
  acks: "acks",
  enableIdempotence: "enable.idempotence",
  retries: "retries",
  lingerMs: "linger.ms",
  batchSize: "batch.size",
  bufferMemory: "buffer.memory",
  maxBlockMs: "max.block.ms",
  maxQueuedRecords: "max.queued.records",
  requestTimeoutMs: "request.timeout.ms",
  deliveryTimeoutMs: "delivery.timeout.ms",
  maxInFlightRequestsPerConnection: "max.in.flight.requests.per.connection",
  maxRequestSize: "max.request.size",
  retryBackoffMs: "retry.backoff.ms",
  retryBackoffMaxMs: "retry.backoff.max.ms",
  metadataMaxAgeMs: "metadata.max.age.ms",
  metadataMaxIdleMs: "metadata.max.idle.ms",
  metadataRecoveryStrategy: "metadata.recovery.strategy",
  metadataRecoveryRebootstrapTriggerMs: "metadata.recovery.rebootstrap.trigger.ms",
  reconnectBackoffMs: "reconnect.backoff.ms",
  reconnectBackoffMaxMs: "reconnect.backoff.max.ms",
  connectionsMaxIdleMs: "connections.max.idle.ms",
  socketConnectionSetupTimeoutMs: "socket.connection.setup.timeout.ms",
  socketConnectionSetupTimeoutMaxMs: "socket.connection.setup.timeout.max.ms",
  maxConnections: "max.connections",
  partitioner: "partitioner.class",
  partitionerAdaptivePartitioningEnable: "partitioner.adaptive.partitioning.enable",
  partitionerAvailabilityTimeoutMs: "partitioner.availability.timeout.ms",
  partitionerIgnoreKeys: "partitioner.ignore.keys",
  compressionType: "compression.type",
  compressionGzipLevel: "compression.gzip.level",
  compressionLz4Level: "compression.lz4.level",
  compressionZstdLevel: "compression.zstd.level",
  transactionalId: "transactional.id",
  transactionTimeoutMs: "transaction.timeout.ms",
  interceptors: "interceptor.classes",
  keySerializer: "key.serializer",
  valueSerializer: "value.serializer",
  securityProtocol: "security.protocol",
  sslTruststoreCertificates: "ssl.truststore.certificates",
  sslTruststoreLocation: "ssl.truststore.location",
  sslKeystoreCertificateChain: "ssl.keystore.certificate.chain",
  sslKeystoreKey: "ssl.keystore.key",
  sslKeyPassword: "ssl.key.password",
  sslEndpointIdentificationAlgorithm: "ssl.endpoint.identification.algorithm",
  saslMechanism: "sasl.mechanism",
  saslJaasConfig: "sasl.jaas.config",
  saslOauthbearerTokenEndpointUrl: "sasl.oauthbearer.token.endpoint.url",
  saslOauthbearerClientCredentialsClientId: "sasl.oauthbearer.client.credentials.client.id",
  saslOauthbearerClientCredentialsClientSecret: "sasl.oauthbearer.client.credentials.client.secret",
  saslOauthbearerScope: "sasl.oauthbearer.scope",
} as const;

/**
 * What a Java-named key takes: the camelCase option's values, and for
 * numbers and booleans also their text (`"5"`, `"true"`), as a Java
 * properties file holds them and as the producer parses them.
 *
 * @example Usage
 * ```ts
 * import type { JavaValue } from "@edgekafka/producer";
 * const linger: JavaValue<number | undefined> = "5";
 * console.assert(linger === "5");
 * ```
 */
export type JavaValue<T> = T extends number ? (number extends T ? T | string : T) : T extends boolean ? T | string : T;

/**
 * Options `O` (camelCase) under their Java names, all optional: `{ lingerMs?: number }`
 * becomes `{ "linger.ms"?: number | string }`. Options without a Java name are left out.
 *
 * @example Usage
 * ```ts
 * import type { CamelCaseProducerOptions, JavaNamedOptions } from "@edgekafka/producer";
 * const java: JavaNamedOptions<CamelCaseProducerOptions> = { "bootstrap.servers": "127.0.0.1:9092", "linger.ms": "5" };
 * console.assert(java["linger.ms"] === "5");
 * ```
 */
export type JavaNamedOptions<O> = {
  [C in keyof O as C extends keyof typeof JAVA_NAMES ? (typeof JAVA_NAMES)[C] : never]?: JavaValue<O[C]>;
};

/**
 * Options `O` (camelCase, with a required `bootstrapServers`) where every
 * key may be given under its camelCase or its Java name, mixed freely;
 * the bootstrap servers are required under one of the two.
 *
 * @example Usage
 * ```ts
 * import type { CamelCaseProducerOptions, MixedNamedOptions } from "@edgekafka/producer";
 * const options: MixedNamedOptions<CamelCaseProducerOptions> = { "bootstrap.servers": "127.0.0.1:9092", lingerMs: 5 };
 * console.assert(options.lingerMs === 5);
 * ```
 */
export type MixedNamedOptions<O extends { bootstrapServers: unknown }> =
  & Partial<Omit<O, "bootstrapServers">>
  & JavaNamedOptions<Omit<O, "bootstrapServers">>
  & ({ bootstrapServers: O["bootstrapServers"] } | { "bootstrap.servers": O["bootstrapServers"] });

/**
 * The producer's configuration keys, as Java's `ProducerConfig.CONFIG`: each
 * key's Java name, camelCase name, type, default, description and parser
 * (type and range check). `config.ts` resolves a whole configuration with
 * this table and applies the checks that span several keys.
 *
 * Parsers accept what Java's `ConfigDef` accepts from a `Map<String, Object>`:
 * numbers, or strings that are exactly an integer (surrounding whitespace
 * allowed: Java trims); booleans, or "true"/"false" in any case. Nothing else
 * is coerced: "5ms", "5.0", 5.5, NaN and Infinity are errors.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";
import { silentLogger } from "./logger.ts";
import {
  acks,
  boolean,
  bootstrapServers,
  codecsOrNull,
  compressionType,
  duration,
  functionOrNull,
  gzipLevel,
  int,
  INT_MAX,
  intOrNull,
  integer,
  interceptors,
  Invalid,
  keyParser,
  logger,
  metadataRecoveryStrategy,
  partitioner,
  platformOrNull,
  securityProtocol,
  serializer,
  string,
} from "./config_parsers.ts";
import type { Parse } from "./config_parsers.ts";
import { endpointIdentification, password, path, pemCertificates, pemPrivateKey, storeType } from "./config_tls.ts";
import { httpUrl, saslJaasConfig, saslMechanism, saslOption } from "./config_sasl.ts";

/**
 * One row of {@linkcode CONFIG_KEYS}.
 *
 * @example Usage
 * ```ts
 * import { CONFIG_KEYS, type ConfigKey } from "@edgekafka/producer";
 * const acks: ConfigKey = CONFIG_KEYS.find((k) => k.camelName === "acks")!;
 * console.assert(acks.javaName === "acks" && acks.default === `"all"`);
 * ```
 */
export interface ConfigKey {
  /** Java property name (`linger.ms`), or edgekafka's own key in that style (`max.connections`); `null` for options no properties file can hold. */
  readonly javaName: string | null;
  /** camelCase option name (`lingerMs`), also the field of `ResolvedConfig`. */
  readonly camelName: string;
  /** The accepted values, in TypeScript-like notation (`integer ≥ 0`, `boolean`). */
  readonly type: string;
  /** The default, as TypeScript literal text (`5`, `"all"`, `null`, `[]`). */
  readonly default: string;
  /** One-sentence description. */
  readonly doc: string;
}

/**
 * A {@linkcode ConfigKey} with what resolving it needs.
 *
 * @example Usage
 * ```ts
 * import { KEY_SPECS, type KeySpec } from "./config_keys.ts";
 * const acks: KeySpec = KEY_SPECS.find((k) => k.camelName === "acks")!;
 * console.assert(acks.defaultValue === -1 && acks.parse("1", "acks", []) === 1);
 * ```
 */
export interface KeySpec extends ConfigKey {
  /** The value when the key is not set (`undefined`: required, or computed by `config.ts`). */
  readonly defaultValue: unknown;
  /**
   * Checks and converts a value set under `name` (the key as the user wrote
   * it); throws a `ConfigError`; informational lines go to `notes`.
   */
  readonly parse: Parse;
}

/** Java name, camelCase, type, default (as a user would write it), parser, description, default text if not JSON. */
type Row = [string | null, string, string, unknown, Parse, string, string?];
const ms = "integer ≥ 0";

/* prettier-ignore */
const ROWS: Row[] = [
  ["bootstrap.servers", "bootstrapServers", "string | string[]", undefined, bootstrapServers,
    `Brokers to fetch the cluster's metadata from: "host:port" entries (IPv6 as "[::1]:9092"), an array or comma-separated.`, "(required)"],
  ["client.id", "clientId", "string", undefined, string(false, false),
    `Sent with every request (for broker logs and quotas); by default "producer-" and the transactional id or a counter.`, `"producer-N"`],
  ["acks", "acks", `"all" | "-1" | "0" | "1" | -1 | 0 | 1`, "all", acks,
    "Replicas that must have a record before it is acknowledged: all in-sync replicas, none (no response), or the leader."],
  ["enable.idempotence", "enableIdempotence", "boolean", true, boolean,
    "Write each record once despite retries; needs acks=all, retries > 0, at most 5 requests in flight."],
  ["retries", "retries", "integer 0…2147483647", INT_MAX, int(), "Retries of a failed batch, within delivery.timeout.ms."],
  ["linger.ms", "lingerMs", ms, 5, duration(), "How long to wait for more records before sending a batch that is not full."],
  ["batch.size", "batchSize", "integer ≥ 0", 16384, int(), "Target size in bytes of a partition's batch."],
  ["buffer.memory", "bufferMemory", "integer ≥ 0", 33554432, integer(0, Number.MAX_SAFE_INTEGER),
    "Bytes for records waiting to be sent; send() waits up to max.block.ms for room."],
  ["max.block.ms", "maxBlockMs", ms, 60000, duration(), "How long send() and transaction calls may wait for metadata or memory."],
  ["max.queued.records", "maxQueuedRecords", "integer 1…2147483647", INT_MAX, int(1),
    "Records that may wait for metadata or memory before send() fails more at once with BufferExhaustedError (edgekafka); pace with ready()/sendAll()/writable()."],
  ["request.timeout.ms", "requestTimeoutMs", ms, 30000, int(), "How long to wait for a broker's response."],
  ["delivery.timeout.ms", "deliveryTimeoutMs", ms, 120000, int(),
    "Bound on reporting the outcome of send(); at least linger.ms + request.timeout.ms."],
  ["max.in.flight.requests.per.connection", "maxInFlightRequestsPerConnection", "integer ≥ 1", 5, int(1),
    "Unacknowledged requests per connection (at most 5 with idempotence)."],
  ["max.request.size", "maxRequestSize", "integer ≥ 0", 1048576, int(), "Largest request in bytes; also caps a record's size."],
  ["retry.backoff.ms", "retryBackoffMs", ms, 100, duration(), "First wait before a retry; doubles per attempt (±20 % jitter)."],
  ["retry.backoff.max.ms", "retryBackoffMaxMs", ms, 1000, duration(), "Longest wait before a retry."],
  ["metadata.max.age.ms", "metadataMaxAgeMs", ms, 300000, duration(), "Refresh the cluster metadata at least this often."],
  ["metadata.max.idle.ms", "metadataMaxIdleMs", "integer ≥ 5000", 300000, duration(5000),
    "Forget the metadata of a topic not produced to for this long."],
  ["metadata.recovery.strategy", "metadataRecoveryStrategy", `"none" | "rebootstrap"`, "rebootstrap", metadataRecoveryStrategy,
    "rebootstrap: forget the learned brokers and ask bootstrap.servers again when none can be reached, or one answers REBOOTSTRAP_REQUIRED; none: keep trying them."],
  ["metadata.recovery.rebootstrap.trigger.ms", "metadataRecoveryRebootstrapTriggerMs", ms, 300000, duration(),
    "Re-bootstrap when no metadata could be fetched for this long (with the rebootstrap strategy)."],
  ["reconnect.backoff.ms", "reconnectBackoffMs", ms, 50, duration(), "First wait before reconnecting to a broker; doubles per failure."],
  ["reconnect.backoff.max.ms", "reconnectBackoffMaxMs", ms, 1000, duration(), "Longest wait before reconnecting to a broker."],
  ["connections.max.idle.ms", "connectionsMaxIdleMs", "integer ≥ -1", 540000, duration(-1),
    "Close connections idle for this long; -1 never does."],
  ["socket.connection.setup.timeout.ms", "socketConnectionSetupTimeoutMs", ms, 10000, duration(),
    "Time allowed to open a connection; doubles per failure."],
  ["socket.connection.setup.timeout.max.ms", "socketConnectionSetupTimeoutMaxMs", ms, 30000, duration(),
    "Longest time allowed to open a connection."],
  ["max.connections", "maxConnections", "integer ≥ 1 | null", null, intOrNull(1),
    "edgekafka's own: most connections open at once; past it an idle one is closed, else the new one waits (a ConnectionLimitError). null: the platform's cap (6 on Cloudflare Workers), else none."],
  ["partitioner.class", "partitioner", "(topic, key, value, numPartitions) => number", null, partitioner,
    "Picks the partition of records sent without one; null: murmur2 of the key, else uniform sticky."],
  ["partitioner.adaptive.partitioning.enable", "partitionerAdaptivePartitioningEnable", "boolean", true, boolean,
    "Send more unkeyed records to partitions on faster brokers."],
  ["partitioner.availability.timeout.ms", "partitionerAvailabilityTimeoutMs", ms, 0, duration(),
    "Skip partitions whose leader could not take requests for this long; 0 disables."],
  ["partitioner.ignore.keys", "partitionerIgnoreKeys", "boolean", false, boolean, "Partition keyed records like unkeyed ones."],
  ["compression.type", "compressionType", `"none" | "gzip" | "snappy" | "lz4" | "zstd"`, "none", compressionType,
    "Codec for record batches; zstd only where the runtime has one (Bun, Deno, Node.js 22.15+)."],
  ["compression.gzip.level", "compressionGzipLevel", "-1 | 1…9", -1, gzipLevel, "gzip level; -1 is the codec's default."],
  ["compression.lz4.level", "compressionLz4Level", "1…17", 9, integer(1, 17),
    "lz4 level; 9 uses the fast compressor, any other level the slower chain search (smaller output)."],
  ["compression.zstd.level", "compressionZstdLevel", "-131072…22", 3, integer(-131072, 22), "zstd level."],
  ["transactional.id", "transactionalId", "string | null", null, string(true, true),
    "Enables transactions, across producer restarts (implies idempotence)."],
  ["transaction.timeout.ms", "transactionTimeoutMs", "integer ≥ 1", 60000, int(1),
    "How long the coordinator lets a transaction stay open before aborting it."],
  ["interceptor.classes", "interceptors", "ProducerInterceptor[]", [], interceptors,
    "Objects whose onSend, onAcknowledgement, onSendError and close methods are called around records."],
  ["key.serializer", "keySerializer", "Serializer | null", null, serializer("keySerializer"),
    "Turns keys into bytes; null passes Uint8Array, string (UTF-8) and null through."],
  ["value.serializer", "valueSerializer", "Serializer | null", null, serializer("valueSerializer"),
    "Turns values into bytes; null passes Uint8Array, string (UTF-8) and null through."],
  ["security.protocol", "securityProtocol", `"PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL"`, "PLAINTEXT", securityProtocol,
    "How to talk to brokers: plain TCP, TLS, SASL over plain TCP, or SASL over TLS."],
  ["ssl.truststore.certificates", "sslTruststoreCertificates", "string | null", null, pemCertificates,
    "PEM certificates of the CAs to trust (Java's ssl.truststore.type=PEM); null: ssl.truststore.location, else the runtime's roots."],
  ["ssl.truststore.location", "sslTruststoreLocation", "string | null", null, path,
    "Path of a PEM file of the CAs to trust, read at each connect."],
  ["ssl.keystore.certificate.chain", "sslKeystoreCertificateChain", "string | null", null, pemCertificates,
    "PEM client certificate chain, leaf first, for brokers that require client certificates (mTLS)."],
  ["ssl.keystore.key", "sslKeystoreKey", "string | null", null, pemPrivateKey,
    "PEM private key of the client certificate; never logged or shown."],
  ["ssl.key.password", "sslKeyPassword", "string | null", null, password,
    "Password of an encrypted ssl.keystore.key (Node and Bun; Deno needs the key unencrypted); never logged or shown."],
  ["ssl.endpoint.identification.algorithm", "sslEndpointIdentificationAlgorithm", `"https" | ""`, "https", endpointIdentification,
    `"https" checks that the broker's certificate names its host; "" turns the check off (the chain is still verified).`],
  ["sasl.mechanism", "saslMechanism", `"PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512" | "OAUTHBEARER" | null`, null, saslMechanism,
    "SASL mechanism (with SASL_SSL or SASL_PLAINTEXT); Java's default GSSAPI (Kerberos) is not supported."],
  ["sasl.jaas.config", "saslJaasConfig", "string | null", null, saslJaasConfig,
    `Java's login module line, e.g. 'org.apache.kafka.common.security.scram.ScramLoginModule required username="…" password="…";'; never logged or shown.`],
  ["sasl.oauthbearer.token.endpoint.url", "saslOauthbearerTokenEndpointUrl", "string | null", null, httpUrl,
    "OIDC token endpoint for OAUTHBEARER (client credentials, KIP-768); tokens are cached and refreshed before they expire."],
  ["sasl.oauthbearer.client.credentials.client.id", "saslOauthbearerClientCredentialsClientId", "string | null", null, string(true, false),
    "OIDC client id (else the JAAS option clientId)."],
  ["sasl.oauthbearer.client.credentials.client.secret", "saslOauthbearerClientCredentialsClientSecret", "string | null", null, password,
    "OIDC client secret (else the JAAS option clientSecret); never logged or shown."],
  ["sasl.oauthbearer.scope", "saslOauthbearerScope", "string | null", null, string(true, false),
    "Scope asked of the OIDC token endpoint (else the JAAS option scope; null: none)."],
  [null, "sasl", `{ mechanism, username, password } | { mechanism: "OAUTHBEARER", token: () => Promise<{ value, lifetimeMs }> } | null`, null, saslOption,
    "SASL credentials without JAAS text; token gives an OAuth token (lifetimeMs: its expiry, ms since the epoch)."],
  [null, "logger", "Logger", silentLogger, logger, "Where edgekafka logs (console fits).", "silent"],
  [null, "platform", "Platform | null", null, platformOrNull, "What differs per runtime (sockets, native codecs); null picks the current runtime's."],
  [null, "codecs", "{ gzip?, snappy?, lz4?, zstd?: Codec } | null", null, codecsOrNull,
    `Codecs before the platform's; where it has none (Workers, browsers): import { lz4 } from "@edgekafka/producer/codecs".`],
  [null, "connect", "Connect | null", null, functionOrNull, "The socket transport; replaces the platform's. null keeps the platform's."],
];

/**
 * Every key edgekafka resolves, with its parser (internal to `config.ts`;
 * {@linkcode CONFIG_KEYS} is the public view).
 *
 * @example Usage
 * ```ts
 * import { KEY_SPECS } from "./config_keys.ts";
 * const linger = KEY_SPECS.find((k) => k.javaName === "linger.ms")!;
 * console.assert(linger.parse("7", "linger.ms", []) === 7 && linger.defaultValue === 5);
 * ```
 */
export const KEY_SPECS: readonly KeySpec[] = Object.freeze(ROWS.map(([javaName, camelName, type, raw, parse, doc, text]) => {
  const checked = keyParser(javaName ?? camelName, parse);
  const defaultValue = raw === undefined || text === "silent" ? raw : checked(raw, camelName, []);
  return Object.freeze({ javaName, camelName, type, default: text ?? JSON.stringify(raw), doc, defaultValue, parse: checked });
}));

/**
 * The producer's configuration keys: Java name, camelCase name, accepted
 * values, default and description.
 *
 * @example Listing the Java names
 * ```ts
 * import { CONFIG_KEYS } from "@edgekafka/producer";
 * const names = CONFIG_KEYS.map((k) => k.javaName).filter((n) => n !== null);
 * console.assert(names.includes("linger.ms"));
 * ```
 */
export const CONFIG_KEYS: readonly ConfigKey[] = Object.freeze(KEY_SPECS.map(
  ({ javaName, camelName, type, default: text, doc }) => Object.freeze({ javaName, camelName, type, default: text, doc }),
));

/** Java keys accepted without effect: validated as Java does, then noted. */
const IGNORED: ReadonlyArray<readonly [string, Parse]> = [
  ...["send.buffer.bytes", "receive.buffer.bytes"].map((key) =>
    [key, (value: unknown, name: string, notes: string[]) => {
      integer(-1, INT_MAX)(value, name, notes);
      notes.push(`"${name}" is ignored: JavaScript runtimes do not expose socket buffer sizes`);
    }] as const
  ),
  ["enable.metrics.push", (value, name, notes) => {
    if (boolean(value, name, notes)) notes.push(`"${name}" is ignored: edgekafka does not push client metrics`);
  }],
  // Java properties files say which format the PEM settings are in.
  ...["ssl.truststore.type", "ssl.keystore.type"].map((key) => [key, storeType] as const),
  ["sasl.login.callback.handler.class", (value, name, notes) => {
    // Java's way to turn on the OIDC client: here the token endpoint URL alone does.
    if (typeof value !== "string" || !value.trim().endsWith("OAuthBearerLoginCallbackHandler")) {
      throw new Invalid(`Value "${String(value)}" of "${name}" is not supported by edgekafka: callback handlers cannot be loaded`, true);
    }
    notes.push(`"${name}" is ignored: sasl.oauthbearer.token.endpoint.url turns on the OIDC client`);
  }],
  ["client.dns.lookup", (value, name, notes) => {
    if (value === "resolve_canonical_bootstrap_servers_only") {
      throw new Invalid(`Value "${value}" of "${name}" is not supported by edgekafka`, true);
    }
    if (value !== "use_all_dns_ips") throw new Invalid(`expected "use_all_dns_ips"`);
    notes.push(`"${name}" is ignored: the runtime resolves host names`);
  }],
];

/** Java keys (or prefixes, ending in ".") that edgekafka rejects, and why. */
const UNSUPPORTED: ReadonlyArray<readonly [string, string]> = [
  ["sasl.", "SASL is configured with the sasl.* keys of the configuration table (or the sasl option)"],
  ["ssl.", "TLS is configured with the PEM settings only (see the ssl.* rows of the configuration table)"],
  ["security.providers", "security providers cannot be loaded"],
  ["metric.reporters", "it has no metrics reporters"],
  ["metrics.", "it has no metrics reporters"],
  ["auto.include.jmx.reporter", "it has no metrics reporters"],
  ["config.providers", "configuration providers cannot be loaded"],
  ["transaction.two.phase.commit.enable", "it does not support two-phase commit"],
];

const camelize = (javaName: string) => javaName.replace(/\.([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Handles a key that is not in {@linkcode KEY_SPECS} (Java or camelCase
 * name): Java keys without effect are validated and noted; keys edgekafka
 * does not support, and unknown keys (with the closest known name of the
 * same style, when one is close), throw a `ConfigError`.
 *
 * @example A typo
 * ```ts
 * import { checkOtherKey } from "./config_keys.ts";
 * try { checkOtherKey("lingerMS", 5, []); } catch (e) {
 *   console.assert((e as Error).message === `Unknown configuration key "lingerMS"; did you mean "lingerMs"?`);
 * }
 * ```
 */
export function checkOtherKey(name: string, value: unknown, notes: string[]): void {
  const ignored = IGNORED.find(([key]) => name === key || name === camelize(key));
  if (ignored) {
    if (value !== undefined) keyParser(ignored[0], ignored[1])(value, name, notes);
    return;
  }
  const javaName = name.includes(".") ? name : name.replace(/[A-Z]/g, (c) => "." + c.toLowerCase());
  for (const [key, reason] of UNSUPPORTED) {
    if (key.endsWith(".") ? javaName.startsWith(key) : javaName === key) {
      throw new ConfigError(javaName, `Configuration key "${name}" is not supported by edgekafka: ${reason}`);
    }
  }
  const suggestion = suggest(name);
  throw new ConfigError(name, `Unknown configuration key "${name}"` + (suggestion ? `; did you mean "${suggestion}"?` : ""));
}

/** The known name closest to `name` in the same style (dotted or camelCase), if close enough. */
function suggest(name: string): string | undefined {
  const lower = name.toLowerCase();
  const dotted = name.includes(".");
  const candidates = IGNORED.map(([key]) => (dotted ? key : camelize(key)));
  for (const { javaName, camelName } of KEY_SPECS) {
    // `partitionerClass`, `interceptorClasses`: a Java name in camelCase, whose option is named differently.
    if (javaName !== null && camelize(javaName).toLowerCase() === lower) return camelName;
    if (!dotted) candidates.push(camelName);
    else if (javaName !== null) candidates.push(javaName);
  }
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.max(1, Math.floor(name.length / 4))) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

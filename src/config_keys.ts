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

/**
 * One row of {@linkcode CONFIG_KEYS}.
 *
 * @example Usage
 * ```ts
 * import { CONFIG_KEYS, type ConfigKey } from "./config_keys.ts";
 * const acks: ConfigKey = CONFIG_KEYS.find((k) => k.camelName === "acks")!;
 * console.assert(acks.javaName === "acks" && acks.default === `"all"`);
 * ```
 */
export interface ConfigKey {
  /** Java property name (`linger.ms`); `null` for edgekafka-only options. */
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
  readonly parse: (value: unknown, name: string, notes: string[]) => unknown;
}

type Parse = KeySpec["parse"];

const INT_MAX = 2147483647;

/** A parser's complaint; the caller makes a `ConfigError` of it for the key (`full`: the whole message). */
class Invalid {
  constructor(readonly problem: string, readonly full = false) {}
}

/**
 * A value as it appears (quoted) in messages: strings as they are, other
 * values as text.
 *
 * @example Usage
 * ```ts
 * import { show } from "./config_keys.ts";
 * console.assert(show("abc") === "abc" && show(5.5) === "5.5" && show([1]) === "[1]");
 * ```
 */
export function show(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "function") return "function";
  if (typeof value !== "object" || value === null) return String(value);
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Java `INT`/`LONG`: a whole number within [min, max]. */
function integer(min: number, max: number, maxText = String(max)): Parse {
  return (value) => {
    let n: number;
    if (typeof value === "number" && Number.isInteger(value)) n = value;
    else if (typeof value === "bigint") n = Number(value);
    else if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) n = Number(value.trim());
    else throw new Invalid("expected an integer");
    if (n < min) throw new Invalid(`must be at least ${min}`);
    if (n > max) throw new Invalid(`must be at most ${maxText}`);
    return n === 0 ? 0 : n; // no -0
  };
}

const int = (min = 0): Parse => integer(min, INT_MAX);

/**
 * A Java `LONG` duration in milliseconds. Java takes any long; a JavaScript
 * timer cannot wait longer than 2^31-1 ms (it fires at once instead), so
 * longer durations are capped there, with a note.
 */
function duration(min = 0): Parse {
  const parse = integer(min, 2 ** 63, "9223372036854775807");
  return (value, name, notes) => {
    const n = parse(value, name, notes) as number;
    if (n <= INT_MAX) return n;
    notes.push(`"${name}" ("${show(value)}") is capped at "${INT_MAX}" ms, the longest a JavaScript timer can wait`);
    return INT_MAX;
  };
}

const boolean: Parse = (value) => {
  if (typeof value === "boolean") return value;
  const text = typeof value === "string" ? value.trim().toLowerCase() : "";
  if (text === "true" || text === "false") return text === "true";
  throw new Invalid("expected a boolean");
};

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === "function";

const acks: Parse = (value) => {
  const choices = new Map<unknown, number>([["all", -1], ["-1", -1], ["0", 0], ["1", 1], [-1, -1], [0, 0], [1, 1]]);
  if (choices.has(value)) return choices.get(value);
  throw new Invalid(`expected one of "all", "-1", "0", "1"`);
};

function address(entry: string): { host: string; port: number } {
  let text = entry.trim();
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text);
  if (scheme && scheme[1]!.toUpperCase() !== "PLAINTEXT") throw "only PLAINTEXT connections are supported";
  if (scheme) text = text.slice(scheme[0].length);
  const match = /^(?:\[([0-9a-fA-F:.]+(?:%[\w.-]+)?)\]|([a-zA-Z0-9._-]+)):(\d+)$/.exec(text);
  if (!match) {
    const ipv6 = !text.startsWith("[") && (text.match(/:/g)?.length ?? 0) > 1;
    throw ipv6 ? `write IPv6 addresses in brackets, e.g. "[::1]:9092"` : `expected "host:port"`;
  }
  const port = Number(match[3]);
  if (port < 1 || port > 65535) throw "the port must be between 1 and 65535";
  return { host: match[1] ?? match[2]!, port };
}

const bootstrapServers: Parse = (value, name, notes) => {
  const entries = typeof value === "string" ? value.split(",") : value;
  if (!Array.isArray(entries) || !entries.every((e) => typeof e === "string")) {
    throw new Invalid(`expected "host:port" strings`);
  }
  const servers = new Map<string, { host: string; port: number }>();
  for (const entry of entries as string[]) {
    let server;
    try {
      server = address(entry);
    } catch (problem) {
      throw new Invalid(`Invalid entry "${entry.trim()}" in "${name}": ${problem}`, true);
    }
    const id = `${server.host}:${server.port}`;
    if (servers.has(id)) notes.push(`Duplicate entry "${entry.trim()}" in "${name}" is ignored`);
    else servers.set(id, server);
  }
  if (servers.size === 0) throw new Invalid("must not be empty");
  return [...servers.values()];
};

function string(nullable: boolean, nonEmpty: boolean): Parse {
  return (value) => {
    if (value === null && nullable) return null;
    if (typeof value !== "string") throw new Invalid("expected a string");
    if (nonEmpty && value === "") throw new Invalid("must not be empty");
    return value;
  };
}

const partitioner: Parse = (value) => {
  if (value === null || isFunction(value)) return value;
  if (typeof value !== "string") throw new Invalid("expected a function");
  throw new Invalid(
    `Cannot load partitioner class "${value}": pass the "partitioner" option as a function ` +
      `(topic, key, value, numPartitions) => partition`,
    true,
  );
};

const interceptors: Parse = (value, name) => {
  if (value === "" || value === null) return [];
  if (typeof value === "string") {
    throw new Invalid(`Cannot load interceptor classes "${value}": pass objects with the "interceptors" option`, true);
  }
  if (!Array.isArray(value)) throw new Invalid("expected an array of interceptor objects");
  const methods = ["onSend", "onAcknowledgement", "onSendError", "close"];
  value.forEach((item: Record<string, unknown> | null, index) => {
    if (
      typeof item !== "object" || item === null || !methods.some((m) => item[m] !== undefined) ||
      !methods.every((m) => item[m] === undefined || isFunction(item[m]))
    ) {
      throw new Invalid(
        `Invalid interceptor at index "${index}" in "${name}": expected an object with ` +
          `"onSend", "onAcknowledgement", "onSendError" or "close" methods`,
        true,
      );
    }
  });
  return [...value];
};

/** Java serializers that mean "no conversion" (Uint8Array, string and null pass through). */
const IDENTITY_SERIALIZERS = [
  "org.apache.kafka.common.serialization.StringSerializer",
  "org.apache.kafka.common.serialization.ByteArraySerializer",
];

function serializer(option: string): Parse {
  return (value, name) => {
    if (value === null || isFunction(value)) return value;
    if (typeof value === "object" && isFunction((value as { serialize?: unknown }).serialize)) return value;
    if (typeof value !== "string") throw new Invalid("expected a function or an object with a serialize method");
    if (IDENTITY_SERIALIZERS.includes(value.trim())) return null;
    throw new Invalid(
      `Cannot load serializer class "${value}" for "${name}": pass the "${option}" option as a function ` +
        `or an object with a serialize method (only "${IDENTITY_SERIALIZERS.join(`" and "`)}" are recognised)`,
      true,
    );
  };
}

const compressionType: Parse = (value, name) => {
  if (value === "none" || value === "gzip") return value;
  if (value === "snappy" || value === "lz4" || value === "zstd") {
    throw new Invalid(`Compression codec "${value}" is not supported yet: "${name}" must be "none" or "gzip"`, true);
  }
  throw new Invalid(`expected one of "none", "gzip"`);
};

const gzipLevel: Parse = (value, name, notes) => {
  const level = integer(-1, 9)(value, name, notes);
  if (level === 0) throw new Invalid("must be -1 or between 1 and 9");
  return level;
};

const securityProtocol: Parse = (value) => {
  const text = typeof value === "string" ? value.trim().toUpperCase() : undefined;
  if (text === "PLAINTEXT") return text;
  if (text === "SSL" || text === "SASL_PLAINTEXT" || text === "SASL_SSL") {
    throw new Invalid(`Security protocol "${value}" is not supported by edgekafka: only "PLAINTEXT" is`, true);
  }
  throw new Invalid(`expected "PLAINTEXT"`);
};

const logger: Parse = (value) => {
  const object = value as Record<string, unknown> | null;
  if (typeof object === "object" && object !== null && ["debug", "info", "warn", "error"].every((m) => isFunction(object[m]))) {
    return object;
  }
  throw new Invalid("expected a logger with debug, info, warn and error methods");
};

const platformOrNull: Parse = (value) => {
  const object = value as Record<string, unknown> | null;
  if (object === null || (typeof object === "object" && typeof object.name === "string" && isFunction(object.connect))) {
    return object;
  }
  throw new Invalid("expected a platform with a name and a connect function");
};

const functionOrNull: Parse = (value) => {
  if (value === null || isFunction(value)) return value;
  throw new Invalid("expected a function");
};

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
  ["reconnect.backoff.ms", "reconnectBackoffMs", ms, 50, duration(), "First wait before reconnecting to a broker; doubles per failure."],
  ["reconnect.backoff.max.ms", "reconnectBackoffMaxMs", ms, 1000, duration(), "Longest wait before reconnecting to a broker."],
  ["connections.max.idle.ms", "connectionsMaxIdleMs", "integer ≥ -1", 540000, duration(-1),
    "Close connections idle for this long; -1 never does."],
  ["socket.connection.setup.timeout.ms", "socketConnectionSetupTimeoutMs", ms, 10000, duration(),
    "Time allowed to open a connection; doubles per failure."],
  ["socket.connection.setup.timeout.max.ms", "socketConnectionSetupTimeoutMaxMs", ms, 30000, duration(),
    "Longest time allowed to open a connection."],
  ["partitioner.class", "partitioner", "(topic, key, value, numPartitions) => number", null, partitioner,
    "Picks the partition of records sent without one; null: murmur2 of the key, else uniform sticky."],
  ["partitioner.adaptive.partitioning.enable", "partitionerAdaptivePartitioningEnable", "boolean", true, boolean,
    "Send more unkeyed records to partitions on faster brokers."],
  ["partitioner.availability.timeout.ms", "partitionerAvailabilityTimeoutMs", ms, 0, duration(),
    "Skip partitions whose leader could not take requests for this long; 0 disables."],
  ["partitioner.ignore.keys", "partitionerIgnoreKeys", "boolean", false, boolean, "Partition keyed records like unkeyed ones."],
  ["compression.type", "compressionType", `"none" | "gzip"`, "none", compressionType,
    "Codec for record batches (snappy, lz4 and zstd are not supported yet)."],
  ["compression.gzip.level", "compressionGzipLevel", "-1 | 1…9", -1, gzipLevel, "gzip level; -1 is the codec's default."],
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
  ["security.protocol", "securityProtocol", `"PLAINTEXT"`, "PLAINTEXT", securityProtocol, "Only PLAINTEXT is supported."],
  [null, "logger", "Logger", silentLogger, logger, "Where edgekafka logs (console fits).", "silent"],
  [null, "platform", "Platform | null", null, platformOrNull, "What differs per runtime (sockets, native codecs); null picks the current runtime's."],
  [null, "connect", "Connect | null", null, functionOrNull, "The socket transport; replaces the platform's. null keeps the platform's."],
];

/** Turns a parser's {@linkcode Invalid} into the key's `ConfigError`. */
function keyParser(key: string, parse: Parse): Parse {
  return (value, name, notes) => {
    try {
      return parse(value, name, notes);
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      throw new ConfigError(key, e.full ? e.problem : `Invalid value "${show(value)}" for "${name}": ${e.problem}`);
    }
  };
}

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
 * import { CONFIG_KEYS } from "./config_keys.ts";
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
  ["sasl.", "only PLAINTEXT connections are supported"],
  ["ssl.", "only PLAINTEXT connections are supported"],
  ["security.providers", "only PLAINTEXT connections are supported"],
  ["metric.reporters", "it has no metrics reporters"],
  ["metrics.", "it has no metrics reporters"],
  ["auto.include.jmx.reporter", "it has no metrics reporters"],
  ["config.providers", "configuration providers cannot be loaded"],
  ["metadata.recovery.strategy", "it does not rebootstrap"],
  ["metadata.recovery.rebootstrap.trigger.ms", "it does not rebootstrap"],
  ["transaction.two.phase.commit.enable", "it does not support two-phase commit"],
  ["compression.lz4.level", "the lz4 codec is not supported yet"],
  ["compression.zstd.level", "the zstd codec is not supported yet"],
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

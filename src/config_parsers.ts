/**
 * The parsers of the configuration keys: each checks one value and converts
 * it the way Java's `ConfigDef` does (numbers, or strings that are exactly an
 * integer; booleans, or "true"/"false" in any case; nothing else coerced),
 * and complains with an {@linkcode Invalid} that `config_keys.ts` turns into
 * the key's `ConfigError`.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";

/** Checks and converts a value set under `name`; throws {@linkcode Invalid}; informational lines go to `notes`. */
export type Parse = (value: unknown, name: string, notes: string[]) => unknown;

export const INT_MAX = 2147483647;

/** A parser's complaint; the caller makes a `ConfigError` of it for the key (`full`: the whole message). */
export class Invalid {
  constructor(readonly problem: string, readonly full = false) {}
}

/**
 * A value as it appears (quoted) in messages: strings as they are, other
 * values as text.
 *
 * @example Usage
 * ```ts
 * import { show } from "./config_parsers.ts";
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
export function integer(min: number, max: number, maxText = String(max)): Parse {
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

export const int = (min = 0): Parse => integer(min, INT_MAX);

/** An `int` at least `min`, or null. */
export const intOrNull = (min: number): Parse => {
  const parse = int(min);
  return (value, name, notes) => (value === null ? null : parse(value, name, notes));
};

/**
 * A Java `LONG` duration in milliseconds. Java takes any long; a JavaScript
 * timer cannot wait longer than 2^31-1 ms (it fires at once instead), so
 * longer durations are capped there, with a note.
 */
export function duration(min = 0): Parse {
  const parse = integer(min, 2 ** 63, "9223372036854775807");
  return (value, name, notes) => {
    const n = parse(value, name, notes) as number;
    if (n <= INT_MAX) return n;
    notes.push(`"${name}" ("${show(value)}") is capped at "${INT_MAX}" ms, the longest a JavaScript timer can wait`);
    return INT_MAX;
  };
}

export const boolean: Parse = (value) => {
  if (typeof value === "boolean") return value;
  const text = typeof value === "string" ? value.trim().toLowerCase() : "";
  if (text === "true" || text === "false") return text === "true";
  throw new Invalid("expected a boolean");
};

export const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === "function";

export const acks: Parse = (value) => {
  const choices = new Map<unknown, number>([["all", -1], ["-1", -1], ["0", 0], ["1", 1], [-1, -1], [0, 0], [1, 1]]);
  if (choices.has(value)) return choices.get(value);
  throw new Invalid(`expected one of "all", "-1", "0", "1"`);
};

export function address(entry: string): { host: string; port: number } {
  let text = entry.trim();
  const scheme = /^([a-zA-Z][a-zA-Z0-9_+.-]*):\/\//.exec(text);
  // As in Java, a listener prefix says nothing: `security.protocol` decides how to connect.
  if (scheme && !["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"].includes(scheme[1]!.toUpperCase())) {
    throw `expected "host:port" (a prefix, if any, is a security protocol such as "SSL://")`;
  }
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

export const bootstrapServers: Parse = (value, name, notes) => {
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

export function string(nullable: boolean, nonEmpty: boolean): Parse {
  return (value) => {
    if (value === null && nullable) return null;
    if (typeof value !== "string") throw new Invalid("expected a string");
    if (nonEmpty && value === "") throw new Invalid("must not be empty");
    return value;
  };
}

export const partitioner: Parse = (value) => {
  if (value === null || isFunction(value)) return value;
  if (typeof value !== "string") throw new Invalid("expected a function");
  throw new Invalid(
    `Cannot load partitioner class "${value}": pass the "partitioner" option as a function ` +
      `(topic, key, value, numPartitions) => partition`,
    true,
  );
};

export const interceptors: Parse = (value, name) => {
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
export const IDENTITY_SERIALIZERS = [
  "org.apache.kafka.common.serialization.StringSerializer",
  "org.apache.kafka.common.serialization.ByteArraySerializer",
];

export function serializer(option: string): Parse {
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

const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"];

export const compressionType: Parse = (value) => {
  if (typeof value === "string" && CODECS.includes(value)) return value;
  throw new Invalid(`expected one of "${CODECS.join('", "')}"`);
};

export const gzipLevel: Parse = (value, name, notes) => {
  const level = integer(-1, 9)(value, name, notes);
  if (level === 0) throw new Invalid("must be -1 or between 1 and 9");
  return level;
};

/** `metadata.recovery.strategy`: Java's `MetadataRecoveryStrategy` names, in any case (Java trims and ignores case). */
export const metadataRecoveryStrategy: Parse = (value) => {
  const text = typeof value === "string" ? value.trim().toLowerCase() : undefined;
  if (text === "none" || text === "rebootstrap") return text;
  throw new Invalid(`expected one of "none", "rebootstrap"`);
};

export const securityProtocol: Parse = (value) => {
  const text = typeof value === "string" ? value.trim().toUpperCase() : undefined;
  if (text === "PLAINTEXT" || text === "SSL" || text === "SASL_PLAINTEXT" || text === "SASL_SSL") return text;
  throw new Invalid(`expected "PLAINTEXT", "SSL", "SASL_PLAINTEXT" or "SASL_SSL"`);
};

export const logger: Parse = (value) => {
  const object = value as Record<string, unknown> | null;
  if (typeof object === "object" && object !== null && ["debug", "info", "warn", "error"].every((m) => isFunction(object[m]))) {
    return object;
  }
  throw new Invalid("expected a logger with debug, info, warn and error methods");
};

export const platformOrNull: Parse = (value) => {
  const object = value as Record<string, unknown> | null;
  if (object === null || (typeof object === "object" && typeof object.name === "string" && isFunction(object.connect))) {
    return object;
  }
  throw new Invalid("expected a platform with a name and a connect function");
};

/** The `codecs` option: null, or an object of `Codec`s under the names of `compression.type`. */
export const codecsOrNull: Parse = (value) => {
  if (value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) throw new Invalid("expected an object of codecs ({ gzip, snappy, lz4, zstd })");
  for (const [name, codec] of Object.entries(value as Record<string, unknown>)) {
    if (!["gzip", "snappy", "lz4", "zstd"].includes(name)) throw new Invalid(`"${name}" is not a codec name (gzip, snappy, lz4, zstd)`);
    const c = codec as { compress?: unknown; decompress?: unknown } | null;
    if (c !== undefined && (c === null || !isFunction(c.compress) || !isFunction(c.decompress))) {
      throw new Invalid(`codec "${name}" needs compress and decompress functions`);
    }
  }
  return Object.freeze({ ...(value as object) });
};

export const functionOrNull: Parse = (value) => {
  if (value === null || isFunction(value)) return value;
  throw new Invalid("expected a function");
};

/** Turns a parser's {@linkcode Invalid} into the key's `ConfigError`. */
export function keyParser(key: string, parse: Parse): Parse {
  return (value, name, notes) => {
    try {
      return parse(value, name, notes);
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      throw new ConfigError(key, e.full ? e.problem : `Invalid value "${show(value)}" for "${name}": ${e.problem}`);
    }
  };
}

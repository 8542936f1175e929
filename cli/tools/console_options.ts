/**
 * The options of Kafka's `ConsoleProducer` (Kafka 4.3,
 * `kafka-console-producer`), and how they become producer and reader
 * properties, as `ConsoleProducerOptions.producerProps()/readerProps()` do:
 *
 * 1. `--command-config`/`--producer.config` file, then
 *    `--command-property`/`--producer-property` pairs on top;
 * 2. `bootstrap.servers`, `compression.type` (none, or gzip for a bare
 *    `--compression-codec`), `client.id` (default "console-producer"),
 *    byte-array serializers;
 * 3. each tool option (`--timeout` → `linger.ms`, …) overrides the
 *    properties when given, and otherwise fills them in with the *tool's*
 *    default only if they are not set (Kafka's `maybeMergeOptions`). Hence
 *    the console producer's defaults differ from the producer's:
 *    linger.ms=1000, request.timeout.ms=1500, retries=3, acks=-1,
 *    batch.size=16384, buffer.memory=33554432, max.block.ms=60000,
 *    metadata.max.age.ms=300000, retry.backoff.ms=100, send.buffer.bytes=102400.
 *
 * @module
 */

import { formatHelp, integerValue, type OptionSpec, type ParsedOptions, parseOptions, UsageError } from "./args.ts";
import type { CliIo } from "./io.ts";
import { decodeProperties, parseKeyValueArgs } from "./properties.ts";

/**
 * The tool's name in messages (its npm `bin` name).
 *
 * @example Usage
 * ```ts
 * import { CONSOLE_TOOL } from "./console_options.ts";
 * console.assert(CONSOLE_TOOL === "edgekafka-console-producer");
 * ```
 */
export const CONSOLE_TOOL = "edgekafka-console-producer";

/** The only record reader there is (Java loads `--line-reader` by class name). */
const LINE_READER = "org.apache.kafka.tools.LineMessageReader";

const READER_HELP = "A mechanism to pass user-defined properties in the form key=value to the message reader." +
  "\nDefault properties include:\n parse.key=false\n parse.headers=false\n ignore.error=false\n key.separator=\\t" +
  "\n headers.delimiter=\\t\n headers.separator=,\n headers.key.separator=:" +
  "\n null.marker=   When set, any fields (key, value and headers) equal to this will be replaced by null" +
  "\nDefault parsing pattern when:\n parse.headers=true and parse.key=true:\n  \"h1:v1,h2:v2...\\tkey\\tvalue\"" +
  "\n parse.key=true:\n  \"key\\tvalue\"\n parse.headers=true:\n  \"h1:v1,h2:v2...\\tvalue\"";

/** Options that map to one producer property: option, property, Java type, the tool's default. */
const MERGED: ReadonlyArray<readonly [string, string, "Integer" | "Long" | "String", string]> = [
  ["timeout", "linger.ms", "Long", "1000"],
  ["request-required-acks", "acks", "String", "-1"],
  ["request-timeout-ms", "request.timeout.ms", "Integer", "1500"],
  ["message-send-max-retries", "retries", "Integer", "3"],
  ["retry-backoff-ms", "retry.backoff.ms", "Long", "100"],
  ["socket-buffer-size", "send.buffer.bytes", "Integer", "102400"],
  ["max-memory-bytes", "buffer.memory", "Long", "33554432"],
  ["batch-size", "batch.size", "Integer", "16384"],
  ["max-partition-memory-bytes", "batch.size", "Integer", "16384"],
  ["metadata-expiry-ms", "metadata.max.age.ms", "Long", "300000"],
  ["max-block-ms", "max.block.ms", "Long", "60000"],
];

/**
 * The console producer's options (Kafka 4.3's names).
 *
 * @example Usage
 * ```ts
 * import { CONSOLE_OPTIONS } from "./console_options.ts";
 * console.assert(CONSOLE_OPTIONS.some((o) => o.name === "producer.config"));
 * ```
 */
export const CONSOLE_OPTIONS: readonly OptionSpec[] = [
  { name: "topic", kind: "value", metavar: "String: topic", help: "REQUIRED: The topic name to produce messages to." },
  { name: "bootstrap-server", kind: "value", metavar: "String: server to connect to", help: "REQUIRED: The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2." },
  { name: "sync", kind: "flag", help: "If set message send requests to the brokers are synchronously, one at a time as they arrive." },
  { name: "compression-codec", kind: "optional", metavar: "String: compression-codec", help: "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. If specified without value, then it defaults to 'gzip'" },
  { name: "batch-size", kind: "value", metavar: "Integer: size", defaultText: "16384", help: "The buffer size in bytes allocated for a partition. This is the option to control batch.size in producer configs." },
  { name: "message-send-max-retries", kind: "value", metavar: "Integer", defaultText: "3", help: "The number of retries before the producer gives up and drops a message. This is the option to control `retries` in producer configs." },
  { name: "retry-backoff-ms", kind: "value", metavar: "Long", defaultText: "100", help: "The time the producer waits before retrying. This is the option to control `retry.backoff.ms` in producer configs." },
  { name: "timeout", kind: "value", metavar: "Long: timeout_ms", defaultText: "1000", help: "The maximum amount of time a message will queue awaiting sufficient batch size, in ms. This is the option to control `linger.ms` in producer configs." },
  { name: "request-required-acks", kind: "value", metavar: "String: request required acks", defaultText: "-1", help: "The required `acks` of the producer requests" },
  { name: "request-timeout-ms", kind: "value", metavar: "Integer: request timeout ms", defaultText: "1500", help: "The ack timeout of the producer requests. Value must be non-negative and non-zero." },
  { name: "metadata-expiry-ms", kind: "value", metavar: "Long: metadata expiration interval", defaultText: "300000", help: "The period of time in milliseconds after which we force a refresh of metadata. This is the option to control `metadata.max.age.ms` in producer configs." },
  { name: "max-block-ms", kind: "value", metavar: "Long: max block on send", defaultText: "60000", help: "The max time that the producer will block for during a send request." },
  { name: "max-memory-bytes", kind: "value", metavar: "Long: total memory in bytes", defaultText: "33554432", help: "The total memory used by the producer to buffer records waiting to be sent to the server. This is the option to control `buffer.memory` in producer configs." },
  { name: "max-partition-memory-bytes", kind: "value", metavar: "Integer: memory in bytes per partition", defaultText: "16384", help: "(Deprecated) Use --batch-size instead." },
  { name: "line-reader", kind: "value", metavar: "String: reader_class", defaultText: LINE_READER, help: "The class name of the class to use for reading lines from standard in (only the default is available)." },
  { name: "socket-buffer-size", kind: "value", metavar: "Integer: size", defaultText: "102400", help: "The size of the tcp RECV size (`send.buffer.bytes`; accepted and ignored by edgekafka)." },
  { name: "property", kind: "repeat", metavar: "String: prop", help: "(DEPRECATED) Use --reader-property instead." },
  { name: "reader-property", kind: "repeat", metavar: "String: prop", help: READER_HELP },
  { name: "reader-config", kind: "value", metavar: "String: config file", help: "Config properties file for the message reader. Note that [reader-property] takes precedence over this config." },
  { name: "producer-property", kind: "repeat", metavar: "String: producer_prop", help: "(DEPRECATED) Producer config properties in the form key=value. Use --command-property instead." },
  { name: "command-property", kind: "repeat", metavar: "String: producer_prop", help: "Producer config properties in the form key=value." },
  { name: "producer.config", kind: "value", metavar: "String: config file", help: "(DEPRECATED) Producer config properties file. Use --command-config instead." },
  { name: "command-config", kind: "value", metavar: "String: config file", help: "Producer config properties file. Note that [command-property] takes precedence over this config." },
  { name: "help", kind: "flag", help: "Print usage information." },
  { name: "version", kind: "flag", help: "Display the edgekafka version." },
];

/**
 * The help text.
 *
 * @example Usage
 * ```ts
 * import { consoleHelp } from "./console_options.ts";
 * console.assert(consoleHelp().includes("--bootstrap-server"));
 * ```
 */
export function consoleHelp(): string {
  return "This tool helps to read data from standard input and publish it to Kafka.\n" + formatHelp(CONSOLE_OPTIONS);
}

/**
 * A resolved console producer run.
 *
 * @example Usage
 * ```ts
 * import type { ConsoleConfig } from "./console_options.ts";
 * const c: ConsoleConfig = { topic: "t", sync: false, producerProps: { "bootstrap.servers": "h:1" }, readerProps: { topic: "t" }, notices: [] };
 * console.assert(!c.sync);
 * ```
 */
export interface ConsoleConfig {
  topic: string;
  sync: boolean;
  producerProps: Record<string, string>;
  readerProps: Record<string, string>;
  /** Warnings Java prints on stdout for deprecated options. */
  notices: string[];
}

/**
 * Parses and checks the console producer's arguments and reads its files;
 * "help"/"version" for those flags. Throws a {@linkcode UsageError}.
 *
 * @example Usage
 * ```ts ignore
 * const config = await consoleConfig(io);
 * ```
 */
export async function consoleConfig(io: CliIo): Promise<ConsoleConfig | "help" | "version"> {
  const parsed = parseOptions(io.args, CONSOLE_OPTIONS);
  if (parsed.has("help")) return "help";
  if (parsed.has("version")) return "version";
  if (!parsed.has("topic")) throw new UsageError(`Missing required argument "[topic]"`);
  const pairs = [["command-config", "producer.config"], ["command-property", "producer-property"], ["reader-property", "property"]];
  for (const [now, old] of pairs) {
    if (parsed.has(now!) && parsed.has(old!)) throw new UsageError(`Options --${now} and --${old} cannot be specified together.`);
  }
  const notices: string[] = [];
  const deprecated = (old: string, now: string, removal = "in a future version") => {
    if (!parsed.has(old)) return now;
    notices.push(`Warning: --${old} is deprecated and will be removed ${removal}. Use --${now} instead.`);
    return old;
  };
  const commandProperty = deprecated("producer-property", "command-property");
  const commandConfig = deprecated("producer.config", "command-config");
  const readerProperty = deprecated("property", "reader-property");
  deprecated("max-partition-memory-bytes", "batch-size", "in Apache Kafka 5.0");
  const bootstrap = parsed.value("bootstrap-server");
  validateBootstrapServer(bootstrap);
  const reader = parsed.value("line-reader");
  if (reader !== undefined && reader !== LINE_READER) {
    throw new UsageError(`Unsupported --line-reader "${reader}": only ${LINE_READER} is available`);
  }
  for (const [option, , type] of MERGED) checkType(parsed, option, type);

  const producerProps: Record<string, string> = {};
  const configFile = parsed.value(commandConfig);
  if (configFile !== undefined) Object.assign(producerProps, decodeProperties(await readFile(io, configFile)));
  Object.assign(producerProps, parseKeyValueArgs(parsed.values(commandProperty)));
  producerProps["bootstrap.servers"] = bootstrap!;
  const codec = parsed.value("compression-codec");
  producerProps["compression.type"] = codec === undefined ? "none" : codec === "" ? "gzip" : codec;
  producerProps["client.id"] ??= "console-producer";
  producerProps["key.serializer"] = "org.apache.kafka.common.serialization.ByteArraySerializer";
  producerProps["value.serializer"] = "org.apache.kafka.common.serialization.ByteArraySerializer";
  for (const [option, property, , fallback] of MERGED) {
    if (parsed.has(option)) producerProps[property] = parsed.value(option)!;
    else if (!(property in producerProps)) producerProps[property] = fallback;
  }

  const readerProps: Record<string, string> = {};
  const readerFile = parsed.value("reader-config");
  if (readerFile !== undefined) Object.assign(readerProps, decodeProperties(await readFile(io, readerFile)));
  readerProps.topic = parsed.value("topic")!;
  Object.assign(readerProps, parseKeyValueArgs(parsed.values(readerProperty)));
  return { topic: readerProps.topic, sync: parsed.has("sync"), producerProps, readerProps, notices };
}

/** Java's `ToolsUtils.validateBootstrapServer`. */
function validateBootstrapServer(hostPort: string | undefined): void {
  if (hostPort === undefined || hostPort.trim() === "") throw new UsageError("Error while validating the bootstrap address");
  const valid = hostPort.split(",").filter((hp) => /^.*?\[?([0-9a-zA-Z\-%._:]*)\]?:([0-9]+)$/.test(hp));
  if (valid.length === 0 || valid.length !== hostPort.split(",").length) {
    throw new UsageError("Please provide valid host:port like host1:9091,host2:9092");
  }
}

/** jopt-simple's typed values: an `Integer`/`Long` option must parse as one. */
function checkType(parsed: ParsedOptions, option: string, type: "Integer" | "Long" | "String"): void {
  if (type === "String" || !parsed.has(option)) return;
  const max = type === "Integer" ? 2147483647 : Number.MAX_SAFE_INTEGER;
  try {
    integerValue(parsed, option, { min: -max - (type === "Integer" ? 1 : 0), max });
  } catch {
    throw new UsageError(`Cannot parse argument '${parsed.value(option)}' of option ${option}`);
  }
}

async function readFile(io: CliIo, path: string): Promise<Uint8Array> {
  try {
    return await io.readFile(path);
  } catch (error) {
    throw new UsageError(`Cannot read "${path}": ${error instanceof Error ? error.message : String(error)}`);
  }
}

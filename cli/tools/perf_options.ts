/**
 * The options of `ProducerPerformance` (Kafka 4.3, `kafka-producer-perf-test`)
 * and its `ConfigPostProcessor`: the same names, defaults, checks (in the
 * same order) and messages, including the deprecated spellings
 * (`--producer-props`, `--producer.config`) and the notices Java prints for
 * them on stdout.
 *
 * @module
 */

import { formatHelp, integerValue, numberValue, type OptionSpec, parseOptions, UsageError } from "./args.ts";
import type { CliIo } from "./io.ts";
import { decodeProperties, parsePerfProps } from "./properties.ts";
import type { PayloadSpec } from "./random.ts";

/**
 * The tool's name in usage and error lines (its npm `bin` name).
 *
 * @example Usage
 * ```ts
 * import { PERF_TOOL } from "./perf_options.ts";
 * console.assert(PERF_TOOL === "edgekafka-producer-perf-test");
 * ```
 */
export const PERF_TOOL = "edgekafka-producer-perf-test";

/**
 * Java's `DEFAULT_TRANSACTION_ID_PREFIX`.
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_TRANSACTION_ID_PREFIX } from "./perf_options.ts";
 * console.assert(DEFAULT_TRANSACTION_ID_PREFIX === "performance-producer-");
 * ```
 */
export const DEFAULT_TRANSACTION_ID_PREFIX = "performance-producer-";
/**
 * Java's `DEFAULT_TRANSACTION_DURATION_MS`.
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_TRANSACTION_DURATION_MS } from "./perf_options.ts";
 * console.assert(DEFAULT_TRANSACTION_DURATION_MS === 3000);
 * ```
 */
export const DEFAULT_TRANSACTION_DURATION_MS = 3000;

const PAYLOAD_GROUP = ["record-size", "payload-file", "payload-monotonic"];

/**
 * The perf tool's options (Kafka 4.3's names).
 *
 * @example Usage
 * ```ts
 * import { PERF_OPTIONS } from "./perf_options.ts";
 * console.assert(PERF_OPTIONS.find((o) => o.name === "producer-props")?.kind === "many");
 * ```
 */
export const PERF_OPTIONS: readonly OptionSpec[] = [
  { name: "help", short: "h", kind: "flag", help: "Show this help message and exit." },
  { name: "bootstrap-server", kind: "value", metavar: "BOOTSTRAP-SERVER", help: "The server(s) to connect to. This config takes precedence over bootstrap.servers specified via --command-property or --command-config." },
  { name: "topic", kind: "value", metavar: "TOPIC", help: "REQUIRED: Produce records to this topic." },
  { name: "num-records", kind: "value", metavar: "NUM-RECORDS", help: "REQUIRED: Number of records to produce." },
  { name: "payload-delimiter", kind: "value", metavar: "PAYLOAD-DELIMITER", defaultText: "\\n", help: "Provides the delimiter (a regular expression) to be used when --payload-file is provided. Defaults to new line. Note that this parameter will be ignored if --payload-file is not provided." },
  { name: "throughput", kind: "value", metavar: "THROUGHPUT", help: "REQUIRED: Throttle maximum record throughput to *approximately* THROUGHPUT records/sec. Set this to -1 to disable throttling." },
  { name: "producer-props", kind: "many", metavar: "PROP-NAME=PROP-VALUE", help: "(DEPRECATED) Kafka producer related configuration properties like client.id. These configs take precedence over those passed via --command-config or --producer.config. Use --command-property instead." },
  { name: "command-property", kind: "many", metavar: "PROP-NAME=PROP-VALUE", help: "Kafka producer related configuration properties like client.id. These configs take precedence over those passed via --command-config or --producer.config. Example: --command-property linger.ms=10 batch.size=32768" },
  { name: "producer.config", kind: "value", metavar: "CONFIG-FILE", help: "(DEPRECATED) Producer config properties file. Use --command-config instead." },
  { name: "command-config", kind: "value", metavar: "CONFIG-FILE", help: "Producer config properties file." },
  { name: "print-metrics", kind: "flag", help: "Print out metrics at the end of the test." },
  { name: "transactional-id", kind: "value", metavar: "TRANSACTIONAL-ID", help: "The transactional id to use. This config takes precedence over the transactional.id specified via --command-property or --command-config. If it is not specified while --transaction-duration-ms is provided, the transactional id will be performance-producer- followed by a random uuid." },
  { name: "transaction-duration-ms", kind: "value", metavar: "TRANSACTION-DURATION", help: "The maximum duration of each transaction: commitTransaction is called after this time has elapsed. Must be greater than 0. Defaults to 3000 when a transactional id is given but this option is not." },
  { name: "warmup-records", kind: "value", metavar: "WARMUP-RECORDS", defaultText: "0", help: "The number of records to treat as warmup. These initial records will not be included in steady-state statistics. An additional summary line will be printed describing the steady-state statistics." },
  { name: "reporting-interval", kind: "value", metavar: "INTERVAL-MS", defaultText: "5000", help: "Interval in milliseconds at which to print progress info." },
  { name: "record-size", kind: "value", metavar: "RECORD-SIZE", help: "Record size in bytes (random uppercase letters). Exactly one of --record-size, --payload-file or --payload-monotonic is required." },
  { name: "payload-file", kind: "value", metavar: "PAYLOAD-FILE", help: "File to read the record payloads from (UTF-8 text, split by --payload-delimiter); a payload is picked at random for each record." },
  { name: "payload-monotonic", kind: "flag", help: "Payload is a monotonically increasing integer (the record's index)." },
];

/**
 * The usage line and the option table.
 *
 * @example Usage
 * ```ts
 * import { perfHelp } from "./perf_options.ts";
 * console.assert(perfHelp().startsWith("usage: edgekafka-producer-perf-test"));
 * ```
 */
export function perfHelp(): string {
  return `usage: ${PERF_TOOL} --topic TOPIC --num-records NUM-RECORDS --throughput THROUGHPUT\n` +
    `       (--record-size RECORD-SIZE | --payload-file PAYLOAD-FILE | --payload-monotonic)\n` +
    `       [--bootstrap-server BOOTSTRAP-SERVER] [--command-property PROP=VALUE ...] [--command-config CONFIG-FILE]\n` +
    `       [--print-metrics] [--transactional-id ID] [--transaction-duration-ms MS] [--warmup-records N]\n` +
    `       [--reporting-interval MS] [--payload-delimiter DELIMITER]\n\n` +
    "This tool is used to verify the producer performance (compatible with Kafka's ProducerPerformance).\n\n" +
    formatHelp(PERF_OPTIONS);
}

/**
 * A resolved perf run (Java's `ConfigPostProcessor`).
 *
 * @example Usage
 * ```ts ignore
 * const config = await perfConfig(io);
 * if (config !== "help") console.log(config.numRecords, config.producerProps["bootstrap.servers"]);
 * ```
 */
export interface PerfConfig {
  topic: string;
  numRecords: number;
  warmupRecords: number;
  payload: PayloadSpec;
  /** Records/s; negative: unthrottled. */
  throughput: number;
  producerProps: Record<string, string>;
  printMetrics: boolean;
  transactionsEnabled: boolean;
  /** Set when transactions are enabled. */
  transactionDurationMs: number | null;
  reportingIntervalMs: number;
  /** Lines Java prints on stdout while reading the options (payload file, deprecations). */
  notices: string[];
}

/**
 * Parses and checks the perf tool's arguments, reads its files; "help" for
 * `--help` or no arguments. Throws a {@linkcode UsageError}.
 *
 * @example Usage
 * ```ts ignore
 * const config = await perfConfig(io);
 * ```
 */
export async function perfConfig(io: CliIo): Promise<PerfConfig | "help"> {
  if (io.args.length === 0) return "help";
  const parsed = parseOptions(io.args, PERF_OPTIONS);
  if (parsed.has("help")) return "help";
  for (const name of ["topic", "num-records", "throughput"]) {
    if (!parsed.has(name)) throw new UsageError(`argument --${name} is required`);
  }
  const given = PAYLOAD_GROUP.filter((name) => parsed.has(name));
  if (given.length === 0) throw new UsageError(`one of the arguments --record-size --payload-file --payload-monotonic is required`);
  if (given.length > 1) throw new UsageError(`argument --${given[1]}: not allowed with argument --${given[0]}`);

  const numRecords = integerValue(parsed, "num-records")!;
  const warmupRecords = Math.max(integerValue(parsed, "warmup-records") ?? 0, 0);
  const recordSize = integerValue(parsed, "record-size", { max: 2147483647 });
  const throughput = numberValue(parsed, "throughput")!;
  const transactionDurationArg = integerValue(parsed, "transaction-duration-ms");
  const reportingIntervalMs = integerValue(parsed, "reporting-interval") ?? 5000;
  const bootstrap = parsed.value("bootstrap-server");
  const transactionalIdArg = parsed.value("transactional-id");
  let commandProps = parsed.has("command-property") ? parsed.values("command-property") : undefined;
  let commandConfig = parsed.value("command-config");
  const producerProps = parsed.has("producer-props") ? parsed.values("producer-props") : undefined;
  const producerConfig = parsed.value("producer.config");

  if (numRecords <= 0) throw new UsageError("--num-records should be greater than zero.");
  if (warmupRecords >= numRecords) {
    throw new UsageError("The value for --warmup-records must be strictly fewer than the number of records in the test, --num-records.");
  }
  if (recordSize !== undefined && recordSize <= 0) throw new UsageError("--record-size should be greater than zero.");
  if (bootstrap === undefined && !commandProps && !producerProps && producerConfig === undefined && commandConfig === undefined) {
    throw new UsageError(
      "At least one of --bootstrap-server, --command-property, --producer-props, --producer.config or --command-config must be specified.",
    );
  }
  if (commandProps && producerProps) throw new UsageError("--command-property and --producer-props cannot be specified together.");
  if (commandConfig !== undefined && producerConfig !== undefined) {
    throw new UsageError("--command-config and --producer.config cannot be specified together.");
  }
  if (transactionDurationArg !== undefined && transactionDurationArg <= 0) {
    throw new UsageError("--transaction-duration-ms should be greater than zero.");
  }
  if (reportingIntervalMs <= 0) throw new UsageError("--reporting-interval should be greater than zero.");

  const notices: string[] = [];
  let payload: PayloadSpec;
  if (recordSize !== undefined) payload = { kind: "size", recordSize };
  else if (parsed.has("payload-monotonic")) payload = { kind: "monotonic" };
  else {
    const delimiter = parsed.value("payload-delimiter") ?? "\\n";
    payload = { kind: "file", payloads: await readPayloadFile(io, parsed.value("payload-file")!, delimiter === "\\n" ? "\n" : delimiter, notices) };
  }
  if (producerProps) {
    notices.push("Option --producer-props has been deprecated and will be removed in a future version. Use --command-property instead.");
    commandProps = producerProps;
  }
  if (producerConfig !== undefined) {
    notices.push("Option --producer.config has been deprecated and will be removed in a future version. Use --command-config instead.");
    commandConfig = producerConfig;
  }
  const props: Record<string, string> = {};
  if (commandConfig !== undefined) Object.assign(props, decodeProperties(await readFile(io, commandConfig)));
  if (commandProps) Object.assign(props, parsePerfProps(commandProps));
  props["key.serializer"] = "org.apache.kafka.common.serialization.ByteArraySerializer";
  props["value.serializer"] = "org.apache.kafka.common.serialization.ByteArraySerializer";
  props["client.id"] ??= "perf-producer-client";
  if (bootstrap !== undefined) props["bootstrap.servers"] = bootstrap;

  const transactionsEnabled = transactionDurationArg !== undefined || transactionalIdArg !== undefined || "transactional.id" in props;
  let transactionDurationMs: number | null = transactionDurationArg ?? null;
  if (transactionsEnabled) {
    props["transactional.id"] = transactionalIdArg ?? props["transactional.id"] ?? DEFAULT_TRANSACTION_ID_PREFIX + randomUuid();
    transactionDurationMs ??= DEFAULT_TRANSACTION_DURATION_MS;
  }
  return {
    topic: parsed.value("topic")!,
    numRecords,
    warmupRecords,
    payload,
    throughput,
    producerProps: props,
    printMetrics: parsed.has("print-metrics"),
    transactionsEnabled,
    transactionDurationMs,
    reportingIntervalMs,
    notices,
  };
}

async function readFile(io: CliIo, path: string): Promise<Uint8Array> {
  try {
    return await io.readFile(path);
  } catch (error) {
    throw new UsageError(`Cannot read "${path}": ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Java's `readPayloadFile`: a `Scanner` over the UTF-8 text with the
 * delimiter regex (a leading delimiter is skipped, consecutive delimiters
 * give empty payloads, a trailing one gives none).
 */
async function readPayloadFile(io: CliIo, path: string, delimiter: string, notices: string[]): Promise<Uint8Array[]> {
  notices.push(`Reading payloads from: ${io.absolutePath(path)}`);
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(path);
  } catch {
    throw new UsageError("File does not exist or empty file provided.");
  }
  if (bytes.length === 0) throw new UsageError("File does not exist or empty file provided.");
  const text = new TextDecoder().decode(bytes);
  const payloads = scannerTokens(text, new RegExp(delimiter, "gu")).map((t) => new TextEncoder().encode(t));
  notices.push(`Number of records read: ${payloads.length}`);
  if (payloads.length === 0) throw new UsageError("No payloads were read from the payload file.");
  return payloads;
}

/**
 * `java.util.Scanner` tokens with a delimiter pattern (`--payload-file`
 * splitting): a leading delimiter is skipped, consecutive delimiters give
 * an empty token, a trailing one gives none.
 *
 * @example Usage
 * ```ts
 * import { scannerTokens } from "./perf_options.ts";
 * console.assert(scannerTokens("\na\n\nb\n", /\n/gu).join("|") === "a||b");
 * ```
 */
export function scannerTokens(text: string, delimiter: RegExp): string[] {
  const tokens: string[] = [];
  const at = (from: number) => {
    delimiter.lastIndex = from;
    for (let m = delimiter.exec(text); m !== null; m = delimiter.exec(text)) {
      if (m[0].length > 0) return m;
      delimiter.lastIndex = m.index + 1;
    }
    return null;
  };
  let pos = 0;
  while (pos < text.length) {
    const skip = at(pos);
    if (skip !== null && skip.index === pos) pos += skip[0].length;
    if (pos >= text.length) break;
    const next = at(pos);
    const end = next === null ? text.length : next.index;
    tokens.push(text.slice(pos, end));
    pos = end;
  }
  return tokens;
}

/** Kafka's `Uuid.randomUuid().toString()`: 16 random bytes, URL-safe base64 without padding. */
function randomUuid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

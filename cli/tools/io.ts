/**
 * The seam between the command-line tools (runtime-free, in `cli/tools/`) and
 * the runtime they run on (`cli/tools/runtime_io.ts`): arguments, standard streams,
 * files, signals and the event loop. Everything a tool does outside the
 * producer goes through a {@linkcode CliIo}, so the tools run unchanged on
 * Deno, Bun and Node, and tests can drive them with an in-memory one.
 *
 * @module
 */

import { Producer, type ProducerOptions } from "../../mod.ts";

/**
 * A signal the tools react to (Java's shutdown hook: close the producer, then exit).
 *
 * @example Usage
 * ```ts
 * import type { InterruptSignal } from "./io.ts";
 * const signal: InterruptSignal = "SIGINT";
 * console.assert(signal === "SIGINT");
 * ```
 */
export type InterruptSignal = "SIGINT" | "SIGTERM";

/**
 * What a command-line tool needs from its runtime.
 *
 * @example An in-memory CliIo for a test
 * ```ts
 * import type { CliIo } from "./io.ts";
 * const out: string[] = [];
 * const io: CliIo = {
 *   args: ["--help"],
 *   stdin: async function* () {},
 *   stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false,
 *   stdout: (text) => void out.push(text),
 *   stderr: (text) => void out.push(text),
 *   readFile: () => Promise.reject(new Error("no files")),
 *   absolutePath: (path) => "/" + path,
 *   yieldToEventLoop: () => new Promise((resolve) => setTimeout(resolve, 0)),
 *   onInterrupt: () => () => {},
 *   flush: () => Promise.resolve(),
 * };
 * console.assert(io.args[0] === "--help");
 * ```
 */
export interface CliIo {
  /** The tool's arguments (without the runtime and script). */
  readonly args: readonly string[];
  /**
   * Standard input as byte chunks. Reading is pull-based: the runtime reads
   * more only when the next chunk is asked for, which is the backpressure.
   * Chunks are never reused by the runtime (views of them may be kept).
   */
  stdin(): AsyncIterable<Uint8Array>;
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** Writes to standard output; writes go out in call order. */
  stdout(text: string): void;
  /** Writes to standard error; writes go out in call order. */
  stderr(text: string): void;
  /** Reads a whole file (`--producer.config`, `--payload-file`). */
  readFile(path: string): Promise<Uint8Array>;
  /** `path` resolved against the working directory (Java's `toAbsolutePath`). */
  absolutePath(path: string): string;
  /**
   * Resolves after pending I/O events had a chance to run (a macrotask, not
   * a microtask: socket reads and writes happen in between).
   */
  yieldToEventLoop(): Promise<void>;
  /** Calls `handler` on SIGINT/SIGTERM; returns a function that removes it. */
  onInterrupt(handler: (signal: InterruptSignal) => void): () => void;
  /** Resolves once everything written so far has been handed to the operating system. */
  flush(): Promise<void>;
}

/**
 * Options a tool's entry point passes through to the producer (the socket
 * adapter, a logger): they cannot be given as Java properties.
 *
 * @example Usage
 * ```ts ignore
 * import { autoConnect } from "../../runtime/auto.ts";
 * const extra: ToolProducerOptions = { connect: autoConnect };
 * ```
 */
export type ToolProducerOptions = Partial<Pick<ProducerOptions, "connect" | "logger">>;

/**
 * What a tool's `run…` function needs: the runtime seam and extra producer options.
 *
 * @example Usage
 * ```ts ignore
 * const code = await runConsoleProducer({ io, producerOptions: { connect: autoConnect } });
 * ```
 */
export interface ToolContext {
  io: CliIo;
  producerOptions?: ToolProducerOptions;
}

/**
 * The message of an error as a tool prints it: the error's own message,
 * with the names of Kafka's error classes kept for context.
 *
 * @example Usage
 * ```ts
 * import { errorText } from "./io.ts";
 * console.assert(errorText(new TypeError("bad")) === "TypeError: bad");
 * ```
 */
export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * The tools' producer, from Java-style properties (all strings, as Kafka's
 * tools build them) plus the entry point's extra options.
 *
 * @example Usage
 * ```ts ignore
 * const producer = await createToolProducer({ "bootstrap.servers": "127.0.0.1:9092", "linger.ms": "5" }, { connect: autoConnect });
 * ```
 */
export function createToolProducer(properties: Record<string, string>, extra: ToolProducerOptions = {}): Promise<Producer> {
  return Promise.resolve(Producer.fromProperties(properties, extra as Parameters<typeof Producer.fromProperties>[1]));
}

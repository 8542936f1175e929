/**
 * `edgekafka-console-producer`: Kafka's `kafka-console-producer`
 * (`org.apache.kafka.tools.ConsoleProducer`) on edgekafka. Reads standard
 * input line by line (`LineMessageReader` rules, see `line_reader.ts`) and
 * sends each line as a record; options and defaults as in Kafka 4.3 (see
 * `console_options.ts`).
 *
 * Memory stays bounded whatever the input size: lines are sent as they are
 * read, and reading stops while the producer's buffer is full
 * (`producer.bufferFull`, then `await producer.ready()`: `buffer.memory` is
 * used up), as Java's blocking `send()` makes it stop. `--sync` waits for
 * each record's acknowledgement.
 *
 * On a terminal a `>` prompt is printed before each line is read. At end of
 * input (or on Ctrl-C, like Java's shutdown hook) the producer is closed,
 * which delivers what was sent, and a delivery summary goes to stderr.
 *
 * Exit status: 0; 1 for a bad option, a line that cannot be parsed (unless
 * `ignore.error=true`, which then skips what it can as Java does), or any
 * failed send (unless `ignore.error=true`). Java's console producer only
 * logs failed asynchronous sends and exits 0; the status is the difference.
 *
 * @module
 */

import { type Producer, type ProducerRecord, VERSION } from "../../mod.ts";
import { UsageError } from "./args.ts";
import { CONSOLE_TOOL, type ConsoleConfig, consoleConfig, consoleHelp } from "./console_options.ts";
import { createToolProducer, errorText, type ToolContext } from "./io.ts";
import { LineParseError, LineRecordParser, lineReaderConfig, LineSplitter } from "./line_reader.ts";

/** Failed sends printed one by one before the rest are only counted. */
const MAX_ERRORS_SHOWN = 100;

/**
 * Runs the console producer over `ctx.io`'s stdin; resolves with the exit status.
 *
 * @example Usage (what `cli/console_producer.ts` does)
 * ```ts ignore
 * import { runConsoleProducer } from "./console_producer.ts";
 * const code = await runConsoleProducer({ io, producerOptions: { connect: autoConnect } });
 * ```
 */
export async function runConsoleProducer(ctx: ToolContext): Promise<number> {
  const { io } = ctx;
  let config: ConsoleConfig | "help" | "version";
  let parser: LineRecordParser;
  try {
    config = await consoleConfig(io);
    if (config === "help") {
      io.stdout(consoleHelp());
      return 0;
    }
    if (config === "version") {
      io.stdout(`${VERSION} (edgekafka)\n`);
      return 0;
    }
    parser = new LineRecordParser(lineReaderConfig(config.topic, config.readerProps));
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof LineParseError)) throw error;
    io.stderr(`${error.message}\nRun "${CONSOLE_TOOL} --help" for the options.\n`);
    return 1;
  }
  for (const line of config.notices) io.stdout(line + "\n");
  let producer: Producer;
  try {
    producer = await createToolProducer(config.producerProps, ctx.producerOptions);
  } catch (error) {
    io.stderr(`${CONSOLE_TOOL}: ${errorText(error)}\n`);
    return 1;
  }
  return new ConsoleRun(ctx, config, parser, producer).run();
}

/** One run: the read loop, the accounting, the summary. */
class ConsoleRun {
  readonly #ctx: ToolContext;
  readonly #config: ConsoleConfig;
  readonly #parser: LineRecordParser;
  readonly #producer: Producer;
  readonly #ignoreError: boolean;
  readonly #start = performance.now();
  #sent = 0;
  #acked = 0;
  #failed = 0;
  /** Why reading stopped early (parse error, sync send failure), if it did. */
  #fatal: string | null = null;
  /** Set once reading is over (a read still pending after Ctrl-C sends nothing). */
  #stopped = false;
  #stopInterrupt: () => void = () => {};

  constructor(ctx: ToolContext, config: ConsoleConfig, parser: LineRecordParser, producer: Producer) {
    this.#ctx = ctx;
    this.#config = config;
    this.#parser = parser;
    this.#producer = producer;
    this.#ignoreError = config.readerProps["ignore.error"]?.trim().toLowerCase() === "true";
  }

  async run(): Promise<number> {
    const { io } = this.#ctx;
    let interrupted = false;
    // Ctrl-C: like Java's shutdown hook, stop, close the producer (delivering
    // what was sent), report. A pending stdin read cannot be cancelled, so
    // the read loop is raced rather than awaited.
    const signal = new Promise<void>((resolve) => {
      this.#stopInterrupt = io.onInterrupt(() => {
        interrupted = true;
        resolve();
      });
    });
    const reading = this.#readAll();
    reading.catch(() => {}); // after Ctrl-C nobody awaits it any more
    try {
      await Promise.race([reading, signal]);
    } catch (error) {
      this.#fatal = errorText(error);
    } finally {
      this.#stopped = true;
      this.#stopInterrupt();
    }
    if (this.#fatal !== null) io.stderr(`${CONSOLE_TOOL}: ${this.#fatal}\n`);
    await this.#producer.close();
    this.#summary(interrupted);
    if (interrupted) return 130;
    return this.#fatal !== null || (this.#failed > 0 && !this.#ignoreError) ? 1 : 0;
  }

  async #readAll(): Promise<void> {
    const { io } = this.#ctx;
    const splitter = new LineSplitter();
    const prompt = io.stdinIsTTY;
    if (prompt) io.stdout(">");
    for await (const chunk of io.stdin()) {
      splitter.feed(chunk);
      for (let line = splitter.next(); line !== undefined; line = splitter.next()) {
        // Most lines need no await (an await per line would cost a microtask each).
        const more = this.#line(line);
        if (more !== true && !(await more)) return;
        if (prompt) io.stdout(">");
      }
    }
    const last = splitter.end();
    if (last !== undefined) await this.#line(last);
  }

  /** Sends one line; false when reading must stop. Awaits only when it must. */
  #line(line: Uint8Array): boolean | Promise<boolean> {
    if (this.#stopped) return false;
    let record: ProducerRecord<Uint8Array, Uint8Array>;
    try {
      record = this.#parser.parse(line);
    } catch (error) {
      if (!(error instanceof LineParseError)) throw error;
      this.#fatal = error.message;
      return false;
    }
    if (this.#config.sync) return this.#sendSync(record);
    // The callback keeps the sizes only, not the record (whose views pin stdin chunks).
    const keyLength = record.key?.length ?? -1;
    const valueLength = record.value?.length ?? -1;
    this.#sent++;
    const producer = this.#producer;
    producer.send(record, (error) => {
      if (error === null) this.#acked++;
      else this.#onError(keyLength, valueLength, error);
    });
    return producer.bufferFull ? producer.ready().then(() => true) : true;
  }

  async #sendSync(record: ProducerRecord<Uint8Array, Uint8Array>): Promise<boolean> {
    this.#sent++;
    try {
      await this.#producer.send(record);
      this.#acked++;
      return true;
    } catch (error) {
      this.#onError(record.key?.length ?? -1, record.value?.length ?? -1, error as Error);
      if (this.#ignoreError) return true;
      this.#fatal = `Stopped after a failed send (--sync): ${errorText(error)}`;
      return false;
    }
  }

  /** Java's `ErrorLoggingCallback` line (capped at {@linkcode MAX_ERRORS_SHOWN}). */
  #onError(keyLength: number, valueLength: number, error: Error): void {
    this.#failed++;
    const io = this.#ctx.io;
    if (this.#failed > MAX_ERRORS_SHOWN) return;
    const key = keyLength < 0 ? "null" : `${keyLength} bytes`;
    const value = valueLength < 0 ? "null" : `${valueLength} bytes`;
    io.stderr(`Error when sending message to topic ${this.#config.topic} with key: ${key}, value: ${value} with error: ${errorText(error)}\n`);
    if (this.#failed === MAX_ERRORS_SHOWN) io.stderr(`(further send errors are counted, not shown)\n`);
  }

  #summary(interrupted: boolean): void {
    const seconds = (performance.now() - this.#start) / 1000;
    const rate = seconds > 0 ? Math.round(this.#acked / seconds) : 0;
    const why = interrupted ? " (interrupted)" : "";
    this.#ctx.io.stderr(
      `${CONSOLE_TOOL}: ${this.#sent} records sent, ${this.#acked} acknowledged, ${this.#failed} failed ` +
        `in ${seconds.toFixed(2)} s (${rate} records/s) to topic ${this.#config.topic}${why}\n`,
    );
  }
}

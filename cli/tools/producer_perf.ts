/**
 * `edgekafka-producer-perf-test`: Kafka's `ProducerPerformance` on edgekafka.
 * Same options, same stdout (window lines every `--reporting-interval` ms,
 * the final line, the steady-state line with `--warmup-records`, the
 * metrics table with `--print-metrics`), same payloads (Java's
 * `SplittableRandom(0)`), same throttling (`ThroughputThrottler`).
 *
 * The send loop is Java's: one `send(record, callback)` per record, no
 * waiting for acknowledgements, so many sends are in flight. Where Java's
 * `send()` would block on `buffer.memory`, the loop awaits
 * `producer.ready()` while `producer.bufferFull`; it also yields to the
 * event loop every {@linkcode SLICE_MS} ms so the producer's I/O runs while
 * records are produced.
 *
 * Differences from Java: a failed record's error is printed once per error
 * message (not a stack trace per record), the exit status is 1 if any
 * record failed, and a progress bar is drawn on stderr when it is a terminal.
 *
 * @module
 */

import type { Producer } from "../../mod.ts";
import { UsageError } from "./args.ts";
import { createToolProducer, errorText, type ToolContext } from "./io.ts";
import { PERF_TOOL, type PerfConfig, perfConfig, perfHelp } from "./perf_options.ts";
import { formatMetrics, PerfStats, ProgressBar } from "./perf_stats.ts";
import { PayloadGenerator } from "./random.ts";
import { ThroughputThrottler } from "./throttler.ts";

/** The transaction methods the perf tool calls, when the producer has them. */
interface TransactionalProducer {
  initTransactions(): Promise<void>;
  beginTransaction(): void;
  commitTransaction(): Promise<void>;
}

/**
 * Longest uninterrupted run of sends before the loop yields to the event loop (ms).
 *
 * Half a millisecond: on Deno each socket write and read completes only on a
 * later turn of the event loop, so the slice bounds how fast requests go out
 * and come back. Measured (perf tool, 3M × 100 B, 64 KiB batches, linger 5 ms,
 * unthrottled): with 1 ms slices Deno's p50 was 11–47 ms (the buffer filled)
 * and its peak RSS 200–290 MiB; with 0.5 ms, 4 ms and 172 MiB at 1.42M
 * records/s (0.25 ms: 2 ms, but 1.09–1.37M/s). Bun and Node lost nothing
 * (Bun 1.63–1.72M → 1.74–1.79M/s, Node 1.17–1.27M → 1.20–1.33M/s).
 *
 * @example Usage
 * ```ts
 * import { SLICE_MS } from "./producer_perf.ts";
 * console.assert(SLICE_MS > 0);
 * ```
 */
export const SLICE_MS = 0.5;

/** Sends between two looks at the clock. */
const CLOCK_EVERY = 64;

/** Distinct error messages printed before the rest are only counted. */
const MAX_ERRORS_SHOWN = 20;

/**
 * Runs the perf tool; resolves with the exit status.
 *
 * @example Usage (what `cli/producer_perf.ts` does)
 * ```ts ignore
 * import { runPerfTest } from "./producer_perf.ts";
 * const io = await runtimeIo();
 * const exitCode = await runPerfTest({ io, producerOptions: { connect: autoConnect } });
 * ```
 */
export async function runPerfTest(ctx: ToolContext): Promise<number> {
  const { io } = ctx;
  let config: PerfConfig | "help";
  try {
    config = await perfConfig(io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${PERF_TOOL}: error: ${error.message}\nRun "${PERF_TOOL} --help" for the options.\n`);
    return 1;
  }
  if (config === "help") {
    io.stdout(perfHelp());
    return 0;
  }
  for (const line of config.notices) io.stdout(line + "\n");

  let producer: Producer;
  try {
    producer = await createToolProducer(config.producerProps, ctx.producerOptions);
  } catch (error) {
    io.stderr(`${PERF_TOOL}: ${errorText(error)}\n`);
    return 1;
  }
  const txn = config.transactionsEnabled ? transactional(producer) : null;
  if (config.transactionsEnabled && txn === null) {
    io.stderr(`${PERF_TOOL}: transactions are not supported yet by this edgekafka version (--transactional-id, --transaction-duration-ms, transactional.id)\n`);
    await producer.close({ timeoutMs: 0 });
    return 1;
  }
  const run = new PerfRun(ctx, config, producer, txn);
  const stop = io.onInterrupt(() => run.interrupt());
  try {
    return await run.run();
  } finally {
    stop();
  }
}

/** The duck-typed transaction API (absent on builds without transactions). */
function transactional(producer: Producer): TransactionalProducer | null {
  const p = producer as unknown as Partial<TransactionalProducer>;
  return typeof p.initTransactions === "function" && typeof p.beginTransaction === "function" &&
      typeof p.commitTransaction === "function"
    ? (p as TransactionalProducer)
    : null;
}

/** One run of the tool. */
class PerfRun {
  readonly #ctx: ToolContext;
  readonly #config: PerfConfig;
  readonly #producer: Producer;
  readonly #txn: TransactionalProducer | null;
  readonly #bar: ProgressBar | null;
  #stats!: PerfStats;
  #steadyStateStats: PerfStats | null = null;
  #sent = 0;
  #acked = 0;
  #failed = 0;
  readonly #errors = new Map<string, number>();
  #interrupted = false;

  constructor(ctx: ToolContext, config: PerfConfig, producer: Producer, txn: TransactionalProducer | null) {
    this.#ctx = ctx;
    this.#config = config;
    this.#producer = producer;
    this.#txn = txn;
    this.#bar = ctx.io.stderrIsTTY ? new ProgressBar((t) => ctx.io.stderr(t), config.numRecords) : null;
  }

  /** Stops sending (Ctrl-C); what was sent is still delivered and reported. */
  interrupt(): void {
    this.#interrupted = true;
  }

  async run(): Promise<number> {
    const { io } = this.#ctx;
    const c = this.#config;
    const producer = this.#producer;
    const out = (line: string) => {
      this.#bar?.clear();
      io.stdout(line);
    };
    const timer = this.#bar === null ? null : setInterval(() => this.#bar!.update(this.#sent, this.#acked, this.#failed), 200);
    try {
      if (this.#txn !== null) await this.#txn.initTransactions();
      // One payload buffer refilled per record, as Java's tool: send() copies the value before it returns.
      const payloads = new PayloadGenerator(c.payload, { reuse: true });
      if (c.warmupRecords > 0) {
        out(`Warmup first ${c.warmupRecords} records. Steady state results will print after the complete test summary.\n`);
      }
      this.#stats = new PerfStats(c.numRecords, c.reportingIntervalMs, false, out);
      const throttler = new ThroughputThrottler(c.throughput, Date.now());
      let sinceClock = 0;
      let sliceStart = performance.now();
      const topic = c.topic;
      let transactionSize = 0;
      let transactionStart = 0;
      for (let i = 0; i < c.numRecords && !this.#interrupted; i++) {
        const payload = payloads.next(i);
        if (this.#txn !== null && transactionSize === 0) {
          this.#txn.beginTransaction();
          transactionStart = Date.now();
        }
        const sendStartMs = Date.now();
        if (c.warmupRecords > 0 && i === c.warmupRecords) {
          this.#steadyStateStats = new PerfStats(c.numRecords - c.warmupRecords, c.reportingIntervalMs, true, out);
          this.#stats.suppressPrinting();
        }
        producer.send({ topic, value: payload }, this.#callback(sendStartMs, payload.length));
        this.#sent++;
        transactionSize++;
        if (this.#txn !== null && c.transactionDurationMs! <= sendStartMs - transactionStart) {
          await this.#txn.commitTransaction();
          transactionSize = 0;
        }
        if (throttler.shouldThrottle(i, sendStartMs)) await throttler.throttle();
        // Java's send() blocks while buffer.memory is used up: wait for room; else yield once per slice.
        let pause: Promise<void> | null = null;
        if (producer.bufferFull) pause = producer.ready();
        else if (++sinceClock >= CLOCK_EVERY && performance.now() - sliceStart >= SLICE_MS) pause = io.yieldToEventLoop();
        else if (sinceClock >= CLOCK_EVERY) sinceClock = 0;
        if (pause !== null) {
          await pause;
          sliceStart = performance.now();
          sinceClock = 0;
        }
      }
      if (this.#txn !== null && transactionSize !== 0) await this.#txn.commitTransaction();
      if (!c.printMetrics) {
        await producer.close();
        this.#printTotals();
      } else {
        await producer.flush();
        this.#printTotals();
        out(formatMetrics(producer.metrics(), c.producerProps["client.id"] ?? "perf-producer-client"));
        await producer.close();
      }
    } catch (error) {
      this.#bar?.clear();
      io.stderr(`${PERF_TOOL}: ${errorText(error)}\n`);
      await producer.close({ timeoutMs: 0 }).catch(() => {});
      return 1;
    } finally {
      if (timer !== null) clearInterval(timer);
      this.#bar?.clear();
    }
    if (this.#failed > 0) {
      io.stderr(`${PERF_TOOL}: ${this.#failed} of ${this.#sent} records failed\n`);
      return 1;
    }
    return this.#interrupted ? 130 : 0;
  }

  #printTotals(): void {
    this.#bar?.clear();
    this.#stats.printTotal();
    this.#steadyStateStats?.printTotal();
  }

  /**
   * The last callback made, for its `start`, `bytes` and stats: records sent
   * in the same millisecond with the same size share it. Java makes one
   * `PerfCallback(sendStartMs, payload.length, stats)` per record; one per
   * distinct triple records exactly the same, without a closure per record
   * (about 200 bytes of garbage each, which Deno's and Bun's heaps grew by).
   */
  #last: { start: number; bytes: number; steady: PerfStats | null; callback: (error: Error | null) => void } | null = null;

  /** Java's `PerfCallback`: only successes are counted in the stats. */
  #callback(start: number, bytes: number): (error: Error | null) => void {
    const last = this.#last;
    if (last !== null && last.start === start && last.bytes === bytes && last.steady === this.#steadyStateStats) return last.callback;
    const callback = this.#newCallback(start, bytes);
    this.#last = { start, bytes, steady: this.#steadyStateStats, callback };
    return callback;
  }

  #newCallback(start: number, bytes: number): (error: Error | null) => void {
    const stats = this.#stats;
    const steady = this.#steadyStateStats;
    return (error: Error | null): void => {
      const now = Date.now();
      if (error === null) {
        this.#acked++;
        const latency = now - start;
        stats.record(latency, bytes, now);
        steady?.record(latency, bytes, now);
      } else {
        this.#failed++;
        this.#reportError(error);
      }
    };
  }

  #reportError(error: Error): void {
    const text = errorText(error);
    const seen = this.#errors.get(text);
    this.#errors.set(text, (seen ?? 0) + 1);
    if (seen !== undefined || this.#errors.size > MAX_ERRORS_SHOWN) return;
    this.#bar?.clear();
    this.#ctx.io.stderr(`${PERF_TOOL}: a record failed: ${text}\n`);
  }
}

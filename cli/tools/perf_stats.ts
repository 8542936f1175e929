/**
 * `ProducerPerformance.Stats` (Kafka 4.3): per-window and total counts,
 * bytes and latencies, a sampled latency array for percentiles, and the
 * report lines, character for character:
 *
 * ```text
 * 49431 records sent, 9886.2 records/sec (0.94 MB/sec), 2.7 ms avg latency, 149.0 ms max latency.
 * 100000 records sent, 9990.009990 records/sec (0.95 MB/sec), 2.32 ms avg latency, 149.00 ms max latency, 2 ms 50th, 4 ms 95th, 8 ms 99th, 110 ms 99.9th.
 * ```
 *
 * Latencies are whole milliseconds of `Date.now()` (Java's
 * `currentTimeMillis`), from just before `send()` to the callback. At most
 * 500,000 latencies are kept: every `numRecords / min(numRecords, 500000)`-th
 * successful record is sampled, as in Java.
 *
 * Also here: Java's `ToolsUtils.printMetrics` layout for `--print-metrics`,
 * and the progress bar drawn on a terminal's stderr.
 *
 * @module
 */

import { javaFixed } from "./java_format.ts";

/**
 * Java's `Stats`; `print` receives each line (with its newline).
 *
 * @example Usage
 * ```ts
 * import { PerfStats } from "./perf_stats.ts";
 * const lines: string[] = [];
 * const stats = new PerfStats(2, 5000, false, (l) => lines.push(l), () => 1000);
 * stats.record(3, 100, 1000);
 * stats.record(5, 100, 1000);
 * stats.printTotal();
 * console.assert(lines[0]!.startsWith("2 records sent, Infinity records/sec"));
 * ```
 */
export class PerfStats {
  readonly #start: number;
  readonly #latencies: Int32Array;
  readonly #sampling: number;
  readonly #reportingInterval: number;
  readonly #isSteadyState: boolean;
  readonly #print: (line: string) => void;
  readonly #now: () => number;
  #iteration = 0;
  #index = 0;
  #count = 0;
  #bytes = 0;
  #maxLatency = 0;
  #totalLatency = 0;
  #windowCount = 0;
  #windowMaxLatency = 0;
  #windowTotalLatency = 0;
  #windowBytes = 0;
  #windowStart: number;
  #suppressPrint = false;

  /**
   * @param numRecords Records the run will send (sizes the latency sample).
   * @param reportingInterval Milliseconds between window lines.
   * @param isSteadyState The steady-state stats of `--warmup-records`.
   * @param print Receives each line, with its newline.
   * @param now The clock (ms).
   */
  constructor(
    numRecords: number,
    reportingInterval: number,
    isSteadyState: boolean,
    print: (line: string) => void,
    now: () => number = Date.now,
  ) {
    this.#now = now;
    this.#start = now();
    this.#windowStart = this.#start;
    this.#sampling = Math.floor(numRecords / Math.min(numRecords, 500_000));
    this.#latencies = new Int32Array(Math.floor(numRecords / this.#sampling) + 1);
    this.#reportingInterval = reportingInterval;
    this.#isSteadyState = isSteadyState;
    this.#print = print;
  }

  /** Successful records so far. */
  get count(): number {
    return this.#count;
  }

  /** A successful record: its latency (ms), size, and the time it completed. */
  record(latency: number, bytes: number, time: number): void {
    this.#count++;
    this.#bytes += bytes;
    this.#totalLatency += latency;
    if (latency > this.#maxLatency) this.#maxLatency = latency;
    this.#windowCount++;
    this.#windowBytes += bytes;
    this.#windowTotalLatency += latency;
    if (latency > this.#windowMaxLatency) this.#windowMaxLatency = latency;
    if (this.#iteration % this.#sampling === 0) this.#latencies[this.#index++] = latency;
    if (time - this.#windowStart >= this.#reportingInterval) {
      if (this.#isSteadyState && this.#count === this.#windowCount) this.#print("In steady state.\n");
      if (!this.#suppressPrint) this.printWindow();
      this.newWindow();
    }
    this.#iteration++;
  }

  /** `N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency.` */
  printWindow(): void {
    const elapsed = this.#now() - this.#windowStart;
    const recsPerSec = (1000.0 * this.#windowCount) / elapsed;
    const mbPerSec = (1000.0 * this.#windowBytes) / elapsed / (1024.0 * 1024.0);
    this.#print(
      `${this.#windowCount} records sent, ${javaFixed(recsPerSec, 1)} records/sec (${javaFixed(mbPerSec, 2)} MB/sec), ` +
        `${javaFixed(this.#windowTotalLatency / this.#windowCount, 1)} ms avg latency, ${javaFixed(this.#windowMaxLatency, 1)} ms max latency.\n`,
    );
  }

  newWindow(): void {
    this.#windowStart = this.#now();
    this.#windowCount = 0;
    this.#windowMaxLatency = 0;
    this.#windowTotalLatency = 0;
    this.#windowBytes = 0;
  }

  /** The final line, with percentiles of the sampled latencies. */
  printTotal(): void {
    const elapsed = this.#now() - this.#start;
    const recsPerSec = (1000.0 * this.#count) / elapsed;
    const mbPerSec = (1000.0 * this.#bytes) / elapsed / (1024.0 * 1024.0);
    const [p50, p95, p99, p999] = percentiles(this.#latencies, this.#index, [0.5, 0.95, 0.99, 0.999]);
    this.#print(
      `${this.#count}${this.#isSteadyState ? " steady state" : ""} records sent, ${javaFixed(recsPerSec, 6)} records/sec ` +
        `(${javaFixed(mbPerSec, 2)} MB/sec), ${javaFixed(this.#totalLatency / this.#count, 2)} ms avg latency, ` +
        `${javaFixed(this.#maxLatency, 2)} ms max latency, ${p50} ms 50th, ${p95} ms 95th, ${p99} ms 99th, ${p999} ms 99.9th.\n`,
    );
  }

  /** Stops window lines (the overall stats once steady-state stats take over). */
  suppressPrinting(): void {
    this.#suppressPrint = true;
  }
}

/** Java's `percentiles`: sorts the first `count` samples in place, picks `(int) (p * size)`. */
function percentiles(latencies: Int32Array, count: number, ps: readonly number[]): number[] {
  const size = Math.min(count, latencies.length);
  latencies.subarray(0, size).sort();
  return ps.map((p) => latencies[Math.trunc(p * size)]!);
}

/**
 * `ToolsUtils.printMetrics`: a blank line, a header, then one
 * `group:name:{tags} : value` line per metric, sorted, values as `%.3f`.
 *
 * @example Usage
 * ```ts
 * import { formatMetrics } from "./perf_stats.ts";
 * const text = formatMetrics({ "record-send-total": 10 }, "perf-producer-client");
 * console.assert(text.includes("producer-metrics:record-send-total:{client-id=perf-producer-client} : 10.000"));
 * ```
 */
export function formatMetrics(metrics: Record<string, number>, clientId: string): string {
  const entries = Object.entries(metrics)
    .map(([name, value]) => [`producer-metrics:${name}:{client-id=${clientId}}`, value] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return "";
  const width = Math.max(...entries.map(([name]) => name.length));
  const lines = [`\n${"Metric Name".padEnd(width)}   Value`];
  for (const [name, value] of entries) lines.push(`${name.padEnd(width)} : ${javaFixed(value, 3)}`);
  return lines.join("\n") + "\n";
}

/**
 * A one-line progress bar for a terminal's stderr: records acknowledged
 * out of the total, the rate, failures. Redrawn at most 5 times a second;
 * `clear()` erases it (before anything else is printed on the terminal).
 *
 * @example Usage
 * ```ts ignore
 * const bar = new ProgressBar(io.stderr, 1_000_000);
 * bar.update(sent, acked, failed);
 * bar.clear();
 * ```
 */
export class ProgressBar {
  readonly #write: (text: string) => void;
  readonly #total: number;
  readonly #start = performance.now();
  #shown = false;
  #lastDraw = 0;

  constructor(write: (text: string) => void, total: number) {
    this.#write = write;
    this.#total = total;
  }

  /** Redraws if the last drawing is older than 200 ms (or `force`). */
  update(sent: number, acked: number, failed: number, force = false): void {
    const now = performance.now();
    if (!force && now - this.#lastDraw < 200) return;
    this.#lastDraw = now;
    const width = 30;
    const done = this.#total > 0 ? Math.min(1, (acked + failed) / this.#total) : 1;
    const filled = Math.round(done * width);
    const rate = acked / Math.max(0.001, (now - this.#start) / 1000);
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const failures = failed > 0 ? `, ${failed} failed` : "";
    this.#write(`\r\x1b[K[${bar}] ${(done * 100).toFixed(1)}% ${acked}/${this.#total} acked, ${sent} sent, ${Math.round(rate)} records/s${failures}`);
    this.#shown = true;
  }

  /** Erases the bar. */
  clear(): void {
    if (!this.#shown) return;
    this.#write("\r\x1b[K");
    this.#shown = false;
  }
}

/**
 * Producer metrics under Java's names (group `producer-metrics`). Rates and
 * averages are windowed as Java's defaults are: two samples of 30 s.
 *
 * @module
 */

const SAMPLE_MS = 30_000;

/** A windowed sum/count/max over two 30 s samples. */
class Windowed {
  #start = [0, 0];
  #sum = [0, 0];
  #count = [0, 0];
  #max = [-Infinity, -Infinity];
  #current = 0;
  /** When the first value was recorded (a rate's window cannot predate it). */
  #firstMs = -1;

  record(value: number, now: number): void {
    if (this.#firstMs < 0) {
      this.#firstMs = now;
      this.#start[0] = now;
    }
    if (now - this.#start[this.#current]! >= SAMPLE_MS) {
      this.#current ^= 1;
      this.#start[this.#current] = now;
      this.#sum[this.#current] = 0;
      this.#count[this.#current] = 0;
      this.#max[this.#current] = -Infinity;
    }
    this.#sum[this.#current]! += value;
    this.#count[this.#current]!++;
    if (value > this.#max[this.#current]!) this.#max[this.#current] = value;
  }

  #live(now: number): number[] {
    return [0, 1].filter((i) => this.#count[i]! > 0 && now - this.#start[i]! < 2 * SAMPLE_MS);
  }

  /** Sum per second over the window. */
  rate(now: number): number {
    const live = this.#live(now);
    if (live.length === 0) return 0;
    const sum = live.reduce((a, i) => a + this.#sum[i]!, 0);
    const oldest = Math.min(...live.map((i) => this.#start[i]!));
    // Java's Rate.windowSize: the elapsed time plus the full windows missing to (samples - 1).
    let elapsed = now - oldest;
    const fullWindows = Math.floor(elapsed / SAMPLE_MS);
    if (fullWindows < 1) elapsed += (1 - fullWindows) * SAMPLE_MS;
    return (sum * 1000) / elapsed;
  }

  avg(now: number): number {
    const live = this.#live(now);
    const count = live.reduce((a, i) => a + this.#count[i]!, 0);
    return count === 0 ? NaN : live.reduce((a, i) => a + this.#sum[i]!, 0) / count;
  }

  max(now: number): number {
    const live = this.#live(now);
    return live.length === 0 ? NaN : Math.max(...live.map((i) => this.#max[i]!));
  }
}

/** Gauges read at snapshot time. */
export interface MetricGauges {
  requestsInFlight: number;
  bufferTotalBytes: number;
  bufferAvailableBytes: number;
  bufferpoolWaitTimeMs: number;
  bufferExhaustedTotal: number;
  /** Records waiting for metadata or buffer memory now, and at most so far (edgekafka: Java's nearest is `waiting-threads`). */
  waitingRecords: number;
  waitingRecordsMax: number;
}

/**
 * The producer's counters and windows.
 *
 * @example Usage
 * ```ts
 * import { ProducerMetrics } from "./metrics.ts";
 * const m = new ProducerMetrics();
 * m.recordSends(10, Date.now());
 * console.assert(m.snapshot({ requestsInFlight: 0, bufferTotalBytes: 1, bufferAvailableBytes: 1,
 *   bufferpoolWaitTimeMs: 0, bufferExhaustedTotal: 0, waitingRecords: 0, waitingRecordsMax: 0 }, Date.now())["record-send-total"] === 10);
 * ```
 */
export class ProducerMetrics {
  #sendTotal = 0;
  #errorTotal = 0;
  #retryTotal = 0;
  #outgoingBytesTotal = 0;
  readonly #sends = new Windowed();
  readonly #errors = new Windowed();
  readonly #retries = new Windowed();
  readonly #batchSize = new Windowed();
  readonly #compression = new Windowed();
  readonly #recordsPerRequest = new Windowed();
  readonly #latency = new Windowed();
  readonly #outgoing = new Windowed();
  readonly #throttle = new Windowed();
  #reauthTotal = 0;
  #reauthFailedTotal = 0;
  readonly #reauths = new Windowed();
  readonly #reauthFailures = new Windowed();
  readonly #reauthLatency = new Windowed();

  /** Records acknowledged (Java counts records sent successfully in `record-send`). */
  recordSends(records: number, now: number): void {
    this.#sendTotal += records;
    this.#sends.record(records, now);
  }

  recordErrors(records: number, now: number): void {
    this.#errorTotal += records;
    this.#errors.record(records, now);
  }

  recordRetries(records: number, now: number): void {
    this.#retryTotal += records;
    this.#retries.record(records, now);
  }

  /** A batch going out: its wire size and compression ratio. */
  recordBatch(bytes: number, compressionRatio: number, now: number): void {
    this.#batchSize.record(bytes, now);
    this.#compression.record(compressionRatio, now);
  }

  /** A Produce request going out. */
  recordRequest(records: number, bytes: number, now: number): void {
    this.#recordsPerRequest.record(records, now);
    this.#outgoingBytesTotal += bytes;
    this.#outgoing.record(bytes, now);
  }

  /** A Produce response's round trip. */
  recordLatency(ms: number, now: number): void {
    this.#latency.record(ms, now);
  }

  /** A response's throttle time (0 for most), as Java records every response's in `produce-throttle-time`. */
  recordThrottle(ms: number, now: number): void {
    this.#throttle.record(ms, now);
  }

  /** A KIP-368 re-authentication ended (Java's selector metrics `successful-reauthentication-*`, `reauthentication-latency-*`). */
  recordReauthentication(latencyMs: number, succeeded: boolean, now: number): void {
    if (succeeded) {
      this.#reauthTotal++;
      this.#reauths.record(1, now);
      this.#reauthLatency.record(latencyMs, now);
    } else {
      this.#reauthFailedTotal++;
      this.#reauthFailures.record(1, now);
    }
  }

  /** All metrics by Java name. */
  snapshot(g: MetricGauges, now: number): Record<string, number> {
    return {
      "record-send-rate": this.#sends.rate(now),
      "record-send-total": this.#sendTotal,
      "record-error-rate": this.#errors.rate(now),
      "record-error-total": this.#errorTotal,
      "record-retry-rate": this.#retries.rate(now),
      "record-retry-total": this.#retryTotal,
      "batch-size-avg": this.#batchSize.avg(now),
      "batch-size-max": this.#batchSize.max(now),
      "compression-rate-avg": this.#compression.avg(now),
      "records-per-request-avg": this.#recordsPerRequest.avg(now),
      "request-latency-avg": this.#latency.avg(now),
      "request-latency-max": this.#latency.max(now),
      "requests-in-flight": g.requestsInFlight,
      "outgoing-byte-rate": this.#outgoing.rate(now),
      "outgoing-byte-total": this.#outgoingBytesTotal,
      "produce-throttle-time-avg": this.#throttle.avg(now),
      "produce-throttle-time-max": this.#throttle.max(now),
      "successful-reauthentication-rate": this.#reauths.rate(now),
      "successful-reauthentication-total": this.#reauthTotal,
      "failed-reauthentication-rate": this.#reauthFailures.rate(now),
      "failed-reauthentication-total": this.#reauthFailedTotal,
      "reauthentication-latency-avg": this.#reauthLatency.avg(now),
      "reauthentication-latency-max": this.#reauthLatency.max(now),
      "buffer-total-bytes": g.bufferTotalBytes,
      "buffer-available-bytes": g.bufferAvailableBytes,
      // Java reports this one in nanoseconds.
      "bufferpool-wait-time-total": g.bufferpoolWaitTimeMs * 1e6,
      "bufferpool-wait-time-ns-total": g.bufferpoolWaitTimeMs * 1e6,
      "buffer-exhausted-total": g.bufferExhaustedTotal,
      "waiting-records": g.waitingRecords,
      "waiting-records-max": g.waitingRecordsMax,
    };
  }
}

/**
 * ProducerMetrics: Java's metric names (group `producer-metrics`) and
 * Java's windowed stats (2 samples of 30 s): Rate over the elapsed time
 * plus the missing full windows, Avg/Max over the live samples, NaN when
 * there is nothing.
 */

import { describe, expect, test } from "bun:test";
import { type MetricGauges, ProducerMetrics } from "../../src/producer/metrics.ts";

const GAUGES: MetricGauges = {
  requestsInFlight: 3,
  bufferTotalBytes: 33_554_432,
  bufferAvailableBytes: 30_000_000,
  bufferpoolWaitTimeMs: 12,
  bufferExhaustedTotal: 2,
  waitingRecords: 5,
  waitingRecordsMax: 7,
};

const T0 = 1_000_000;

describe("snapshot names", () => {
  test("Java's producer-metrics names", () => {
    const names = Object.keys(new ProducerMetrics().snapshot(GAUGES, T0));
    for (const n of [
      "record-send-rate",
      "record-send-total",
      "record-error-rate",
      "record-error-total",
      "record-retry-rate",
      "record-retry-total",
      "batch-size-avg",
      "batch-size-max",
      "compression-rate-avg",
      "records-per-request-avg",
      "request-latency-avg",
      "request-latency-max",
      "requests-in-flight",
      "outgoing-byte-rate",
      "outgoing-byte-total",
      "produce-throttle-time-avg",
      "produce-throttle-time-max",
      "buffer-total-bytes",
      "buffer-available-bytes",
      "bufferpool-wait-time-total",
      "bufferpool-wait-time-ns-total",
      "buffer-exhausted-total",
      "waiting-records", // edgekafka's
      "waiting-records-max",
      // Java's selector metrics of SASL re-authentication (KIP-368)
      "successful-reauthentication-rate",
      "successful-reauthentication-total",
      "failed-reauthentication-rate",
      "failed-reauthentication-total",
      "reauthentication-latency-avg",
      "reauthentication-latency-max",
    ]) expect(names).toContain(n);
    expect(names.length).toBe(30);
  });

  test("re-authentications: successes with their latency, failures apart", () => {
    const m = new ProducerMetrics();
    m.recordReauthentication(12, true, T0);
    m.recordReauthentication(20, true, T0);
    m.recordReauthentication(5, false, T0);
    const s = m.snapshot(GAUGES, T0);
    expect([s["successful-reauthentication-total"], s["failed-reauthentication-total"]]).toEqual([2, 1]);
    expect([s["reauthentication-latency-avg"], s["reauthentication-latency-max"]]).toEqual([16, 20]);
  });

  test("gauges pass through; the buffer pool wait time is in nanoseconds as in Java", () => {
    const s = new ProducerMetrics().snapshot(GAUGES, T0);
    expect(s["requests-in-flight"]).toBe(3);
    expect(s["buffer-total-bytes"]).toBe(33_554_432);
    expect(s["buffer-available-bytes"]).toBe(30_000_000);
    expect(s["bufferpool-wait-time-total"]).toBe(12_000_000);
    expect(s["bufferpool-wait-time-ns-total"]).toBe(12_000_000);
    expect(s["buffer-exhausted-total"]).toBe(2);
    expect(s["waiting-records"]).toBe(5);
    expect(s["waiting-records-max"]).toBe(7);
  });

  test("nothing recorded: totals 0, rates 0, averages and maxima NaN (as Java's Avg/Max)", () => {
    const s = new ProducerMetrics().snapshot(GAUGES, T0);
    expect(s["record-send-total"]).toBe(0);
    expect(s["record-send-rate"]).toBe(0);
    expect(s["outgoing-byte-rate"]).toBe(0);
    expect(s["batch-size-avg"]).toBeNaN();
    expect(s["batch-size-max"]).toBeNaN();
    expect(s["request-latency-avg"]).toBeNaN();
    expect(s["request-latency-max"]).toBeNaN();
    expect(s["compression-rate-avg"]).toBeNaN();
    expect(s["records-per-request-avg"]).toBeNaN();
  });
});

describe("totals", () => {
  test("send, error, retry and outgoing byte totals are cumulative (never windowed)", () => {
    const m = new ProducerMetrics();
    m.recordSends(10, T0);
    m.recordSends(5, T0 + 100_000);
    m.recordErrors(2, T0);
    m.recordErrors(1, T0 + 200_000);
    m.recordRetries(4, T0 + 1);
    m.recordRequest(15, 1500, T0);
    m.recordRequest(3, 500, T0 + 300_000);
    const s = m.snapshot(GAUGES, T0 + 1_000_000);
    expect(s["record-send-total"]).toBe(15);
    expect(s["record-error-total"]).toBe(3);
    expect(s["record-retry-total"]).toBe(4);
    expect(s["outgoing-byte-total"]).toBe(2000);
  });
});

describe("windowed stats", () => {
  test("avg and max over the live samples", () => {
    const m = new ProducerMetrics();
    m.recordLatency(10, T0);
    m.recordLatency(30, T0 + 1000);
    m.recordBatch(100, 0.5, T0);
    m.recordBatch(300, 1, T0 + 10);
    m.recordRequest(4, 400, T0);
    m.recordRequest(6, 600, T0 + 5);
    const s = m.snapshot(GAUGES, T0 + 2000);
    expect(s["request-latency-avg"]).toBe(20);
    expect(s["request-latency-max"]).toBe(30);
    expect(s["batch-size-avg"]).toBe(200);
    expect(s["batch-size-max"]).toBe(300);
    expect(s["compression-rate-avg"]).toBe(0.75);
    expect(s["records-per-request-avg"]).toBe(5);
  });

  test("samples older than two windows (60 s) drop out of avg and max", () => {
    const m = new ProducerMetrics();
    m.recordLatency(500, T0); // sample 1 starts at T0
    m.recordLatency(100, T0 + 31_000); // sample 2 starts at T0 + 31 s
    let s = m.snapshot(GAUGES, T0 + 59_999);
    expect(s["request-latency-avg"]).toBe(300);
    expect(s["request-latency-max"]).toBe(500);
    s = m.snapshot(GAUGES, T0 + 60_000);
    expect(s["request-latency-avg"]).toBe(100);
    expect(s["request-latency-max"]).toBe(100);
    s = m.snapshot(GAUGES, T0 + 91_000);
    expect(s["request-latency-avg"]).toBeNaN();
    expect(s["request-latency-max"]).toBeNaN();
  });

  test("a third sample replaces the oldest", () => {
    const m = new ProducerMetrics();
    m.recordLatency(900, T0);
    m.recordLatency(20, T0 + 30_000);
    m.recordLatency(40, T0 + 60_000); // reuses the first sample's slot
    const s = m.snapshot(GAUGES, T0 + 60_000);
    expect(s["request-latency-avg"]).toBe(30);
    expect(s["request-latency-max"]).toBe(40);
  });

  test("rate over one full window and more", () => {
    const m = new ProducerMetrics();
    m.recordSends(60, T0);
    // 30 s elapsed: one full window, which is the minimum (samples - 1).
    expect(m.snapshot(GAUGES, T0 + 30_000)["record-send-rate"]).toBe(2);
    m.recordSends(30, T0 + 40_000); // second sample
    // 45 s elapsed since the oldest sample: 90 records / 45 s.
    expect(m.snapshot(GAUGES, T0 + 45_000)["record-send-rate"]).toBe(2);
    // Nothing live any more.
    expect(m.snapshot(GAUGES, T0 + 100_000)["record-send-rate"]).toBe(0);
  });

  test("rate early in the first window: elapsed time plus the missing full window (Java's Rate.windowSize)", () => {
    const m = new ProducerMetrics();
    m.recordSends(60, T0);
    // Java: 10 s elapsed, 0 full windows < samples - 1 = 1 -> 10 s + 30 s = 40 s -> 1.5/s.
    expect(m.snapshot(GAUGES, T0 + 10_000)["record-send-rate"]).toBe(1.5);
    // At the very first instant: 0 s + 30 s.
    expect(m.snapshot(GAUGES, T0)["record-send-rate"]).toBe(2);
    m.recordRequest(1, 4000, T0);
    expect(m.snapshot(GAUGES, T0 + 20_000)["outgoing-byte-rate"]).toBe(80);
  });

  test("rate after the first sample expired: the missing full window is added again (Java's Rate.windowSize)", () => {
    const m = new ProducerMetrics();
    m.recordSends(60, T0);
    m.recordSends(30, T0 + 40_000); // second sample
    // At 65 s the first sample is obsolete: 30 records since T0 + 40 s = 25 s, plus 30 s for the missing window.
    expect(m.snapshot(GAUGES, T0 + 65_000)["record-send-rate"]).toBeCloseTo(30 / 55, 10);
  });
});

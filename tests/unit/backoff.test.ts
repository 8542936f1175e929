/**
 * backoffMs: Java's `ExponentialBackoff(initial, 2, max, 0.2)` — jitter
 * within ±20 %, doubling per attempt, capped at the max, and a constant
 * `max` (no jitter) when the initial value is not below the max.
 */

import { describe, expect, test } from "bun:test";
import { backoffMs } from "../../src/backoff.ts";
import { seededRandom } from "./support/producer.ts";

const at = (r: number) => () => r;

describe("backoffMs", () => {
  test("jitter stays within [0.8, 1.2) of the term", () => {
    expect(backoffMs(0, 100, 1000, at(0))).toBe(80);
    expect(backoffMs(0, 100, 1000, at(0.5))).toBe(100);
    expect(backoffMs(0, 100, 1000, at(0.999999))).toBe(119);
    const random = seededRandom(3);
    for (let i = 0; i < 1000; i++) {
      const v = backoffMs(1, 100, 10_000, random);
      expect(v).toBeGreaterThanOrEqual(160);
      expect(v).toBeLessThan(240);
    }
  });

  test("doubles with each attempt", () => {
    const mid = at(0.5);
    expect([0, 1, 2, 3, 4].map((n) => backoffMs(n, 100, 100_000, mid))).toEqual([100, 200, 400, 800, 1600]);
    expect(backoffMs(2, 50, 1000, at(0))).toBe(160);
  });

  test("capped at the max, before and after jitter", () => {
    const mid = at(0.5);
    expect(backoffMs(3, 100, 1000, mid)).toBe(800);
    expect(backoffMs(4, 100, 1000, mid)).toBe(1000); // exponent capped at log2(10)
    expect(backoffMs(4, 100, 1000, at(0))).toBe(800); // jitter applies below the cap
    expect(backoffMs(4, 100, 1000, at(0.999))).toBe(1000); // never above it
    expect(backoffMs(60, 100, 1000, mid)).toBe(1000);
    expect(backoffMs(1e9, 100, 1000, mid)).toBe(1000);
  });

  test("negative attempts count as the first", () => {
    expect(backoffMs(-3, 100, 1000, at(0.5))).toBe(100);
  });

  test("an initial value of 0 means no backoff", () => {
    expect(backoffMs(0, 0, 1000, at(0.5))).toBe(0);
    expect(backoffMs(5, 0, 1000, at(0.5))).toBe(0);
  });

  test("initial >= max: the max, without jitter, as Java's ExponentialBackoff (expMax == 0)", () => {
    expect(backoffMs(0, 2000, 1000, at(0))).toBe(1000);
    expect(backoffMs(3, 2000, 1000, at(0.999))).toBe(1000);
    expect(backoffMs(0, 1000, 1000, at(0))).toBe(1000);
    expect(backoffMs(7, 1000, 1000, at(0.5))).toBe(1000);
  });
});

/**
 * The soak's pure parts (tests/soak/verify.ts, tests/soak/report.ts): the
 * exactly-once check on synthetic outcomes and topic contents, the memory
 * figures and the SVG. The soak itself (`npm run soak`, 30 min) is not in CI.
 */

import { describe, expect, test } from "bun:test";
import { memoryFigures, type MemorySample, memorySvg, resultJson, soakTitle, tickStep } from "../soak/report.ts";
import { ACKED, countValue, FAILED, PENDING, verifyExactlyOnce } from "../soak/verify.ts";

const MiB = 1048576;

/** A topic read back: counts each value into `seen`, returns the foreign count. */
function readBack(values: string[], n: number): { seen: Uint8Array; foreign: number } {
  const seen = new Uint8Array(n);
  let foreign = 0;
  for (const v of values) foreign += countValue(v, seen);
  return { seen, foreign };
}

describe("soak: exactly-once check", () => {
  test("every record acknowledged and in the topic once passes", () => {
    const status = new Uint8Array(5).fill(ACKED);
    const { seen, foreign } = readBack(["s=3", "s=0", "s=4", "s=1", "s=2xxxx"], 5);
    const v = verifyExactlyOnce(status, seen, 0, foreign);
    expect(v).toEqual({ sent: 5, acked: 5, failed: 0, unsettled: 0, settledTwice: 0, missing: 0, duplicates: 0, failedButPresent: 0, foreign: 0, ok: true });
  });

  test("a duplicate, a missing record, a failure present anyway and a foreign value are each counted", () => {
    const status = Uint8Array.from([ACKED, ACKED, ACKED, FAILED, ACKED]);
    const { seen, foreign } = readBack(["s=0", "s=1", "s=1", "s=1", "s=3", "s=4", "junk", "s=99", "s="], 5);
    const v = verifyExactlyOnce(status, seen, 0, foreign);
    expect(v).toMatchObject({ acked: 4, failed: 1, missing: 1, duplicates: 2, failedButPresent: 1, foreign: 3, ok: false });
  });

  test("an unsettled send or a callback run twice fails the run though the topic is perfect", () => {
    const { seen } = readBack(["s=0", "s=1"], 2);
    expect(verifyExactlyOnce(Uint8Array.from([ACKED, PENDING]), seen, 0, 0)).toMatchObject({ unsettled: 1, ok: false });
    expect(verifyExactlyOnce(Uint8Array.from([ACKED, ACKED]), seen, 1, 0)).toMatchObject({ settledTwice: 1, ok: false });
  });

  test("a failed record that is absent is still a failure (every record must be acknowledged)", () => {
    const { seen } = readBack(["s=0"], 2);
    expect(verifyExactlyOnce(Uint8Array.from([ACKED, FAILED]), seen, 0, 0)).toMatchObject({ failed: 1, missing: 0, failedButPresent: 0, ok: false });
  });

  test("copies saturate at 255 instead of wrapping", () => {
    const { seen } = readBack(Array.from({ length: 300 }, () => "s=0"), 1);
    expect(seen[0]).toBe(255);
    expect(verifyExactlyOnce(Uint8Array.from([ACKED]), seen, 0, 0).duplicates).toBe(254);
  });
});

/** Samples every 5 s over `minutes`, RSS/heap from `rss(t)`/`heap(t)` in MiB. */
function series(minutes: number, rss: (t: number) => number, heap: (t: number) => number): MemorySample[] {
  const out: MemorySample[] = [];
  for (let t = 0; t <= minutes * 60_000; t += 5_000) {
    out.push({ t, rss: rss(t) * MiB, heapUsed: heap(t) * MiB, heapTotal: 2 * heap(t) * MiB, sent: t, acked: t, failed: 0, outstanding: 0 });
  }
  return out;
}

describe("soak: memory figures", () => {
  test("start is the minute after the warm-up, end the last minute, both medians; spikes only move the max", () => {
    const s = series(10, (t) => (t < 60_000 ? 40 : 70) + (t === 300_000 ? 500 : 0), () => 20);
    const f = memoryFigures(s, 60_000);
    expect(f.rss.start).toBe(70 * MiB);
    expect(f.rss.end).toBe(70 * MiB);
    expect(f.rss.max).toBe(570 * MiB);
    expect(f.rss.min).toBe(40 * MiB);
    expect(f.rss.growth).toBe(0);
    expect(f.heapUsed.growth).toBe(0);
  });

  test("a steady leak shows as growth", () => {
    const f = memoryFigures(series(30, (t) => 60 + t / 60_000, (t) => 10 + t / 120_000), 60_000);
    expect(f.rss.growth).toBeGreaterThan(0.3);
    expect(f.heapUsed.growth).toBeGreaterThan(0.9);
  });

  test("a run shorter than the warm-up falls back to the first sample", () => {
    const f = memoryFigures(series(0.5, (t) => 50 + t / 5_000, () => 5), 60_000);
    expect(f.rss.start).toBe(50 * MiB);
  });

  test("no samples is an error", () => {
    expect(() => memoryFigures([])).toThrow("No memory samples");
  });
});

describe("soak: the SVG", () => {
  const samples = series(30, (t) => 60 + Math.sin(t / 100_000) * 5, () => 20);
  const restarts = [{ t: 300_000, upT: 320_000, broker: 1 }, { t: 600_000, upT: 622_000, broker: 2 }];
  const svg = memorySvg(samples, restarts, soakTitle("bun", 18_000_000, 10_000, 2, 0, 0));

  test("is one svg element with both curves, a band per restart and the title", () => {
    expect(svg.startsWith(`<svg xmlns="http://www.w3.org/2000/svg" width="640" height="260"`)).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<path /g)?.length).toBe(2);
    expect(svg.match(/fill-opacity="0.25"/g)?.length).toBe(2);
    expect(svg).toContain(">b1</text>");
    expect(svg).toContain(">b2</text>");
    expect(svg).toContain("Soak on bun: 18,000,000 records at 10,000/s, 2 broker restarts, 0 duplicates, 0 missing");
  });

  test("the curves stay inside the plot, the x axis runs 0 to 30 minutes", () => {
    const coords = [...svg.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    expect(coords.length).toBe(2 * samples.length);
    for (const [x, y] of coords) {
      expect(x).toBeGreaterThanOrEqual(48);
      expect(x).toBeLessThanOrEqual(628.01);
      expect(y).toBeGreaterThanOrEqual(40);
      expect(y).toBeLessThanOrEqual(226.01);
    }
    expect(svg).toContain(`text-anchor="middle">0</text>`);
    expect(svg).toContain(`text-anchor="middle">30</text>`);
  });

  test("text is escaped", () => {
    expect(memorySvg(samples, [], "a <b> & c")).toContain("a &lt;b&gt; &amp; c");
  });

  test("tick steps are 1, 2 or 5 times a power of ten", () => {
    expect(tickStep(30, 6)).toBe(5);
    expect(tickStep(75, 5)).toBe(20);
    expect(tickStep(1.5, 6)).toBe(0.5);
    expect(tickStep(0, 5)).toBe(1);
  });

  test("the result JSON parses back, one line per sample", () => {
    const text = resultJson({ runtime: "bun", records: 3, samples: samples.slice(0, 3) });
    expect(JSON.parse(text)).toEqual({ runtime: "bun", records: 3, samples: samples.slice(0, 3) });
    expect(text.split("\n").filter((l) => l.startsWith(`  {"t":`)).length).toBe(3);
  });
});

/**
 * The soak's memory report (pure): start/end/max figures of RSS and heap
 * over the run, and the curve as a small hand-written SVG with the broker
 * restarts marked.
 *
 * @module
 */

/** One memory sample of the producer process (`process.memoryUsage()`), with its progress. */
export interface MemorySample {
  /** ms since the producer was ready. */
  t: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  sent: number;
  acked: number;
  failed: number;
  outstanding: number;
}

/** A broker restart: killed at `t`, back (registered again) at `upT` (ms on the samples' clock). */
export interface RestartEvent {
  t: number;
  upT: number;
  broker: number;
}

/** Start, end and extremes of one series, in bytes. */
export interface SeriesFigures {
  /** Median over the first minute after the warm-up. */
  start: number;
  /** Median over the last minute. */
  end: number;
  min: number;
  max: number;
  /** (end − start) / start. */
  growth: number;
}

/** The memory figures of a run. */
export interface MemoryFigures {
  samples: number;
  warmupMs: number;
  rss: SeriesFigures;
  heapUsed: SeriesFigures;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Figures of RSS and heapUsed: `start` is the median of the samples in
 * [warmupMs, warmupMs + windowMs), `end` the median of the last `windowMs`
 * (both fall back to the first/last sample when their window is empty).
 */
export function memoryFigures(samples: MemorySample[], warmupMs = 60_000, windowMs = 60_000): MemoryFigures {
  if (samples.length === 0) throw new Error("No memory samples");
  const last = samples[samples.length - 1]!.t;
  const series = (pick: (s: MemorySample) => number): SeriesFigures => {
    const all = samples.map(pick);
    const head = samples.filter((s) => s.t >= warmupMs && s.t < warmupMs + windowMs).map(pick);
    const tail = samples.filter((s) => s.t > last - windowMs).map(pick);
    const start = head.length > 0 ? median(head) : all[0]!;
    const end = tail.length > 0 ? median(tail) : all[all.length - 1]!;
    return { start, end, min: Math.min(...all), max: Math.max(...all), growth: (end - start) / start };
  };
  return { samples: samples.length, warmupMs, rss: series((s) => s.rss), heapUsed: series((s) => s.heapUsed) };
}

/**
 * A run's result as JSON: pretty-printed, except `samples` (one line per
 * sample), so the file stays short and diffable.
 */
export function resultJson(result: { samples: MemorySample[] } & Record<string, unknown>): string {
  const { samples, ...rest } = result;
  const head = JSON.stringify(rest, null, 1);
  const body = samples.map((s) => "  " + JSON.stringify(s)).join(",\n");
  return `${head.slice(0, -2)},\n "samples": [\n${body}\n ]\n}\n`;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

/** A "nice" tick step (1, 2 or 5 × 10^k) giving about `count` ticks over `span`. */
export function tickStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** The figure's title line. */
export function soakTitle(runtime: string, records: number, rate: number, restarts: number, duplicates: number, missing: number): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return `Soak on ${runtime}: ${n(records)} records at ${n(rate)}/s, ${restarts} broker restarts, ${duplicates} duplicates, ${missing} missing`;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * The curve: RSS and heapUsed (MiB) over time (minutes), a shaded band per
 * broker restart (from kill to back up), a title line. Width × height in px.
 */
export function memorySvg(samples: MemorySample[], restarts: RestartEvent[], title: string, width = 640, height = 260): string {
  if (samples.length === 0) throw new Error("No memory samples");
  const left = 48, right = 12, top = 40, bottom = 34;
  const w = width - left - right, h = height - top - bottom;
  const tMax = Math.max(samples[samples.length - 1]!.t, 1);
  const yTop = Math.max(...samples.map((s) => s.rss)) / 1048576;
  const yStep = tickStep(yTop, 5);
  const yMax = Math.ceil((yTop * 1.05) / yStep) * yStep || yStep;
  const x = (t: number) => left + (t / tMax) * w;
  const y = (bytes: number) => top + h - (bytes / 1048576 / yMax) * h;
  const f = (v: number) => v.toFixed(1);
  const path = (pick: (s: MemorySample) => number) =>
    samples.map((s, i) => `${i === 0 ? "M" : "L"}${f(x(s.t))},${f(y(pick(s)))}`).join("");
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${left}" y="15" font-size="12">${esc(title)}</text>`);
  for (const r of restarts) {
    const x0 = x(r.t), x1 = Math.max(x(r.upT), x0 + 1);
    out.push(`<rect x="${f(x0)}" y="${top}" width="${f(x1 - x0)}" height="${h}" fill="#f4b400" fill-opacity="0.25"/>`);
    out.push(`<text x="${f(x0 + 2)}" y="${top + 10}" fill="#a06800" font-size="9">b${r.broker}</text>`);
  }
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    out.push(`<line x1="${left}" x2="${left + w}" y1="${f(y(v * 1048576))}" y2="${f(y(v * 1048576))}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 4}" y="${f(y(v * 1048576) + 4)}" text-anchor="end">${+v.toFixed(3)}</text>`);
  }
  const minutes = tMax / 60_000;
  const tStep = tickStep(minutes, 6);
  for (let m = 0; m <= minutes + 1e-9; m += tStep) {
    out.push(`<text x="${f(x(m * 60_000))}" y="${top + h + 14}" text-anchor="middle">${+m.toFixed(3)}</text>`);
  }
  out.push(`<text x="${left + w / 2}" y="${height - 4}" text-anchor="middle">minutes</text>`);
  out.push(`<text x="12" y="${top + h / 2}" text-anchor="middle" transform="rotate(-90 12 ${top + h / 2})">MiB</text>`);
  out.push(`<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`);
  out.push(`<path d="${path((s) => s.rss)}" fill="none" stroke="#1a73e8" stroke-width="1.5"/>`);
  out.push(`<path d="${path((s) => s.heapUsed)}" fill="none" stroke="#d93025" stroke-width="1.5"/>`);
  const lx = left, ly = top - 8;
  out.push(`<line x1="${lx}" x2="${lx + 16}" y1="${ly - 4}" y2="${ly - 4}" stroke="#1a73e8" stroke-width="2"/><text x="${lx + 20}" y="${ly}">RSS</text>`);
  out.push(`<line x1="${lx + 52}" x2="${lx + 68}" y1="${ly - 4}" y2="${ly - 4}" stroke="#d93025" stroke-width="2"/><text x="${lx + 72}" y="${ly}">heapUsed</text>`);
  out.push(`<rect x="${lx + 132}" y="${ly - 9}" width="12" height="9" fill="#f4b400" fill-opacity="0.4"/><text x="${lx + 148}" y="${ly}">broker down (killed → back)</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}

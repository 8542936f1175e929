// Issue 13's sections of the bench report: the throughput ratios of (a) and (b), and the memory of
// (d) (10M records through the backpressure API) and (d′) (the naive send() loop).
import { COMMON, WORKLOADS, workloadTitle } from "./clients.mjs";

const fmtInt = (x) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString("en"));
const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(d));
const ratio = (x, y) => (x && y ? x / y : null);
const RUNTIMES = [["bun", "Bun"], ["deno", "Deno"], ["node", "Node"]];

/** The best edgekafka runtime of a workload's medians: [id, medians] or null. */
function best(byClient) {
  const ids = RUNTIMES.map(([id]) => id).filter((id) => byClient?.[id]?.recordsPerSec);
  ids.sort((x, y) => byClient[y].recordsPerSec - byClient[x].recordsPerSec);
  return ids.length ? [ids[0], byClient[ids[0]]] : null;
}

/**
 * Issue 13's targets on (a) and (b), as measured: best runtime ÷ librdkafka (target ≥ 1.25), Node and
 * Deno ÷ Bun (≥ 0.85), client CPU per record ÷ librdkafka's (≤ 1.5). Null when (a) has no edgekafka row.
 */
export function throughputTargets(results) {
  const m = results.summary.medians;
  const lines = ["| workload | measure | value | target | met? |", "|---|---|---:|---:|:---:|"];
  const yes = (ok) => (ok === null ? "–" : ok ? "yes" : "**no**");
  let any = false;
  for (const w of ["a", "b"]) {
    const b = best(m[w]);
    if (b === null) continue;
    any = true;
    const rd = m[w].librdkafka;
    const vs = ratio(b[1].recordsPerSec, rd?.recordsPerSec);
    lines.push(`| (${w}) | best runtime (${b[0]}) ÷ librdkafka, records/s | ${fmt(vs, 2)}× | ≥ 1.25× | ${yes(vs === null ? null : vs >= 1.25)} |`);
    if (w !== "a") continue;
    for (const rt of ["node", "deno"]) {
      const r = ratio(m.a[rt]?.recordsPerSec, m.a.bun?.recordsPerSec);
      lines.push(`| (a) | ${rt} ÷ bun, records/s | ${fmt(r, 2)}× | ≥ 0.85× | ${yes(r === null ? null : r >= 0.85)} |`);
    }
    for (const [rt] of RUNTIMES) {
      const r = ratio(m.a[rt]?.cpuSec, rd?.cpuSec); // same record count: CPU s ratio = CPU per record ratio
      lines.push(`| (a) | ${rt} CPU per record ÷ librdkafka's | ${fmt(r, 2)}× | ≤ 1.5× | ${yes(r === null ? null : r <= 1.5)} |`);
    }
  }
  return any ? lines.join("\n") : null;
}

/**
 * (d) and (d′) per runtime: peak RSS against the idle producer's + buffer.memory + 32 MiB, and (d)'s
 * records/s against (a)'s (target: within 5 %).
 */
export function memoryTable(results) {
  const m = results.summary.medians;
  if (!m.d && !m["d-naive"]) return null;
  const bufferMiB = COMMON.bufferMemory / 1048576;
  const lines = [
    "| runtime | workload | records/s | ÷ (a) | p50 ms | p99 ms | CPU s | peak RSS MiB | idle producer + buffer.memory + 32 MiB | peak within? |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
  ];
  for (const [rt, name] of RUNTIMES) {
    const idle = results.baselines?.[rt]?.idleProducerPeakRssMiB ?? null;
    const limit = idle === null ? null : idle + bufferMiB + 32;
    for (const w of ["d", "d-naive"]) {
      const x = m[w]?.[rt];
      const title = workloadTitle(results, WORKLOADS.find((y) => y.id === w));
      if (!x) continue;
      const within = limit === null || x.peakRssMiB === null ? "–" : x.peakRssMiB <= limit ? "yes" : "**no**";
      lines.push(
        `| edgekafka · ${name} | ${title} | ${fmtInt(x.recordsPerSec)} | ${fmt(ratio(x.recordsPerSec, m.a?.[rt]?.recordsPerSec), 2)}× | ` +
          `${fmtInt(x.p50Ms)} | ${fmtInt(x.p99Ms)} | ${fmt(x.cpuSec, 2)} | ${fmt(x.peakRssMiB, 0)} | ${fmt(limit, 0)} | ${within} |`,
      );
    }
  }
  return lines.join("\n");
}

/** The report's issue-13 section (null when the run has none of it). */
export function issue13Section(results) {
  const t = throughputTargets(results);
  const mt = memoryTable(results);
  if (!t && !mt) return null;
  const out = ["## Issue 13: throughput targets and memory"];
  if (t) out.push("", "From the medians above (CPU s is for the same record count, so its ratio is the ratio per record):", "", t);
  if (mt) {
    out.push(
      "",
      "Memory: (d) sends 10M records with the perf tool, which awaits `producer.ready()` while `producer.bufferFull`; (d′) is the " +
        "naive loop (`bench/naive_loop.mjs`: `send()` 3M times, one shared callback, no backpressure). \"÷ (a)\" is records/s " +
        "against the same runtime's (a) in this run; the idle producer's peak RSS is the baseline above.",
      "",
      mt,
    );
  }
  return out.join("\n");
}

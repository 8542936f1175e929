// Medians and the Markdown report of a benchmark result (bench/results/<date>.json).
import { CLIENTS, COMMON, WORKLOADS, workloadTitle } from "./clients.mjs";
import { issue13Section } from "./report_issue13.mjs";

/** Median of the numbers in `xs` (null for none). */
export function median(xs) {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const METRICS = ["recordsPerSec", "mbPerSec", "avgLatencyMs", "p50Ms", "p95Ms", "p99Ms", "p999Ms", "maxLatencyMs", "cpuSec", "peakRssMiB", "brokerCpuSec", "otherCpuSec", "wallSec", "bytesPerRecord"];

/** Medians per (workload, client), the issue-5 goal, and the issue-3 and issue-4 comparisons. */
export function summarize(results) {
  const pairs = {};
  for (const r of results.runs) {
    pairs[r.workload] ??= {};
    pairs[r.workload][r.client] ??= [];
    pairs[r.workload][r.client].push(r);
  }
  const medians = {};
  for (const [w, byClient] of Object.entries(pairs)) {
    medians[w] = {};
    for (const [c, runs] of Object.entries(byClient)) {
      const ok = runs.filter((r) => r.ok);
      const m = { runs: runs.length, okRuns: ok.length };
      for (const k of METRICS) m[k] = median(ok.map((r) => r[k]));
      const rates = ok.map((r) => r.recordsPerSec);
      m.recordsPerSecMin = rates.length ? Math.min(...rates) : null;
      m.recordsPerSecMax = rates.length ? Math.max(...rates) : null;
      const loads = runs.map((r) => r.loadAverage[0]);
      m.loadAverage1mRange = [Math.min(...loads), Math.max(...loads)];
      medians[w][c] = m;
    }
  }

  const a = medians.a ?? {};
  const edge = ["bun", "deno", "node"].filter((c) => a[c]?.recordsPerSec);
  const best = edge.sort((x, y) => a[y].recordsPerSec - a[x].recordsPerSec)[0] ?? null;
  const goal = best === null ? null : {
    workload: "a",
    bestEdgekafka: best,
    bestEdgekafkaRecordsPerSec: a[best].recordsPerSec,
    javaRecordsPerSec: a.java?.recordsPerSec ?? null,
    kafkajsRecordsPerSec: a.kafkajs?.recordsPerSec ?? null,
    vsJava: a.java?.recordsPerSec ? a[best].recordsPerSec / a.java.recordsPerSec : null,
    vsKafkajs: a.kafkajs?.recordsPerSec ? a[best].recordsPerSec / a.kafkajs.recordsPerSec : null,
  };
  if (goal) {
    goal.beatsJava = goal.vsJava === null ? null : goal.vsJava >= 1;
    goal.threeTimesKafkajs = goal.vsKafkajs === null ? null : goal.vsKafkajs >= 3;
    goal.perRuntime = Object.fromEntries(["bun", "deno", "node"].filter((c) => a[c]).map((c) => [c, {
      recordsPerSec: a[c].recordsPerSec,
      vsJava: a.java?.recordsPerSec ? a[c].recordsPerSec / a.java.recordsPerSec : null,
      vsKafkajs: a.kafkajs?.recordsPerSec ? a[c].recordsPerSec / a.kafkajs.recordsPerSec : null,
    }]));
  }

  const bufferMiB = COMMON.bufferMemory / 1048576;
  const issue3 = {};
  const issue4 = {};
  for (const rt of ["bun", "deno", "node"]) {
    const base = results.baselines?.[rt];
    if (medians.a?.[rt] || medians["a-16k"]?.[rt]) {
      const rss = (w) => medians[w]?.[rt]?.peakRssMiB ?? null;
      const limit = base ? base.idleProducerPeakRssMiB + bufferMiB : null;
      issue3[rt] = {
        batch64k: medians.a?.[rt] ?? null,
        batch16k: medians["a-16k"]?.[rt] ?? null,
        baselineIdleProducerPeakRssMiB: base?.idleProducerPeakRssMiB ?? null,
        runtimeOnlyPeakRssMiB: base?.runtimeOnlyPeakRssMiB ?? null,
        bufferMemoryMiB: bufferMiB,
        limitMiB: limit,
        peakRssMiB64k: rss("a"),
        peakRssMiB16k: rss("a-16k"),
        within64k: limit !== null && rss("a") !== null ? rss("a") <= limit : null,
        within16k: limit !== null && rss("a-16k") !== null ? rss("a-16k") <= limit : null,
        // the worst single run, too: a median can hide one run over the limit
        maxRunPeakRssMiB: Math.max(...results.runs.filter((r) => r.client === rt && r.ok).map((r) => r.peakRssMiB)),
      };
    }
    if (medians.a?.[rt] && medians["a-noidem"]?.[rt]) {
      issue4[rt] = {
        idempotent: medians.a[rt],
        nonIdempotent: medians["a-noidem"][rt],
        throughputRatio: medians["a-noidem"][rt].recordsPerSec / medians.a[rt].recordsPerSec,
      };
    }
  }
  // Issue 10: (a) over SASL_SSL (SCRAM-SHA-512) as a ratio to plaintext, per client that ran both.
  const sasl = {};
  for (const c of CLIENTS) {
    const plain = medians.a?.[c.id];
    const secured = medians["a-sasl"]?.[c.id];
    if (plain?.recordsPerSec && secured?.recordsPerSec) sasl[c.id] = { plaintext: plain, sasl: secured, throughputRatio: secured.recordsPerSec / plain.recordsPerSec };
  }
  const loads = results.runs.map((r) => r.loadAverage[0]);
  const others = results.runs.map((r) => r.otherCpuSec).filter((x) => typeof x === "number");
  return {
    medians,
    goal,
    issue3,
    issue4,
    sasl,
    load: {
      loadAverage1mMin: loads.length ? Math.min(...loads) : null,
      loadAverage1mMax: loads.length ? Math.max(...loads) : null,
      otherCpuSecMedian: median(others),
      otherCpuSecMax: others.length ? Math.max(...others) : null,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------------
const fmtInt = (x) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString("en"));
const fmt = (x, d = 1) => (x === null || x === undefined ? "–" : x.toFixed(d));
const fmtRate = (x) => (x === null || x === undefined ? "–" : x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${Math.round(x / 1000)} k`);
const label = (id) => CLIENTS.find((c) => c.id === id)?.label ?? id;
const noLatency = (id) => CLIENTS.find((c) => c.id === id)?.latency === false;

/** The main table: one row per (workload, client). */
export function resultsTable(results) {
  const s = results.summary;
  const lines = [
    "| workload | client | records/s | MB/s | p50 ms | p99 ms | CPU s | peak RSS MiB | broker CPU s |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const w of WORKLOADS) {
    const byClient = s.medians[w.id];
    if (!byClient || w.edgekafkaOnly) continue;
    for (const c of CLIENTS) {
      const m = byClient[c.id];
      if (!m) continue;
      const failed = m.okRuns < m.runs ? ` (${m.runs - m.okRuns} of ${m.runs} runs failed)` : "";
      const spread = m.recordsPerSecMin !== null && m.okRuns > 1 ? ` <sub>${fmtRate(m.recordsPerSecMin)}–${fmtRate(m.recordsPerSecMax)}</sub>` : "";
      const lat = noLatency(c.id) ? ["n/a", "n/a"] : [fmtInt(m.p50Ms), fmtInt(m.p99Ms)];
      lines.push(
        `| ${workloadTitle(results, w)} | ${label(c.id)}${failed} | ${fmtInt(m.recordsPerSec)}${spread} | ${fmt(m.mbPerSec, 1)} | ${lat[0]} | ${lat[1]} | ${fmt(m.cpuSec, 2)} | ${fmt(m.peakRssMiB, 0)} | ${fmt(m.brokerCpuSec, 2)} |`,
      );
    }
  }
  return lines.join("\n");
}

/**
 * Issue 11: workload (c) with every codec, side by side: records/s and its ratio to librdkafka's, latency,
 * CPU, and the bytes a record takes in the broker's log (LogDirsCommand ÷ records).
 */
export function codecTable(results) {
  const s = results.summary;
  const codecs = WORKLOADS.filter((w) => w.compression !== "none" && !w.secure && s.medians[w.id]);
  if (codecs.length === 0) return null;
  const lines = [
    "| codec | client | records/s | × librdkafka | p50 ms | p99 ms | p99 ÷ (a) p99 | CPU s | stored bytes/record |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const w of codecs) {
    const byClient = s.medians[w.id];
    const rd = byClient.librdkafka?.recordsPerSec ?? null;
    for (const c of CLIENTS) {
      const m = byClient[c.id];
      if (!m || c.id === "kcat") continue;
      const ratio = rd && m.recordsPerSec ? `${(m.recordsPerSec / rd).toFixed(2)}×` : "–";
      const aP99 = s.medians.a?.[c.id]?.p99Ms;
      const vsA = aP99 && m.p99Ms !== null ? `${(m.p99Ms / aP99).toFixed(1)}×` : "–";
      lines.push(`| ${w.compression} | ${label(c.id)} | ${fmtInt(m.recordsPerSec)} | ${ratio} | ${fmtInt(m.p50Ms)} | ${fmtInt(m.p99Ms)} | ${vsA} | ${fmt(m.cpuSec, 2)} | ${fmt(m.bytesPerRecord, 1)} |`);
    }
  }
  return lines.join("\n");
}

/** Issue 13: latency at moderate load: every client paced to the same rate. */
export function latencyTable(results) {
  const byClient = results.summary.medians["a-100k"];
  if (!byClient) return null;
  const lines = ["| client | records/s | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | CPU s |", "|---|---:|---:|---:|---:|---:|---:|---:|"];
  for (const c of CLIENTS) {
    const m = byClient[c.id];
    if (!m) continue;
    lines.push(`| ${label(c.id)} | ${fmtInt(m.recordsPerSec)} | ${fmtInt(m.p50Ms)} | ${fmtInt(m.p95Ms)} | ${fmtInt(m.p99Ms)} | ${fmtInt(m.p999Ms)} | ${fmtInt(m.maxLatencyMs)} | ${fmt(m.cpuSec, 2)} |`);
  }
  return lines.join("\n");
}

/** Issue 3: batch.size 64 KiB vs 16 KiB, and peak RSS against the idle baseline + buffer.memory. */
export function issue3Table(results) {
  const i3 = results.summary.issue3;
  if (Object.keys(i3).length === 0) return null;
  const lines = [
    "| runtime | batch.size | records/s | p50 ms | p99 ms | CPU s | peak RSS MiB | idle producer RSS MiB | + buffer.memory (32 MiB) | peak within? |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
  ];
  const yes = (b) => (b === null ? "–" : b ? "yes" : "**no**");
  for (const [rt, v] of Object.entries(i3)) {
    for (const [size, m, within] of [["64 KiB", v.batch64k, v.within64k], ["16 KiB", v.batch16k, v.within16k]]) {
      if (!m) continue;
      lines.push(
        `| ${label(rt)} | ${size} | ${fmtInt(m.recordsPerSec)} | ${fmtInt(m.p50Ms)} | ${fmtInt(m.p99Ms)} | ${fmt(m.cpuSec, 2)} | ${fmt(m.peakRssMiB, 0)} | ${fmt(v.baselineIdleProducerPeakRssMiB, 0)} | ${fmt(v.limitMiB, 0)} | ${yes(within)} |`,
      );
    }
  }
  return lines.join("\n");
}

/** Issue 4: idempotent vs non-idempotent on (a). */
export function issue4Table(results) {
  const i4 = results.summary.issue4;
  if (Object.keys(i4).length === 0) return null;
  const lines = [
    "| runtime | idempotence | records/s | p50 ms | p99 ms | CPU s | peak RSS MiB | broker CPU s |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [rt, v] of Object.entries(i4)) {
    for (const [name, m] of [["on", v.idempotent], ["off", v.nonIdempotent]]) {
      lines.push(`| ${label(rt)} | ${name} | ${fmtInt(m.recordsPerSec)} | ${fmtInt(m.p50Ms)} | ${fmtInt(m.p99Ms)} | ${fmt(m.cpuSec, 2)} | ${fmt(m.peakRssMiB, 0)} | ${fmt(m.brokerCpuSec, 2)} |`);
    }
    lines.push(`| | off/on | ${v.throughputRatio.toFixed(2)}× | | | | | |`);
  }
  return lines.join("\n");
}

/** Issue 10: workload (a) over SASL_SSL next to plaintext. */
export function saslTable(results) {
  const v = results.summary.sasl ?? {};
  if (Object.keys(v).length === 0) return null;
  const lines = [
    "| client | plaintext records/s | SASL_SSL records/s | SASL_SSL/plaintext | CPU s plaintext → SASL_SSL | p99 ms plaintext → SASL_SSL |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const [id, x] of Object.entries(v)) {
    lines.push(
      `| ${label(id)} | ${fmtInt(x.plaintext.recordsPerSec)} | ${fmtInt(x.sasl.recordsPerSec)} | ${x.throughputRatio.toFixed(2)}× | ` +
        `${fmt(x.plaintext.cpuSec, 2)} → ${fmt(x.sasl.cpuSec, 2)} | ${fmtInt(x.plaintext.p99Ms)} → ${fmtInt(x.sasl.p99Ms)} |`,
    );
  }
  return lines.join("\n");
}

export function baselineTable(results) {
  const b = results.baselines;
  if (!b) return null;
  const lines = ["| runtime | runtime alone (peak RSS MiB) | + edgekafka, producer connected, idle (peak RSS MiB) | same, RSS after 3 s idle (MiB) |", "|---|---:|---:|---:|"];
  for (const [rt, v] of Object.entries(b)) lines.push(`| ${label(rt)} | ${fmt(v.runtimeOnlyPeakRssMiB, 0)} | ${fmt(v.idleProducerPeakRssMiB, 0)} | ${fmt(v.idleProducerRssAfter3sMiB, 0)} |`);
  return lines.join("\n");
}

export function memoryProbeTable(results) {
  const p = results.memoryProbe;
  if (!p || Object.keys(p).length === 0) return null;
  const lines = [
    "| runtime | RSS MiB | JS heap total MiB | JS heap used MiB | external MiB | of which ArrayBuffers MiB | max JS heap used MiB | max ArrayBuffers MiB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [rt, v] of Object.entries(p)) {
    if (!v.atPeakRssMiB) continue;
    const a = v.atPeakRssMiB;
    lines.push(`| ${label(rt)} | ${fmt(a.rss, 0)} | ${fmt(a.heapTotal, 0)} | ${fmt(a.heapUsed, 0)} | ${fmt(a.external, 0)} | ${a.arrayBuffers === null ? "–" : fmt(a.arrayBuffers, 0)} | ${fmt(v.maxMiB.heapUsed, 0)} | ${v.maxMiB.arrayBuffers === null ? "–" : fmt(v.maxMiB.arrayBuffers, 0)} |`);
  }
  return lines.join("\n");
}

export function goalText(results) {
  const g = results.summary.goal;
  if (!g) return null;
  const parts = [`Best edgekafka runtime on (a): **${label(g.bestEdgekafka)}**, ${fmtInt(g.bestEdgekafkaRecordsPerSec)} records/s.`];
  if (g.vsJava !== null) parts.push(`vs the Java producer (${fmtInt(g.javaRecordsPerSec)}): **${g.vsJava.toFixed(2)}×** — ${g.beatsJava ? "met" : "**not met**"} (target ≥ 1×).`);
  if (g.vsKafkajs !== null) parts.push(`vs KafkaJS (${fmtInt(g.kafkajsRecordsPerSec)}): **${g.vsKafkajs.toFixed(2)}×** — ${g.threeTimesKafkajs ? "met" : "**not met**"} (target ≥ 3×).`);
  const per = Object.entries(g.perRuntime ?? {}).map(([rt, v]) => `${label(rt)} ${v.vsJava?.toFixed(2) ?? "–"}× Java, ${v.vsKafkajs?.toFixed(2) ?? "–"}× KafkaJS`);
  if (per.length) parts.push(`Per runtime: ${per.join("; ")}.`);
  return parts.join(" ");
}

function settingsText(results) {
  const v = results.versions;
  const m = results.machine;
  return [
    `- Machine: ${m.cpuModel}, ${m.cores} cores${m.hypervisor ? ` (${m.hypervisor} VM)` : ""}, ${m.memoryGiB} GiB RAM, ${m.os}, Linux ${m.kernel}. The broker runs on the same cores.`,
    `- Broker: Apache Kafka ${v.kafkaBroker}, single node (KRaft, combined broker+controller) from tests/kafka/kafka.sh, 512 MiB heap, loopback; a fresh topic with ${COMMON.partitions} partitions (RF ${COMMON.replicationFactor}) per run.`,
    `- Runtimes: Bun ${v.bun}, Deno ${v.deno?.replace(/^deno /, "").replace(/ \(.*/, "")}, Node ${v.node}; ${v.java?.replace(/^openjdk version "([^"]+)".*/, "OpenJDK $1") ?? "Java ?"}. edgekafka ${v.edgekafka} at ${v.git?.commit?.slice(0, 10) ?? "?"}${v.git?.dirty ? " (with local changes)" : ""}.`,
    `- Peers: Java producer = ProducerPerformance from kafka-tools ${v.kafkaTools} (kafka-clients ${v.kafkaTools}), JVM options of kafka-producer-perf-test.sh; librdkafka ${v.librdkafka?.version ?? v.librdkafka ?? "–"} (Debian's ${v.librdkafka?.debianPackage ?? "librdkafka1"}) through bench/rdkafka_perf.c${v.kcat ? ` and kcat ${v.kcat.replace(/ \(.*/, "")}` : ""}; KafkaJS ${v.kafkajs ?? "–"} on Node; @platformatic/kafka ${v.platformaticKafka ?? "–"} on Bun (it requires Node ≥ 22.22).`,
    `- Settings: acks=all, linger.ms=5, batch.size=64 KiB (16 KiB where said), buffer.memory=32 MiB, idempotence on (where the client has it), compression none unless the workload names a codec, unthrottled unless it names a rate; ${results.runsPerPair} run(s) per client and workload, medians shown (records/s also with min–max of the runs).`,
  ].join("\n");
}

/** The whole report. */
export function markdown(results, svgName) {
  const s = results.summary;
  const out = [];
  out.push(`# edgekafka producer benchmark — ${results.date}${results.partial ? " (partial run)" : ""}`);
  out.push("");
  out.push(`\`${results.command}\`, ${results.startedAt} → ${results.finishedAt ?? "?"}.`);
  out.push("");
  out.push(settingsText(results));
  out.push("");
  out.push("## Results");
  out.push("");
  out.push(`![records/s per client and workload](${svgName})`);
  out.push("");
  out.push(resultsTable(results));
  out.push("");
  out.push(
    "records/s and MB/s (MiB/s, as ProducerPerformance prints it) are the final line of each tool; p50/p99 are per-record " +
      "acknowledgement latencies (ms, from just before send() to the callback; KafkaJS and @platformatic/kafka: to the " +
      "completion of the send() call that carried the record). CPU s = user+sys of the client process (and children it " +
      "waited for), peak RSS = its maximum resident set, both from /usr/bin/time; the broker's CPU is measured apart " +
      "(/proc/<pid>/stat) and not included. kcat prints no statistics: its records/s is records / process wall time, " +
      "and it has no latency.",
  );
  const goal = goalText(results);
  if (goal) {
    out.push("");
    out.push("## Issue 5 goal: best edgekafka runtime ≥ Java producer and ≥ 3× KafkaJS on (a)");
    out.push("");
    out.push(goal);
  }
  const ct = codecTable(results);
  if (ct) {
    out.push("");
    out.push("## Issue 11: every codec");
    out.push("");
    out.push("Workload (c) with each codec (payloads as Java's perf tool makes them: random uppercase letters). Stored bytes/record: the topic's log size after the run (Kafka's LogDirsCommand) ÷ records.");
    out.push("");
    out.push(ct);
  }
  const lt = latencyTable(results);
  if (lt) {
    out.push("");
    out.push("## Issue 13: latency at 100,000 records/s");
    out.push("");
    out.push("Workload (a) with every client paced to 100,000 records/s (`--throughput 100000`; rdkafka_perf paces as Java's ThroughputThrottler). Latency per record, send to acknowledgement:");
    out.push("");
    out.push(lt);
  }
  const i13 = issue13Section(results);
  if (i13) out.push("", i13);
  const b = baselineTable(results);
  const i3 = issue3Table(results);
  if (i3 || b) {
    out.push("");
    out.push("## Issue 3: batch.size 16 KiB vs 64 KiB, and memory");
    out.push("");
    if (b) out.push("Baselines (bench/idle_producer.mjs: the runtime with edgekafka loaded, one record sent, then idle 3 s):", "", b, "");
    if (i3) out.push("Workload (a) with batch.size 64 KiB and 16 KiB. \"peak within?\" compares the run's peak RSS with the idle producer's peak RSS + buffer.memory:", "", i3);
    const mp = memoryProbeTable(results);
    if (mp) out.push("", "Where the memory is (bench/mem_probe.mjs: workload (a), 64 KiB, the runtime's own counters sampled every 20 ms; the row is the sample with the highest RSS; Deno reports no ArrayBuffer figure):", "", mp);
  }
  const i4 = issue4Table(results);
  if (i4) {
    out.push("");
    out.push("## Issue 4: idempotent vs non-idempotent");
    out.push("");
    out.push("Workload (a), acks=all both ways:");
    out.push("");
    out.push(i4);
  }
  const st = saslTable(results);
  if (st) {
    out.push("");
    out.push("## Issue 10: SASL_SSL next to plaintext");
    out.push("");
    out.push(
      "Workload (a) against the secure cluster's SASL_SSL listener (TLS 1.3, SCRAM-SHA-512 as alice; librdkafka with PLAIN, " +
        "its SCRAM failing against Kafka 4.4) and against the plaintext broker, the same settings; broker CPU is the secure broker's:",
    );
    out.push("");
    out.push(st);
  }
  out.push("");
  out.push("## Machine load");
  out.push("");
  out.push(
    `1-minute load average before the runs: ${fmt(s.load.loadAverage1mMin, 2)}–${fmt(s.load.loadAverage1mMax, 2)} ` +
      `(the previous run and the broker contribute to it). CPU used by other processes (not the client, not the broker) ` +
      `during a run: median ${fmt(s.load.otherCpuSecMedian, 2)} s, max ${fmt(s.load.otherCpuSecMax, 2)} s. Every run's numbers are in the JSON.`,
  );
  if (results.warmupBrokerCpuSec) {
    out.push("");
    out.push(
      `Broker warm-up before round 1 (unmeasured, edgekafka on Node): workload (a) ${results.warmupBrokerCpuSec.length}×, broker CPU per run ` +
        `${results.warmupBrokerCpuSec.join(", ")} s (until it settled), then (b) and (c) twice each.`,
    );
  }
  out.push("");
  out.push("## How each client is run");
  out.push("");
  for (const [id, c] of Object.entries(results.settings.clients)) {
    const env = Object.entries(c.env ?? {}).map(([k, v]) => `${k}="${v}" `).join("");
    out.push(`- **${c.label}**: \`${env}${c.command}\``);
  }
  out.push("");
  out.push(
    "KafkaJS and @platformatic/kafka have no linger.ms/batch.size/buffer.memory: bench/peers/perf_driver.mjs hands them arrays " +
      "of `6 × floor(batch.size / (record size + 10))` records (one batch.size worth per partition; both spread keyless records " +
      "round-robin) without awaiting, up to 32 MiB outstanding, yielding to the event loop after each send(). KafkaJS's idempotent " +
      "mode (experimental) allows one in-flight Produce per broker; @platformatic/kafka's idempotent mode forces maxInflights=1.",
  );
  out.push("");
  return out.join("\n");
}

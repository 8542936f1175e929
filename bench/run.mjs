#!/usr/bin/env node
// `npm run bench`: edgekafka (Bun, Deno, Node) side by side with the Java producer, librdkafka,
// KafkaJS and @platformatic/kafka on a local single-node Kafka, one client at a time.
//
//   npm run bench                          # full run: 3 runs of every client × workload, ~20 min
//   npm run bench -- --quick               # 1 run, 1/10 of the records (results go to bench/out/results/)
//   npm run bench -- --only bun,java       # some clients (ids: bun deno node java librdkafka kcat kafkajs platformatic)
//   npm run bench -- --workloads a,c       # some workloads (a b c a-16k a-noidem a-sasl c-snappy c-lz4 c-zstd a-100k d d-naive; a-sasl starts the secure cluster)
//   npm run bench -- --runs 5
//   npm run bench -- --report bench/results/2025-01-01.json   # only rewrite the .md and .svg of a result
//
// What it does: installs what is missing (npm packages, the peers in bench/peers/, librdkafka-dev and
// kcat from Debian), builds edgekafka for Node into bench/out/dist and the librdkafka driver into
// bench/out/rdkafka_perf, starts the single-node cluster `bench` with tests/kafka/kafka.sh (stopped
// and deleted at the end if this run started it), measures the idle RSS baselines, then runs each
// (client, workload) pair 3 times on a fresh 6-partition topic each time. Runs go in rounds (round r
// runs every pair once, the client order rotated per round) so slow drifts of the machine spread over
// all clients. Each run is started under /usr/bin/time (user+sys CPU of the client process and the
// children it waits for, and the peak RSS of the largest of them); the broker is a separate process
// (started by kafka.sh in its own session), so its CPU is not counted: it is read from /proc/<pid>/stat
// and reported apart, as is the CPU every other process on the machine used during the run.
// Full runs write bench/results/<date>.{json,md,svg}; --quick/--only/--workloads runs write to
// bench/out/results/ so partial numbers never overwrite a full result.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, statSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { CLIENTS, clientsFor, COMMON, JAVA_OPTS, SECURE, WORKLOADS } from "./lib/clients.mjs";
import { markdown, median, summarize } from "./lib/report.mjs";
import { svgChart } from "./lib/svg.mjs";
import { gitState, loadAverage, machineBusySeconds, machineInfo, processCpuSeconds, versions } from "./lib/system.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BENCH = join(ROOT, "bench");
const OUT = join(BENCH, "out");
const KAFKA_SH = join(ROOT, "tests", "kafka", "kafka.sh");
const BIN = join(ROOT, "node_modules", ".bin");
const RUN_TIMEOUT_MS = 10 * 60 * 1000;

function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

function die(message) {
  log(`error: ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------------
function parseOptions(argv) {
  const o = { quick: false, only: null, workloads: null, runs: null, cluster: "bench", report: null, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (v === undefined) die(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") o.quick = true;
    else if (a.startsWith("--only")) o.only = value().split(",").map((s) => s.trim()).filter(Boolean);
    else if (a.startsWith("--workloads")) o.workloads = value().split(",").map((s) => s.trim()).filter(Boolean);
    else if (a.startsWith("--runs")) o.runs = Number(value());
    else if (a.startsWith("--cluster")) o.cluster = value();
    else if (a.startsWith("--report")) o.report = value();
    else if (a.startsWith("--out")) o.out = value();
    else if (a === "-h" || a === "--help") {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1, 12).map((l) => l.replace(/^\/\/ ?/, "")).join("\n") + "\n");
      process.exit(0);
    } else die(`unknown option ${a}`);
  }
  for (const id of o.only ?? []) if (!CLIENTS.some((c) => c.id === id)) die(`unknown client "${id}" (${CLIENTS.map((c) => c.id).join(", ")})`);
  for (const id of o.workloads ?? []) if (!WORKLOADS.some((w) => w.id === id)) die(`unknown workload "${id}" (${WORKLOADS.map((w) => w.id).join(", ")})`);
  o.runs ??= o.quick ? 1 : 3;
  if (!(o.runs >= 1)) die("--runs must be at least 1");
  return o;
}

// ---------------------------------------------------------------------------------------------------
// Setup: packages, builds, broker
// ---------------------------------------------------------------------------------------------------
function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], ...options });
  if (r.error) throw r.error;
  return r;
}

function must(cmd, args, options) {
  const r = run(cmd, args, options);
  if (r.status !== 0) die(`${cmd} ${args.join(" ")} failed (exit ${r.status})`);
  return r;
}

function aptInstall(pkg) {
  log(`installing ${pkg} from the Debian packages`);
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => run(sudo[0] ?? "apt-get", [...sudo.slice(1), ...(sudo.length ? ["apt-get"] : []), "install", "-y", pkg], { env, stdio: ["ignore", "ignore", "inherit"] });
  if (install().status === 0) return;
  run(sudo[0] ?? "apt-get", [...(sudo.length ? ["apt-get"] : []), "update"], { env, stdio: ["ignore", "ignore", "inherit"] });
  if (install().status !== 0) die(`could not install ${pkg}`);
}

function ensureRootPackages() {
  if (["bun", "deno", "tsc"].every((b) => existsSync(join(BIN, b))) && existsSync(join(ROOT, "node_modules", "hash-wasm"))) return;
  // npm install, not npm ci: see scripts/run.mjs (the lock lists deno's binary for this platform only).
  log("installing npm packages (npm install)");
  must("npm", ["install", "--no-audit", "--no-fund"]);
}

function ensurePeers() {
  const dir = join(BENCH, "peers");
  const marker = join(dir, "node_modules", ".bench-installed");
  const lock = join(dir, "package-lock.json");
  if (existsSync(marker) && readFileSync(marker, "utf8") === readFileSync(lock, "utf8")) return;
  log("installing the peer clients into bench/peers/node_modules (npm ci --prefix bench/peers)");
  must("npm", ["ci", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error"]);
  writeFileSync(marker, readFileSync(lock, "utf8"));
}

function buildNode() {
  log("building edgekafka for Node into bench/out/dist (scripts/build.mjs: tsc -p tsconfig.build.json)");
  must(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--outDir", join(OUT, "dist"), "--declaration", "false", "--sourceMap", "false", "--inlineSources", "false"]);
}

function ensureRdkafka() {
  if (!existsSync("/usr/include/librdkafka/rdkafka.h")) aptInstall("librdkafka-dev");
  const src = join(BENCH, "rdkafka_perf.c");
  const bin = join(OUT, "rdkafka_perf");
  if (existsSync(bin) && statSync(bin).mtimeMs > statSync(src).mtimeMs) return;
  log("building bench/out/rdkafka_perf (cc -O2 ... -lrdkafka)");
  must("cc", ["-O2", "-o", bin, src, "-lrdkafka"]);
}

function ensureKcat() {
  if (spawnSync("sh", ["-c", "command -v kcat"]).status !== 0) aptInstall("kcat");
}

/** Newline-separated payload files for kcat: the same SplittableRandom(0) letters as every other client. */
function payloadFile(recordSize, records) {
  const file = join(OUT, `payloads-${recordSize}x${records}.txt`);
  if (existsSync(file) && statSync(file).size === (recordSize + 1) * records) return file;
  const script = `
    import { PayloadGenerator } from ${JSON.stringify(join(OUT, "dist/cli/tools/random.js"))};
    import { openSync, writeSync, closeSync } from "node:fs";
    const [file, size, n] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
    const gen = new PayloadGenerator({ kind: "size", recordSize: size });
    const fd = openSync(file, "w");
    const chunk = Buffer.alloc((size + 1) * 4096);
    for (let i = 0; i < n; ) {
      let at = 0;
      for (let k = 0; k < 4096 && i < n; k++, i++) { chunk.set(gen.next(i), at); chunk[at + size] = 10; at += size + 1; }
      writeSync(fd, chunk, 0, at);
    }
    closeSync(fd);`;
  must(process.execPath, ["--input-type=module", "-e", script, file, String(recordSize), String(records)]);
  return file;
}

function kafka(args, options = {}) {
  return spawnSync("bash", [KAFKA_SH, ...args], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options });
}

/** { bootstrap, pid } of the cluster if it runs. */
function clusterState(cluster) {
  const r = kafka(["status"]);
  const lines = (r.stdout ?? "").split("\n");
  const at = lines.findIndex((l) => l.startsWith(`${cluster}: bootstrap=`));
  if (at < 0) return null;
  const pid = /pid (\d+)/.exec(lines[at + 1] ?? "")?.[1];
  const running = / running /.test(lines[at + 1] ?? "");
  if (!running) return null;
  return { bootstrap: lines[at].slice(`${cluster}: bootstrap=`.length).trim().split(" ")[0], pid: Number(pid) };
}

/**
 * Bytes the broker stores for `topic` (every partition's log size, as Kafka's LogDirsCommand reports
 * them): with the record count, what a compressed record costs on disk, read independently of the client.
 */
function topicBytes(ctx, topic) {
  const r = spawnSync("bash", [KAFKA_SH, "java", "org.apache.kafka.tools.LogDirsCommand", "--bootstrap-server", ctx.bootstrap, "--describe", "--topic-list", topic], {
    cwd: ROOT, encoding: "utf8",
  });
  const json = r.stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (r.status !== 0 || json === undefined) return null;
  let bytes = 0;
  for (const b of JSON.parse(json).brokers) for (const d of b.logDirs) for (const p of d.partitions) bytes += p.size;
  return bytes;
}

function createTopic(cluster, topic) {
  const r = kafka(["--cluster", cluster, "topic", topic, String(COMMON.partitions), String(COMMON.replicationFactor)]);
  if (r.status !== 0) die(`could not create topic ${topic}:\n${r.stderr}`);
}

// ---------------------------------------------------------------------------------------------------
// One measured run
// ---------------------------------------------------------------------------------------------------
const FINAL_LINE =
  /^(\d+) records sent, ([\d.]+|Infinity|NaN) records\/sec \(([\d.]+|Infinity|NaN) MB\/sec\), ([\d.]+|NaN) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/m;

let current = null; // the running child, for Ctrl-C

function timed(command, timeFile) {
  return new Promise((resolve) => {
    const stdin = command.stdinFile ? openSync(command.stdinFile, "r") : "ignore";
    const started = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "%U %S %M %e %x", "-o", timeFile, command.cmd, ...command.args], {
      cwd: ROOT,
      env: { ...process.env, ...command.env },
      stdio: [stdin, "pipe", "pipe"],
      detached: true, // its own process group, so a timeout can end the whole tree
    });
    current = child;
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout = (stdout + d).slice(-200_000)));
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-20_000)));
    const timer = setTimeout(() => {
      stderr += `\n[bench] killed after ${RUN_TIMEOUT_MS / 1000} s`;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch { /* gone */ }
    }, RUN_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      current = null;
      if (typeof stdin === "number") closeSync(stdin);
      resolve({ code, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

/** The cluster a workload runs on, its broker's pid, and the prefix its topics need (alice's ACLs on the secure one). */
function clusterOf(ctx, w) {
  return w.secure
    ? { name: "secure", pid: ctx.secure.pid, prefix: SECURE.topicPrefix }
    : { name: ctx.options.cluster, pid: ctx.brokerPid, prefix: "" };
}

async function measure(ctx, client, w, round) {
  const records = ctx.options.quick ? w.quickRecords : w.records;
  const cluster = clusterOf(ctx, w);
  const topic = `${cluster.prefix}bench-${ctx.stamp}-${w.id}-${client.id}-${round}`;
  createTopic(cluster.name, topic);
  spawnSync("sync");
  await new Promise((r) => setTimeout(r, 1000));
  const command = client.command(ctx, w, topic, records);
  const timeFile = join(OUT, "time.txt");
  rmSync(timeFile, { force: true });
  const load = loadAverage();
  const broker0 = processCpuSeconds(cluster.pid);
  const busy0 = machineBusySeconds();
  const r = await timed(command, timeFile);
  const busy1 = machineBusySeconds();
  const broker1 = processCpuSeconds(cluster.pid);
  const [user, sys, rssKiB, elapsed, status] = existsSync(timeFile)
    ? readFileSync(timeFile, "utf8").trim().split("\n").pop().split(" ").map(Number)
    : [NaN, NaN, NaN, NaN, r.code];
  const result = {
    client: client.id, workload: w.id, round, topic, records, recordSize: w.recordSize,
    loadAverage: load, exitCode: r.code, ok: false,
    recordsPerSec: null, mbPerSec: null, avgLatencyMs: null, maxLatencyMs: null,
    p50Ms: null, p95Ms: null, p99Ms: null, p999Ms: null,
    cpuUserSec: user, cpuSysSec: sys, cpuSec: Math.round((user + sys) * 100) / 100,
    peakRssMiB: Math.round((rssKiB / 1024) * 10) / 10, wallSec: Math.round(r.wallMs) / 1000,
    brokerCpuSec: broker0 !== null && broker1 !== null ? Math.round((broker1 - broker0) * 100) / 100 : null,
    otherCpuSec: null, note: null,
  };
  result.otherCpuSec = Math.round((busy1 - busy0 - (user + sys) - (result.brokerCpuSec ?? 0)) * 100) / 100;
  const m = FINAL_LINE.exec(r.stdout);
  if (m) {
    Object.assign(result, {
      recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), avgLatencyMs: Number(m[4]), maxLatencyMs: Number(m[5]),
      p50Ms: Number(m[6]), p95Ms: Number(m[7]), p99Ms: Number(m[8]), p999Ms: Number(m[9]),
    });
    result.ok = r.code === 0 && Number(m[1]) === records;
    if (Number(m[1]) !== records) result.note = `${m[1]} of ${records} records acknowledged`;
  } else if (!client.latency && r.code === 0) {
    // kcat prints no stats: throughput over the process's whole life (start-up and flush included)
    const seconds = r.wallMs / 1000;
    result.recordsPerSec = Math.round((records / seconds) * 100) / 100;
    result.mbPerSec = Math.round(((records * w.recordSize) / seconds / 1048576) * 100) / 100;
    result.ok = !/error|fail/i.test(r.stderr);
    result.note = "records/s = records / process wall time (kcat reports no latency)";
  }
  if (result.ok && w.compression !== "none" && !w.secure) {
    const bytes = topicBytes(ctx, topic);
    result.bytesPerRecord = bytes === null ? null : Math.round((bytes / records) * 10) / 10;
  }
  if (!result.ok) {
    result.note = [result.note, `exit ${r.code}`, r.stderr.trim().split("\n").slice(-5).join(" | ")].filter(Boolean).join("; ");
  }
  result.stderrTail = r.stderr.trim().split("\n").slice(-3).join("\n");
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Baselines (issue 3): the runtime alone, and with edgekafka loaded and a producer connected but idle
// ---------------------------------------------------------------------------------------------------
async function baselines(ctx, runtimes) {
  const out = {};
  const timeFile = join(OUT, "time.txt");
  const topic = `bench-${ctx.stamp}-idle`;
  createTopic(ctx.options.cluster, topic);
  const props = ["acks=all", "enable.idempotence=true", "linger.ms=5", "batch.size=65536"];
  const commands = {
    bun: { bare: [ctx.paths.bun, ["-e", "0"]], idle: [ctx.paths.bun, ["bench/idle_producer.mjs"]] },
    deno: {
      bare: [ctx.paths.deno, ["eval", "0"]],
      idle: [ctx.paths.deno, ["run", "--no-lock", "--allow-net", "--allow-read", "bench/idle_producer.mjs"]],
    },
    node: { bare: [ctx.paths.node, ["-e", "0"]], idle: [ctx.paths.node, ["bench/idle_producer.mjs"]] },
  };
  for (const rt of runtimes) {
    const samples = { bare: [], idle: [], idleInProcess: [] };
    for (let i = 0; i < Math.min(3, ctx.options.runs); i++) {
      for (const kind of ["bare", "idle"]) {
        const [cmd, args] = commands[rt][kind];
        const extra = kind === "idle" ? [ctx.bootstrap, topic, ...props] : [];
        rmSync(timeFile, { force: true });
        const r = await timed({ cmd, args: [...args, ...extra] }, timeFile);
        if (r.code !== 0) die(`baseline ${rt} ${kind} failed: ${r.stderr}`);
        samples[kind].push(Number(readFileSync(timeFile, "utf8").trim().split("\n").pop().split(" ")[2]) / 1024);
        if (kind === "idle") samples.idleInProcess.push(JSON.parse(r.stdout.trim().split("\n").pop()).rssBytes / 1048576);
      }
    }
    out[rt] = {
      runtimeOnlyPeakRssMiB: round1(median(samples.bare)),
      idleProducerPeakRssMiB: round1(median(samples.idle)),
      idleProducerRssAfter3sMiB: round1(median(samples.idleInProcess)),
      samples,
    };
    log(`baseline ${rt}: runtime alone ${out[rt].runtimeOnlyPeakRssMiB} MiB, idle connected producer ${out[rt].idleProducerPeakRssMiB} MiB (peak RSS)`);
  }
  return out;
}

const round1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);

// ---------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------
function writeOutputs(results, dir) {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, results.date + (results.partial ? "-partial" : ""));
  writeFileSync(`${base}.json`, JSON.stringify(results, null, 2) + "\n");
  writeFileSync(`${base}.svg`, svgChart(results));
  writeFileSync(`${base}.md`, markdown(results, `${results.date + (results.partial ? "-partial" : "")}.svg`));
  return base;
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.report) {
    const results = JSON.parse(readFileSync(options.report, "utf8"));
    const dir = dirname(options.report);
    results.summary = summarize(results);
    const base = writeOutputs(results, dir);
    log(`rewrote ${relative(ROOT, base)}.{json,md,svg}`);
    return;
  }
  const clients = CLIENTS.filter((c) => !options.only || options.only.includes(c.id));
  const workloads = WORKLOADS.filter((w) => !options.workloads || options.workloads.includes(w.id));
  const partial = options.quick || options.only !== null || options.workloads !== null || options.runs !== 3;
  const outDir = options.out ?? (partial ? join(OUT, "results") : join(BENCH, "results"));
  mkdirSync(OUT, { recursive: true });

  const t0 = Date.now();
  ensureRootPackages();
  buildNode();
  if (clients.some((c) => c.id === "kafkajs" || c.id === "platformatic")) ensurePeers();
  if (clients.some((c) => c.id === "librdkafka")) ensureRdkafka();
  if (clients.some((c) => c.id === "kcat")) ensureKcat();

  const paths = { bun: join(BIN, "bun"), deno: join(BIN, "deno"), node: process.execPath, tsc: join(BIN, "tsc") };
  let state = clusterState(options.cluster);
  const startedCluster = state === null;
  if (startedCluster) {
    log(`starting the single-node cluster "${options.cluster}" (tests/kafka/kafka.sh --cluster ${options.cluster} up)`);
    const r = kafka(["--cluster", options.cluster, "up"], { stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) die("kafka.sh up failed");
    state = clusterState(options.cluster);
    if (state === null) die(`cluster "${options.cluster}" is not running after up`);
  } else {
    log(`using the running cluster "${options.cluster}" (${state.bootstrap}); it stays up`);
  }
  // The secure cluster (TLS, SASL, ACLs) for the secure workloads: its SASL_SSL listener and CA.
  let secure = null;
  let startedSecure = false;
  if (workloads.some((w) => w.secure)) {
    startedSecure = clusterState("secure") === null;
    log(`${startedSecure ? "starting" : "using the running"} secure cluster (tests/kafka/kafka.sh up --secure)`);
    const r = kafka(["up", "--secure"], { stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) die("kafka.sh up --secure failed");
    const value = (key) => r.stdout.split("\n").find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1).trim();
    const secureState = clusterState("secure");
    if (secureState === null || !value("sasl_ssl") || !value("ca")) die("the secure cluster is not running after up --secure");
    const propsFile = join(OUT, "secure.properties");
    writeFileSync(propsFile, SECURE.javaProps(value("ca")).join("\n") + "\n");
    secure = { bootstrap: value("sasl_ssl"), ca: value("ca"), pid: secureState.pid, propsFile };
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  const ctx = {
    options, paths, bootstrap: state.bootstrap, brokerPid: state.pid, secure, stamp, outDir: OUT,
    payloadFile: (size, n) => payloadFile(size, n),
  };

  let stopping = false;
  const cleanup = () => {
    if (startedSecure) {
      log("stopping and deleting the secure cluster (it was started by this run)");
      kafka(["--cluster", "secure", "down"], { stdio: ["ignore", "ignore", "inherit"] });
    } else if (secure !== null) {
      log(`the secure cluster stays up with this run's topics (${SECURE.topicPrefix}bench-${stamp}-*)`);
    }
    if (startedCluster) {
      log(`stopping and deleting the cluster "${options.cluster}" (it was started by this run)`);
      kafka(["--cluster", options.cluster, "down"], { stdio: ["ignore", "ignore", "inherit"] });
    } else {
      log(`deleting this run's topics (bench-${stamp}-*) from "${options.cluster}"`);
      kafka(["java", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", state.bootstrap, "--delete", "--topic", `bench-${stamp}-.*`], {
        stdio: ["ignore", "ignore", "inherit"],
      });
    }
  };
  // Every way out stops what this run started: Ctrl-C, SIGTERM, and die() or any other exit
  // (cleanup is synchronous, so it can run from the "exit" event); once only.
  let cleaned = false;
  const cleanupOnce = () => {
    if (cleaned) return;
    cleaned = true;
    cleanup();
  };
  process.on("exit", cleanupOnce);
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]]) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log("interrupted");
      if (current) {
        try {
          process.kill(-current.pid, "SIGKILL");
        } catch { /* gone */ }
      }
      cleanupOnce();
      process.exit(code);
    });
  }

  // Warm-ups (not measured): module caches of Deno and Bun, the JVM's jars in the page cache, the kcat payloads.
  log("warm-up: each tool's --help once; payload files for kcat");
  for (const c of clients) {
    if (c.family === "edgekafka" || c.id === "java") {
      const cmd = c.command(ctx, workloads[0] ?? WORKLOADS[0], "warmup", 1);
      spawnSync(cmd.cmd, [...cmd.args.slice(0, cmd.args.indexOf("--topic")), "--help"], { cwd: ROOT, env: { ...process.env, ...cmd.env }, stdio: "ignore" });
    }
    if (c.id === "kcat") for (const w of workloads) if (!w.edgekafkaOnly) payloadFile(w.recordSize, options.quick ? w.quickRecords : w.records);
  }

  const results = {
    date: new Date(t0).toISOString().slice(0, 10),
    startedAt: new Date(t0).toISOString(),
    finishedAt: null,
    command: `npm run bench${process.argv.length > 2 ? " -- " + process.argv.slice(2).join(" ") : ""}`,
    partial,
    quick: options.quick,
    runsPerPair: options.runs,
    machine: machineInfo(),
    versions: {
      ...versions(paths),
      edgekafka: JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version,
      git: gitState(ROOT),
      kafkaBroker: /^KAFKA_VERSION="([^"]+)"/m.exec(readFileSync(KAFKA_SH, "utf8"))?.[1] ?? null,
      kafkaTools: /^KAFKA_TOOLS_VERSION="([^"]+)"/m.exec(readFileSync(KAFKA_SH, "utf8"))?.[1] ?? null,
      librdkafka: (() => {
        if (!clients.some((c) => c.family === "librdkafka")) return null;
        const r = spawnSync(join(OUT, "rdkafka_perf"), ["--version"], { encoding: "utf8" });
        const pkg = spawnSync("dpkg-query", ["-W", "-f", "${Version}", "librdkafka1"], { encoding: "utf8" }).stdout || null;
        return { version: /librdkafka (\S+)/.exec(r.stdout ?? "")?.[1] ?? null, debianPackage: pkg ? `librdkafka1 ${pkg}` : null };
      })(),
      kafkajs: peerVersion("kafkajs"),
      platformaticKafka: peerVersion("@platformatic/kafka"),
    },
    settings: {
      common: { ...COMMON, note: "acks=all, linger.ms=5, buffer.memory=32 MiB (Java default), unthrottled (--throughput -1), 6 partitions, replication factor 1, keyless records of random uppercase letters (SplittableRandom(0), as ProducerPerformance)" },
      workloads: workloads.map((w) => ({ ...w, records: options.quick ? w.quickRecords : w.records })),
      clients: Object.fromEntries(clients.map((c) => {
        const w = workloads.find((x) => !x.edgekafkaOnly || c.family === "edgekafka") ?? WORKLOADS[0];
        const cmd = c.command({ ...ctx, payloadFile: () => "<payload file>" }, w, "<topic>", options.quick ? w.quickRecords : w.records);
        return [c.id, { label: c.label, command: ([cmd.cmd, ...cmd.args].join(" ") + (cmd.stdinFile ? ` < ${cmd.stdinFile}` : "")).replaceAll(ROOT + "/", ""), env: cmd.env ?? {} }];
      })),
      javaOpts: JAVA_OPTS,
      broker: `single node (KRaft, broker+controller), kafka.sh defaults: -Xms512m -Xmx512m, G1; cluster "${options.cluster}"`,
      order: "rounds: every (client, workload) pair once per round, client order rotated each round; a fresh topic per run; sync + 1 s pause before each run; before round 1 the broker JVM is warmed up, unmeasured, through edgekafka on Node: (a) until the broker CPU per run settles, then (b) and (c) twice each",
    },
    baselines: null,
    memoryProbe: null,
    runs: [],
    summary: null,
  };

  const edgeRuntimes = clients.filter((c) => c.family === "edgekafka").map((c) => c.runtime);
  if (edgeRuntimes.length > 0) results.baselines = await baselines(ctx, edgeRuntimes);

  // Broker warm-up (not measured): a freshly started broker JVM is still compiling its produce path.
  // Measured on this machine: the first runs on a new broker were up to 2× slower and cost the broker
  // 2-5× the CPU of later runs, and one pass of each workload was not enough (the broker's per-batch
  // code runs only ~1,700 times per million records). So (a) is repeated until the broker's CPU per
  // run settles (two runs in a row within 10 % of each other, after at least 3; at most 10), then
  // (b) and (c) run twice each. edgekafka on Node drives it; all on throw-away topics.
  const node = CLIENTS.find((c) => c.id === "node");
  const warm = async (w, k) => {
    const cluster = clusterOf(ctx, w);
    const topic = `${cluster.prefix}bench-${stamp}-warmup-${w.id}-${k}`;
    createTopic(cluster.name, topic);
    const cmd = node.command(ctx, w, topic, options.quick ? w.quickRecords : w.records);
    const b0 = processCpuSeconds(cluster.pid);
    const r = await timed(cmd, join(OUT, "time.txt"));
    if (r.code !== 0) die(`warm-up run failed:\n${r.stderr}`);
    return Math.round((processCpuSeconds(cluster.pid) - b0) * 100) / 100;
  };
  const warmup = [];
  for (let k = 1; k <= 10; k++) {
    warmup.push(await warm(WORKLOADS[0], k));
    const [x, y] = warmup.slice(-2);
    if (k >= 3 && Math.abs(x - y) <= 0.1 * Math.max(x, y)) break;
  }
  results.warmupBrokerCpuSec = warmup;
  log(`warm-up: (a) ${warmup.length}× through edgekafka on Node, broker CPU per run ${warmup.join(", ")} s; then (b) and (c) twice each`);
  for (const w of WORKLOADS.filter((x) => x.id === "b" || x.id === "c")) for (let k = 1; k <= 2; k++) await warm(w, k);
  // The secure broker is another JVM: its produce path (and TLS) warms up the same way, 3 runs.
  for (const w of workloads.filter((x) => x.secure)) {
    const cpu = [];
    for (let k = 1; k <= 3; k++) cpu.push(await warm(w, k));
    log(`warm-up: ${w.id} 3× through edgekafka on Node, secure broker CPU per run ${cpu.join(", ")} s`);
  }

  const pairs = [];
  for (const w of workloads) for (const c of clientsFor(w, clients)) pairs.push([c, w]);
  const total = pairs.length * options.runs;
  let n = 0;
  for (let round = 1; round <= options.runs; round++) {
    for (const w of workloads) {
      const cs = clientsFor(w, clients);
      const shift = (round - 1) % Math.max(1, cs.length);
      for (const c of [...cs.slice(shift), ...cs.slice(0, shift)]) {
        n++;
        const r = await measure(ctx, c, w, round);
        results.runs.push(r);
        log(
          `${String(n).padStart(3)}/${total} ${w.id.padEnd(8)} ${c.id.padEnd(12)} round ${round}: ` +
            (r.ok ? `${Math.round(r.recordsPerSec).toLocaleString("en")} rec/s, p50 ${r.p50Ms ?? "-"} ms, p99 ${r.p99Ms ?? "-"} ms, ` : `FAILED (${r.note}) `) +
            `cpu ${r.cpuSec} s, rss ${r.peakRssMiB} MiB, broker ${r.brokerCpuSec} s, other ${r.otherCpuSec} s, load ${r.loadAverage[0]}`,
        );
        writeFileSync(join(OUT, "progress.json"), JSON.stringify(results, null, 2));
      }
    }
  }
  // Where edgekafka's memory goes on (a): bench/mem_probe.mjs runs the perf tool in-process and samples
  // the runtime's own memory counters (JS heap, external, ArrayBuffers) every 20 ms. One run per runtime,
  // after the measured rounds, not part of the medians.
  const a = workloads.find((w) => w.id === "a");
  if (a && edgeRuntimes.length > 0) {
    results.memoryProbe = {};
    for (const rt of edgeRuntimes) {
      const c = CLIENTS.find((x) => x.id === rt);
      const topic = `bench-${stamp}-memprobe-${rt}`;
      createTopic(options.cluster, topic);
      const cmd = c.command(ctx, a, topic, options.quick ? a.quickRecords : a.records);
      const script = rt === "node" ? 0 : cmd.args.indexOf("cli/producer_perf.ts");
      const args = [...cmd.args];
      args[script] = "bench/mem_probe.mjs";
      const r = await timed({ cmd: cmd.cmd, args }, join(OUT, "time.txt"));
      const line = r.stderr.trim().split("\n").reverse().find((l) => l.startsWith("{"));
      results.memoryProbe[rt] = r.code === 0 && line ? JSON.parse(line) : { error: r.stderr.slice(-500) };
      const p = results.memoryProbe[rt].atPeakRssMiB;
      if (p) log(`memory probe ${rt}: at peak RSS ${p.rss} MiB: JS heap ${p.heapTotal} MiB (used ${p.heapUsed}), external ${p.external} MiB`);
    }
  }

  results.finishedAt = new Date().toISOString();
  results.summary = summarize(results);
  const base = writeOutputs(results, outDir);
  cleanupOnce();
  process.stdout.write(readFileSync(`${base}.md`, "utf8"));
  log(`wrote ${relative(ROOT, base)}.{json,md,svg} in ${Math.round((Date.now() - t0) / 1000)} s`);
}

function peerVersion(name) {
  try {
    return JSON.parse(readFileSync(join(BENCH, "peers", "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

await main();

/**
 * The soak: steady produce for a long time on a 3-node cluster (RF 3,
 * `min.insync.replicas=2`, `acks=all`, idempotence on) while one broker after
 * the other (1, 2, 3, 1, …) is killed (SIGKILL) and restarted at a fixed
 * interval. It checks that the producer's memory stays flat and that every
 * record was acknowledged exactly once. Not in CI (`npm run soak`).
 *
 * ```sh
 * npm run soak                                            # 30 min on Bun, a restart every 5 min
 * npm run soak -- --runtime node --minutes 10 --restart-every 2
 * bun tests/soak/soak.ts --minutes 2 --restart-every 1 --rate 5000   # a short try
 * ```
 *
 * Options (defaults in brackets): `--runtime bun|deno|node` [bun],
 * `--minutes M` [30], `--restart-every M` minutes [5], `--rate N` records/s
 * [0: half the measured maximum], `--measure-seconds S` [10: a flat-out run
 * on a topic of its own first, to measure the maximum; 0 skips it, then
 * `--rate` is required], `--down-ms MS` [15000: how long a killed broker
 * stays down, > the 9 s broker session timeout so leadership moves],
 * `--partitions N` [6], `--cluster NAME` [soak: a cluster of its own],
 * `--sample-ms MS` [5000], `--warmup-ms MS` [60000: memory "start" is the
 * median of the minute after it], `--max-growth F` [0.25: RSS or heap
 * growing more than this fraction from start to end fails the run],
 * `--max-outstanding N` [50000], `--delivery-timeout-ms MS` [120000],
 * `--request-timeout-ms MS` [30000], `--linger-ms MS` [5], `--pad N` extra
 * value bytes [0], `--out DIR` [/tmp/edgekafka-soak/<topic>], `--docs`
 * (also write `docs/soak.svg` and `docs/soak.json`, the README's figure).
 * `--render-only FILE [--docs]` draws the figure again from a run's `soak.json`.
 *
 * The check: kcat reads the topic back (values `s=<n>`), and every record
 * the producer sent must be acknowledged (none failed, none unsettled, no
 * callback twice), in the topic exactly once (no duplicate, none missing),
 * and nothing else in the topic. Writes `soak.json` (settings, restarts,
 * verdict, memory figures) and `soak.svg` (RSS and heapUsed over time, the
 * restarts shaded) into `--out`; the last stdout line is `soak: …` with the
 * numbers. Exits 0 only if the check passed and memory stayed within
 * `--max-growth`; 1 otherwise; 2 if the run itself broke. Whatever happens
 * (Ctrl-C included), the producer and kcat are killed, a killed broker is
 * restarted, and the cluster is stopped if this run started it.
 *
 * @module
 */

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { lines } from "../chaos/check.ts";
import { ROOT } from "../helpers/kafka.ts";
import { OwnedCluster, stopOnSignal } from "../helpers/owned_cluster.ts";
import { type Runtime, scriptCommand } from "../helpers/runtimes.ts";
import { memoryFigures, type MemorySample, memorySvg, mib, type RestartEvent, resultJson, soakTitle } from "./report.ts";
import { countValue, verifyExactlyOnce } from "./verify.ts";

const PRODUCER = join(ROOT, "tests", "soak", "producer.ts");

interface Options {
  runtime: Runtime;
  minutes: number;
  restartEvery: number;
  rate: number;
  measureSeconds: number;
  downMs: number;
  partitions: number;
  cluster: string;
  sampleMs: number;
  warmupMs: number;
  maxGrowth: number;
  maxOutstanding: number;
  deliveryTimeoutMs: number;
  requestTimeoutMs: number;
  lingerMs: number;
  pad: number;
  out: string;
  docs: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    runtime: "bun", minutes: 30, restartEvery: 5, rate: 0, measureSeconds: 10, downMs: 15_000, partitions: 6, cluster: "soak",
    sampleMs: 5_000, warmupMs: 60_000, maxGrowth: 0.25, maxOutstanding: 50_000, deliveryTimeoutMs: 120_000,
    requestTimeoutMs: 30_000, lingerMs: 5, pad: 0, out: "", docs: false,
  };
  const numeric: Record<string, keyof Options> = {
    "--minutes": "minutes", "--restart-every": "restartEvery", "--rate": "rate", "--measure-seconds": "measureSeconds",
    "--down-ms": "downMs", "--partitions": "partitions", "--sample-ms": "sampleMs", "--warmup-ms": "warmupMs",
    "--max-growth": "maxGrowth", "--max-outstanding": "maxOutstanding", "--delivery-timeout-ms": "deliveryTimeoutMs",
    "--request-timeout-ms": "requestTimeoutMs", "--linger-ms": "lingerMs", "--pad": "pad",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--docs") {
      o.docs = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`Option "${a}" needs a value`);
    if (a in numeric) {
      const x = Number(v);
      if (!Number.isFinite(x) || x < 0) throw new Error(`Option "${a}" needs a number ≥ 0, got "${v}"`);
      (o as unknown as Record<string, number>)[numeric[a]!] = x;
    } else if (a === "--runtime") {
      if (v !== "bun" && v !== "deno" && v !== "node") throw new Error(`--runtime must be bun, deno or node, got "${v}"`);
      o.runtime = v;
    } else if (a === "--cluster") o.cluster = v;
    else if (a === "--out") o.out = resolve(v);
    else throw new Error(`Unknown option "${a}"`);
  }
  if (o.minutes <= 0 || o.restartEvery <= 0) throw new Error("--minutes and --restart-every must be > 0");
  if (o.rate === 0 && o.measureSeconds === 0) throw new Error("--measure-seconds 0 needs a --rate");
  return o;
}

const started = performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const secs = (ms: number) => (ms / 1000).toFixed(1);
const say = (line: string) => process.stderr.write(`[soak +${secs(performance.now() - started)}s] ${line}\n`);

const children = new Set<Subprocess>();
let cluster: OwnedCluster | null = null;
stopOnSignal(() => {
  for (const c of children) c.kill("SIGKILL");
  cluster?.stop();
});

/**
 * A child whose stderr lines go to `onLine` (and stdout lines to `onOut`, if
 * given); resolves with its exit code and (without `onOut`) its stdout.
 */
function spawnTracked(command: string[], onLine: (line: string) => void, timeoutMs: number,
  onOut?: (line: string) => void): Promise<{ code: number | null; stdout: string }> {
  const child = Bun.spawn(command, {
    cwd: ROOT, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  children.add(child);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    say(`${command[0]} did not finish within ${secs(timeoutMs)} s: killing it`);
    child.kill("SIGKILL");
  }, timeoutMs);
  const err = (async () => {
    for await (const line of lines(child.stderr)) onLine(line);
  })();
  const out = onOut === undefined ? new Response(child.stdout).text() : (async () => {
    for await (const line of lines(child.stdout)) onOut(line);
    return "";
  })();
  return (async () => {
    try {
      const [stdout] = await Promise.all([out, err]);
      const code = await child.exited;
      return { code: timedOut ? null : code, stdout };
    } finally {
      clearTimeout(timer);
      children.delete(child);
    }
  })();
}

interface ProducerSummary {
  sent: number;
  acked: number;
  failed: number;
  outstanding: number;
  settledTwice: number;
  behind: number;
  sendMs: number;
  achievedRate: number;
  closeError: string | null;
  errorKinds: Record<string, number>;
}

/** Runs the producer; `onReady`/`onSample` see its progress. Returns its summary (throws if it broke). */
async function produce(o: Options, bootstrap: string, topic: string, out: string, seconds: number, rate: number,
  onReady: () => void, onSample: (s: MemorySample) => void): Promise<ProducerSummary> {
  mkdirSync(out, { recursive: true });
  const args = [
    "--bootstrap", bootstrap, "--topic", topic, "--out", out, "--seconds", String(seconds), "--rate", String(rate),
    "--max-outstanding", String(o.maxOutstanding), "--sample-ms", String(o.sampleMs),
    "--delivery-timeout-ms", String(o.deliveryTimeoutMs), "--request-timeout-ms", String(o.requestTimeoutMs),
    "--linger-ms", String(o.lingerMs), "--pad", String(o.pad),
  ];
  const command = await scriptCommand(o.runtime, PRODUCER, args, ["-A"]);
  const budgetMs = seconds * 1000 + o.deliveryTimeoutMs + o.requestTimeoutMs + 120_000;
  const tail: string[] = [];
  const r = await spawnTracked(command, (line) => {
    if (line === "ready") onReady();
    else if (line.startsWith("sample ")) onSample(JSON.parse(line.slice(7)) as MemorySample);
    else {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      process.stderr.write(`  [producer] ${line}\n`);
    }
  }, budgetMs);
  if (r.code !== 0) throw new Error(`The producer exited with "${r.code}":\n${tail.join("\n")}`);
  return JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as ProducerSummary;
}

/** Reads the whole topic with kcat, counting each record's copies into `seen`; returns the foreign count and total. */
async function readBack(bootstrap: string, topic: string, seen: Uint8Array): Promise<{ foreign: number; total: number }> {
  let foreign = 0, total = 0;
  const r = await spawnTracked(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\\n"],
    (line) => say(`kcat: ${line}`), 30 * 60_000, (line) => {
      total++;
      foreign += countValue(line, seen);
    });
  if (r.code !== 0) throw new Error(`kcat exited with "${r.code}" after ${total} records`);
  return { foreign, total };
}

/**
 * `--render-only FILE`: draws the figure of an earlier run again from its
 * `soak.json` (next to it, and into docs/ with `--docs`).
 */
function renderOnly(file: string, docs: boolean): number {
  const r = JSON.parse(readFileSync(file, "utf8")) as {
    runtime: string; records: number; rate: number; restarts: RestartEvent[]; samples: MemorySample[];
    verdict: { duplicates: number; missing: number };
  };
  const svg = memorySvg(r.samples, r.restarts, soakTitle(r.runtime, r.records, r.rate, r.restarts.length, r.verdict.duplicates, r.verdict.missing));
  writeFileSync(join(dirname(file), "soak.svg"), svg);
  if (docs) {
    mkdirSync(join(ROOT, "docs"), { recursive: true });
    writeFileSync(join(ROOT, "docs", "soak.svg"), svg);
    writeFileSync(join(ROOT, "docs", "soak.json"), resultJson(r as unknown as Parameters<typeof resultJson>[0]));
  }
  say(`drew ${r.samples.length} samples and ${r.restarts.length} restarts from ${file}`);
  return 0;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf("--render-only");
  if (at >= 0) {
    const file = argv[at + 1];
    if (file === undefined) throw new Error(`Option "--render-only" needs a soak.json file`);
    return renderOnly(resolve(file), argv.includes("--docs"));
  }
  const o = parseArgs(argv);
  const topic = `soak-${Date.now().toString(36)}-${process.pid}`;
  const out = o.out || join("/tmp/edgekafka-soak", topic);
  mkdirSync(out, { recursive: true });
  say(`runtime=${o.runtime} minutes=${o.minutes} restart-every=${o.restartEvery} min cluster=${o.cluster} out=${out}`);

  cluster = new OwnedCluster(o.cluster, 3, say);
  const bootstrap = await cluster.up();
  await cluster.kafka(["topic", topic, String(o.partitions), "3", "min.insync.replicas=2"]);
  say(`bootstrap=${bootstrap}; topic ${topic}: ${o.partitions} partitions, RF 3, min.insync.replicas=2`);

  let measuredMax: number | null = null;
  if (o.measureSeconds > 0) {
    const maxTopic = `${topic}-max`;
    await cluster.kafka(["topic", maxTopic, String(o.partitions), "3", "min.insync.replicas=2"]);
    const m = await produce(o, bootstrap, maxTopic, join(out, "max"), o.measureSeconds, 0, () => {}, () => {});
    measuredMax = Math.round(m.acked / (m.sendMs / 1000));
    say(`measured maximum: ${measuredMax} records/s (${m.acked} acked in ${secs(m.sendMs)} s, flat out)`);
  }
  const rate = o.rate > 0 ? o.rate : Math.max(1000, Math.floor(measuredMax! / 2));
  say(`soak rate: ${rate} records/s for ${o.minutes} min`);

  // The soak run, with a restart loop on the producer's clock.
  const samples: MemorySample[] = [];
  const restarts: RestartEvent[] = [];
  let t0 = 0;
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  let lastEcho = -Infinity;
  let producerDone = false;
  const producing = produce(o, bootstrap, topic, out, o.minutes * 60, rate, () => {
    t0 = performance.now();
    ready();
  }, (s) => {
    samples.push(s);
    if (s.t - lastEcho >= 60_000) {
      lastEcho = s.t;
      say(`t=${secs(s.t)}s rss=${mib(s.rss)} MiB heapUsed=${mib(s.heapUsed)} MiB sent=${s.sent} acked=${s.acked} failed=${s.failed} outstanding=${s.outstanding}`);
    }
  }).finally(() => (producerDone = true));
  await Promise.race([readyP, producing]);
  const clock = () => performance.now() - t0;
  const until = async (t: number) => {
    while (clock() < t && !producerDone) await sleep(Math.min(500, t - clock()));
  };
  let restartError: unknown = null;
  const restartLoop = async () => {
    const everyMs = o.restartEvery * 60_000;
    for (let k = 1; k * everyMs < o.minutes * 60_000 && !producerDone; k++) {
      await until(k * everyMs);
      if (producerDone) break;
      const broker = ((k - 1) % 3) + 1;
      const t = clock();
      say(`restart ${k}: killing broker ${broker} at t=${secs(t)}s`);
      await cluster!.kill(broker);
      await sleep(o.downMs);
      await cluster!.start(broker);
      const upT = clock();
      restarts.push({ t: Math.round(t), upT: Math.round(upT), broker });
      say(`restart ${k}: broker ${broker} back at t=${secs(upT)}s (down ${secs(upT - t)} s)`);
    }
  };
  await restartLoop().catch((e) => {
    restartError = e;
    say(`restart loop failed: ${e instanceof Error ? e.message : String(e)}`);
  });
  await cluster.heal();
  const summary = await producing;
  if (restartError !== null) return 2;
  say(`producer: sent=${summary.sent} acked=${summary.acked} failed=${summary.failed} unsettled=${summary.outstanding} ` +
    `settled twice=${summary.settledTwice} behind schedule (dropped)=${summary.behind} achieved=${summary.achievedRate}/s close error=${summary.closeError}`);

  // The independent read and the checks.
  const status = new Uint8Array(readFileSync(join(out, "status.u8")));
  const seen = new Uint8Array(status.length);
  const readStart = performance.now();
  const back = await readBack(bootstrap, topic, seen);
  say(`kcat read ${back.total} records in ${secs(performance.now() - readStart)} s`);
  const verdict = verifyExactlyOnce(status, seen, summary.settledTwice, back.foreign);
  const memory = memoryFigures(samples, o.warmupMs);
  const flat = memory.rss.growth <= o.maxGrowth && memory.heapUsed.growth <= o.maxGrowth;

  const result = {
    runtime: o.runtime, topic, minutes: o.minutes, restartEveryMinutes: o.restartEvery, downMs: o.downMs, partitions: o.partitions,
    measuredMaxPerSecond: measuredMax, rate, achievedRate: summary.achievedRate, behindDropped: summary.behind,
    restarts, records: summary.sent, logRecords: back.total, verdict, memory, flat, maxGrowth: o.maxGrowth,
    closeError: summary.closeError, errorKinds: summary.errorKinds, samples,
  };
  const title = soakTitle(o.runtime, summary.sent, rate, restarts.length, verdict.duplicates, verdict.missing);
  const svg = memorySvg(samples, restarts, title);
  const json = resultJson(result);
  writeFileSync(join(out, "soak.json"), json);
  writeFileSync(join(out, "soak.svg"), svg);
  if (o.docs) {
    mkdirSync(join(ROOT, "docs"), { recursive: true });
    writeFileSync(join(ROOT, "docs", "soak.json"), json);
    writeFileSync(join(ROOT, "docs", "soak.svg"), svg);
  }
  const r = memory.rss, h = memory.heapUsed;
  console.log(`soak: runtime=${o.runtime} records=${verdict.sent} rate=${rate}/s restarts=${restarts.length} acked=${verdict.acked} ` +
    `failed=${verdict.failed} unsettled=${verdict.unsettled} duplicates=${verdict.duplicates} missing=${verdict.missing} foreign=${verdict.foreign} ` +
    `rss=${mib(r.start)}→${mib(r.end)} MiB (max ${mib(r.max)}) heapUsed=${mib(h.start)}→${mib(h.end)} MiB (max ${mib(h.max)})`);
  return verdict.ok && flat ? 0 : 1;
}

let exitCode = 2;
try {
  exitCode = await main();
  say(`done in ${secs(performance.now() - started)} s`);
} catch (e) {
  say(`soak failed: ${e instanceof Error ? e.stack : String(e)}`);
} finally {
  for (const c of children) c.kill("SIGKILL");
  const owned = cluster as OwnedCluster | null;
  await owned?.heal();
  owned?.stop();
}
process.exit(exitCode);

/**
 * The chaos run: on a 3-node cluster (RF 3, `min.insync.replicas=2`,
 * `acks=all`), 1M records over 10k keys while the leader of the busiest
 * partition is killed (SIGKILL) three times and restarted, and another broker
 * is paused (SIGSTOP) for 10 s. Then kcat (librdkafka, an independent reader)
 * reads the whole topic back and the run checks: no acknowledged record lost,
 * no duplicate, per-key order equal to send order, every `send()` settled
 * (exactly once), every rejected send carrying its cause.
 *
 * ```sh
 * npm run chaos -- --runtime bun          # the full run (1M records, 3 kills, 10 s pause)
 * bun tests/chaos/chaos.ts --runtime deno
 * bun tests/chaos/chaos.ts --runtime node --records 100000 --kills 1 --pause-ms 3000   # short
 * ```
 *
 * Options (defaults in brackets): `--runtime bun|deno|node` [bun],
 * `--records N` [1000000], `--keys N` [10000], `--kills N` [3],
 * `--pause-ms MS` [10000], `--partitions N` [6], `--cluster NAME` [chaos: a
 * 3-node cluster of its own, so killing brokers does not disturb other tests
 * on "trio"; `--cluster trio` works too], `--down-ms MS` [12000: how long a
 * killed broker stays down; > the 9 s broker session timeout, so leadership
 * moves], `--gap-ms MS` [5000: quiet time after each fault], `--warmup-ms MS`
 * [5000], `--rate N` records/s [auto: spread over the fault schedule],
 * `--delivery-timeout-ms MS` [120000], `--request-timeout-ms MS` [30000],
 * `--linger-ms MS` [5] (producer settings), `--max-outstanding N` [20000],
 * `--seed N` [42], `--pad N` extra value bytes [0], `--log-level
 * debug|info|warn` [debug], `--pause-target other|leader` [other: pause a
 * broker that does not lead the busiest partition; leader: pause its leader],
 * `--out DIR` [/tmp/edgekafka-chaos/<topic>].
 *
 * How it runs: creates a fresh topic; starts `producer.ts` on the runtime;
 * after the warm-up, for each kill it looks up the current leader of the
 * busiest partition (kcat -L), kills it -9, waits `--down-ms`, restarts it
 * (`kafka.sh start`, which waits until it registered again) and waits
 * `--gap-ms`; after the first kill (or alone) it pauses a broker that does
 * not lead the busiest partition for `--pause-ms`, then resumes it. The
 * producer stops at 97 % of the records until the faults are done, so every
 * fault hits a producer that is sending. Paused brokers are resumed and killed
 * ones restarted in a `finally`. Every step is time-bounded.
 *
 * The check reads the topic with kcat (streaming: `%p %o %k %s` lines, each
 * value `k=<key>;s=<seq>;n=<index>`) against the producer's results:
 * - lost: acknowledged, not in the log; misplaced: in the log, but not at
 *   the partition/offset its acknowledgement gave;
 * - duplicated: extra copies of a record (acknowledged or not);
 * - reordered: a record whose per-key sequence is lower than one before it
 *   in the log (duplicates excepted);
 * - unsettled: sends that never settled; settled more than once;
 * - failed without cause: a rejection that is not an Error with a message;
 * - misrouted: a key in another partition than murmur2 says, or in several;
 * - failed but present: allowed (a timeout does not prove non-delivery),
 *   reported apart, not counted as lost or duplicated.
 *
 * `--check-only DIR` checks an earlier run's results (DIR = its `--out`)
 * against its topic again, without producing or faults.
 *
 * Prints diagnostics, a `chaos-detail {json}` line, then exactly
 * `chaos: sent=N acked=A failed=F lost=L duplicated=D reordered=R`; exits 0
 * only if lost, duplicated, reordered, misplaced, misrouted, unsettled,
 * settled-twice and failed-without-cause are all 0 (1 otherwise, 2 if the run
 * itself broke). Results, producer log and fault log stay in `--out`.
 *
 * @module
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { partitionForKey } from "../../src/producer/murmur2.ts";
import { ROOT } from "../helpers/kafka.ts";
import { OwnedCluster, stopOnSignal } from "../helpers/owned_cluster.ts";
import { DENO, nodeScript, type Runtime } from "../helpers/runtimes.ts";
import { type CheckResult, checkTopic, lines, run } from "./check.ts";
import { keyName, keySequence } from "./workload.ts";

const PRODUCER = join(ROOT, "tests", "chaos", "producer.ts");

interface Options {
  runtime: Runtime;
  records: number;
  keys: number;
  kills: number;
  pauseMs: number;
  partitions: number;
  cluster: string;
  downMs: number;
  gapMs: number;
  warmupMs: number;
  rate: number;
  deliveryTimeoutMs: number;
  requestTimeoutMs: number;
  lingerMs: number;
  maxOutstanding: number;
  seed: number;
  pad: number;
  logLevel: string;
  pauseTarget: "other" | "leader";
  out: string;
  holdAt: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    runtime: "bun",
    records: 1_000_000,
    keys: 10_000,
    kills: 3,
    pauseMs: 10_000,
    partitions: 6,
    cluster: "chaos",
    downMs: 12_000,
    gapMs: 5_000,
    warmupMs: 5_000,
    rate: 0,
    deliveryTimeoutMs: 120_000,
    requestTimeoutMs: 30_000,
    lingerMs: 5,
    maxOutstanding: 20_000,
    seed: 42,
    pad: 0,
    logLevel: "debug",
    pauseTarget: "other",
    out: "",
    holdAt: 0.97,
  };
  const numeric: Record<string, keyof Options> = {
    "--records": "records", "--keys": "keys", "--kills": "kills", "--pause-ms": "pauseMs", "--partitions": "partitions",
    "--down-ms": "downMs", "--gap-ms": "gapMs", "--warmup-ms": "warmupMs", "--rate": "rate",
    "--delivery-timeout-ms": "deliveryTimeoutMs", "--request-timeout-ms": "requestTimeoutMs", "--linger-ms": "lingerMs",
    "--max-outstanding": "maxOutstanding", "--seed": "seed", "--pad": "pad",
    "--hold-at": "holdAt",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
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
    else if (a === "--log-level") o.logLevel = v;
    else if (a === "--pause-target") {
      if (v !== "other" && v !== "leader") throw new Error(`--pause-target must be other or leader, got "${v}"`);
      o.pauseTarget = v;
    }
    else if (a === "--out") o.out = resolve(v);
    else throw new Error(`Unknown option "${a}"`);
  }
  if (o.records < 1 || o.keys < 1 || o.partitions < 1) throw new Error("--records, --keys and --partitions must be ≥ 1");
  return o;
}

const started = performance.now();
let producerT0 = 0;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const secs = (ms: number) => (ms / 1000).toFixed(1);
const say = (line: string) => process.stderr.write(`[chaos +${secs(performance.now() - started)}s] ${line}\n`);


/** The run's cluster: stopped on every way out if this run started it (three JVMs left behind would eat the CPU of whatever runs next). */
let owned: OwnedCluster | null = null;
const clusterOf = (o: Options): OwnedCluster => (owned ??= new OwnedCluster(o.cluster, 3, say));
stopOnSignal(() => owned?.stop());

/** Starts the run's cluster; returns `kafka.sh up`'s output. */
const clusterUp = (o: Options): Promise<string> => clusterOf(o).upOutput();

/** kafka.sh on the run's cluster; throws with its stderr on failure. */
const kafka = (o: Options, args: string[], timeoutMs = 180_000): Promise<string> => clusterOf(o).kafka(args, timeoutMs);

interface PartitionMeta {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** The topic's partitions as kcat -L sees them (null if no broker answered in time). */
async function describe(bootstrap: string, topic: string): Promise<PartitionMeta[] | null> {
  const r = await run(["kcat", "-L", "-J", "-b", bootstrap, "-t", topic, "-m", "5"], 15_000);
  if (r.code !== 0) return null;
  try {
    const j = JSON.parse(r.stdout) as {
      topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }> }>;
    };
    const t = j.topics.find((x) => x.topic === topic);
    if (!t) return null;
    return t.partitions
      .map((p) => ({ partition: p.partition, leader: p.leader, replicas: p.replicas.map((r) => r.id), isr: p.isrs.map((r) => r.id) }))
      .sort((a, b) => a.partition - b.partition);
  } catch {
    return null;
  }
}

function showMeta(m: PartitionMeta[] | null): string {
  if (m === null) return "(metadata unavailable)";
  return m.map((p) => `p${p.partition}:L${p.leader}[isr ${p.isr.join(",")}]`).join(" ");
}

/** The leader of `partition`, asking until one is known (bounded). */
async function leaderOf(bootstrap: string, topic: string, partition: number, deadlineMs: number): Promise<{ leader: number; meta: PartitionMeta[] | null }> {
  const end = performance.now() + deadlineMs;
  let meta: PartitionMeta[] | null = null;
  while (performance.now() < end) {
    meta = await describe(bootstrap, topic);
    const leader = meta?.find((p) => p.partition === partition)?.leader ?? -1;
    if (leader > 0) return { leader, meta };
    await sleep(500);
  }
  return { leader: -1, meta };
}

interface Progress {
  t: number;
  phase: string;
  sent: number;
  acked: number;
  failed: number;
  outstanding: number;
}

interface FaultEvent {
  t: number;
  action: string;
  broker: number;
  detail: string;
  producer: Progress | null;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf("--check-only");
  if (at >= 0) {
    const dir = argv[at + 1];
    if (dir === undefined) throw new Error(`Option "--check-only" needs a directory`);
    argv.splice(at, 2);
    return checkOnly(parseArgs(argv), resolve(dir));
  }
  const o = parseArgs(argv);
  const topic = `chaos-${Date.now().toString(36)}-${process.pid}`;
  const out = o.out || join("/tmp/edgekafka-chaos", topic);
  mkdirSync(out, { recursive: true });
  say(`runtime=${o.runtime} records=${o.records} keys=${o.keys} kills=${o.kills} pause=${o.pauseMs}ms cluster=${o.cluster} out=${out}`);

  // Cluster (up heals a node left paused or killed by an earlier aborted run) and topic.
  const up = await clusterUp(o);
  const bootstrap = /bootstrap=(\S+)/.exec(up)?.[1];
  if (!bootstrap) throw new Error(`kafka.sh up printed no bootstrap line: ${up}`);
  await kafka(o, ["topic", topic, String(o.partitions), "3", "min.insync.replicas=2"]);
  say(`cluster ${o.cluster} bootstrap=${bootstrap}; topic ${topic}: ${o.partitions} partitions, RF 3, min.insync.replicas=2`);

  // The workload, to find the busiest partition before the first record.
  const keyOf = keySequence(o.records, o.keys, o.seed);
  const partOfKey = new Int16Array(o.keys);
  for (let k = 0; k < o.keys; k++) partOfKey[k] = partitionForKey(keyName(k), o.partitions);
  const load = new Array<number>(o.partitions).fill(0);
  for (let n = 0; n < o.records; n++) load[partOfKey[keyOf[n]!]!]!++;
  const busiest = load.indexOf(Math.max(...load));
  say(`records per partition: ${load.map((c, p) => `p${p}=${c}`).join(" ")}; busiest partition: ${busiest}`);

  // Fault schedule, and a send rate that spreads the records over it.
  const startEstimateMs = 6_000;
  const scheduleMs = o.warmupMs + o.kills * (o.downMs + startEstimateMs + o.gapMs) + (o.pauseMs > 0 ? o.pauseMs + o.gapMs : 0);
  const rate = o.rate > 0 ? o.rate : Math.max(1000, Math.ceil((o.records * o.holdAt) / (scheduleMs / 1000)));
  say(`fault schedule ≈ ${secs(scheduleMs)} s; producer rate ${rate} records/s, holding at ${Math.round(o.holdAt * 100)} % until the faults are done`);

  const args = [
    "--bootstrap", bootstrap, "--topic", topic, "--out", out, "--records", String(o.records), "--keys", String(o.keys),
    "--seed", String(o.seed), "--rate", String(rate), "--max-outstanding", String(o.maxOutstanding),
    "--delivery-timeout-ms", String(o.deliveryTimeoutMs), "--request-timeout-ms", String(o.requestTimeoutMs),
    "--linger-ms", String(o.lingerMs), "--pad", String(o.pad), "--hold-at", String(o.holdAt),
    "--hold-max-ms", String(scheduleMs * 3 + 120_000), "--log-level", o.logLevel,
  ];
  const command = o.runtime === "bun"
    ? [process.execPath, PRODUCER, ...args]
    : o.runtime === "deno"
    ? [DENO, "run", "-A", "--no-lock", PRODUCER, ...args]
    : ["node", await nodeScript(PRODUCER), ...args];
  const producerBudgetMs = scheduleMs * 3 + o.deliveryTimeoutMs * 2 + 300_000;

  const cluster = clusterOf(o);
  const faults: FaultEvent[] = [];
  let last: Progress | null = null;
  let producerDone = false;
  let faultsDone = false;
  const fault = (action: string, broker: number, detail: string) => {
    const e: FaultEvent = { t: Math.round(performance.now() - producerT0) / 1000, action, broker, detail, producer: last };
    faults.push(e);
    say(`fault t=${e.t.toFixed(1)}s ${action} broker ${broker} ${detail} (producer: sent=${last?.sent ?? 0} acked=${last?.acked ?? 0} failed=${last?.failed ?? 0} outstanding=${last?.outstanding ?? 0})`);
  };

  say(`starting the producer: ${command.map((c) => (c.includes(" ") ? JSON.stringify(c) : c)).join(" ")}`);
  producerT0 = performance.now();
  const child = Bun.spawn(command, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let producerTimedOut = false;
  const producerTimer = setTimeout(() => {
    producerTimedOut = true;
    say(`the producer did not finish within ${secs(producerBudgetMs)} s: killing it`);
    child.kill("SIGKILL");
  }, producerBudgetMs);
  const stderrLines: string[] = [];
  const stderrDone = (async () => {
    let lastEcho = 0;
    for await (const line of lines(child.stderr)) {
      if (line.startsWith("progress ")) {
        try {
          last = JSON.parse(line.slice(9)) as Progress;
        } catch { /* partial line */ }
        const now = performance.now();
        if (now - lastEcho >= 5_000 || last?.phase !== "sending") {
          lastEcho = now;
          process.stderr.write(`  [producer] ${line}\n`);
        }
      } else {
        stderrLines.push(line);
        process.stderr.write(`  [producer] ${line}\n`);
      }
    }
  })();
  const stdoutText = new Response(child.stdout).text();
  const exited = child.exited.then((code) => {
    producerDone = true;
    return code;
  });

  // Re-spread the records still to send (up to the hold) over the rest of the schedule.
  let startMs = startEstimateMs;
  const respread = (killsLeft: number, pauseLeft: boolean) => {
    if (o.rate > 0) return;
    const restMs = killsLeft * (o.downMs + startMs + o.gapMs) + (pauseLeft ? o.pauseMs + o.gapMs : 0);
    const left = Math.floor(o.records * o.holdAt) - (last?.sent ?? 0);
    if (left <= 0 || restMs <= 0) return;
    const next = Math.max(200, Math.ceil(left / (restMs / 1000)));
    writeFileSync(join(out, "rate"), String(next));
    say(`rate ${next} records/s for the ${left} records before the hold over the remaining ≈ ${secs(restMs)} s`);
  };

  const faultLoop = async () => {
    const wait = async (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end && !producerDone) await sleep(Math.min(200, end - performance.now()));
    };
    const pauseOne = async () => {
      if (o.pauseMs <= 0 || producerDone) return;
      const { leader, meta } = await leaderOf(bootstrap, topic, busiest, 30_000);
      // Another broker: not the busiest partition's leader; the one leading the most partitions.
      const candidates = [1, 2, 3].filter((b) => b !== leader);
      const leads = (b: number) => meta?.filter((p) => p.leader === b).length ?? 0;
      candidates.sort((a, b) => leads(b) - leads(a) || a - b);
      const victim = o.pauseTarget === "leader" && leader > 0 ? leader : candidates[0]!;
      fault("pause", victim, `(leads ${leads(victim)} partition(s); busiest p${busiest} led by ${leader}) ${showMeta(meta)}`);
      await cluster.pause(victim);
      await sleep(o.pauseMs); // the full pause, even if the producer is done
      await cluster.resume(victim);
      fault("resume", victim, showMeta(await describe(bootstrap, topic)));
      await wait(o.gapMs);
    };
    await wait(o.warmupMs);
    respread(o.kills, o.pauseMs > 0);
    if (o.kills === 0) await pauseOne();
    for (let i = 0; i < o.kills && !producerDone; i++) {
      const { leader, meta } = await leaderOf(bootstrap, topic, busiest, 60_000);
      if (leader < 0) throw new Error(`partition ${busiest} has no leader: ${showMeta(meta)}`);
      fault(`kill ${i + 1}/${o.kills}`, leader, `(leader of busiest p${busiest}) ${showMeta(meta)}`);
      await cluster.kill(leader);
      await sleep(o.downMs);
      fault("before restart", leader, showMeta(await describe(bootstrap, topic)));
      const startAt = performance.now();
      await cluster.start(leader);
      startMs = performance.now() - startAt;
      fault("restarted", leader, `after ${secs(startMs)} s; ${showMeta(await describe(bootstrap, topic))}`);
      respread(o.kills - i - 1, i === 0 && o.pauseMs > 0);
      await wait(o.gapMs);
      if (i === 0) {
        await pauseOne();
        respread(o.kills - 1, false);
      }
    }
    faultsDone = true;
    fault("faults done", 0, "releasing the producer");
  };

  let faultError: unknown = null;
  let code: number | null;
  try {
    await faultLoop().catch((e) => {
      faultError = e;
      say(`fault loop failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  } finally {
    // Never leave the cluster broken, whatever happened.
    await cluster.heal();
    writeFileSync(join(out, "release"), "");
    try {
      code = await exited;
    } finally {
      clearTimeout(producerTimer);
    }
  }
  await stderrDone;
  const producerStdout = await stdoutText;
  const producerMs = performance.now() - producerT0;
  writeFileSync(join(out, "faults.ndjson"), faults.map((f) => JSON.stringify(f)).join("\n") + "\n");
  say(`producer exited with ${producerTimedOut ? "a timeout" : code} after ${secs(producerMs)} s`);
  if (code !== 0 || !existsSync(join(out, "summary.json"))) {
    say(`the producer did not write its results:\n${stderrLines.slice(-30).join("\n")}`);
    return 2;
  }
  if (faultError !== null) return 2;
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Record<string, unknown>;
  void producerStdout;
  const kills = faults.filter((f) => f.action.startsWith("kill")).length;
  const pauses = faults.filter((f) => f.action === "pause").length;
  const duringSend = faults.filter((f) => (f.action.startsWith("kill") || f.action === "pause") && f.producer !== null && f.producer.phase !== "done").length;
  say(`faults: ${kills} kill(s), ${pauses} pause(s), ${duringSend} while the producer ran${faultsDone ? "" : " (schedule cut short)"}`);

  // The independent read and the check.
  const meta = await leaderOf(bootstrap, topic, busiest, 60_000);
  say(`reading ${topic} back with kcat; partitions now: ${showMeta(meta.meta)}`);
  const readStart = performance.now();
  const check = await checkTopic(o, bootstrap, topic, out, partOfKey);
  say(`kcat read ${check.logRecords} records in ${secs(performance.now() - readStart)} s`);

  return verdict(out, check, {
    runtime: o.runtime,
    topic,
    out,
    records: o.records,
    kills,
    pauses,
    faultsWhileSending: duringSend,
    producerMs: Math.round(producerMs),
    totalMs: Math.round(performance.now() - started),
    errorKinds: summary.errorKinds,
    metrics: summary.metrics,
  });
}

/** Prints the diagnostics, `chaos-detail {json}` and the `chaos:` line; returns the exit code. */
function verdict(out: string, check: CheckResult, extra: Record<string, unknown>): number {
  for (const line of check.diagnostics) console.log(line);
  const { diagnostics: _d, ...counts } = check;
  const detail = { ...extra, ...counts };
  writeFileSync(join(out, "result.json"), JSON.stringify(detail, null, 2));
  console.log(`chaos-detail ${JSON.stringify(detail)}`);
  console.log(`chaos: sent=${check.sent} acked=${check.acked} failed=${check.failed} lost=${check.lost} duplicated=${check.duplicated} reordered=${check.reordered}`);
  const ok = check.lost === 0 && check.duplicated === 0 && check.reordered === 0 && check.misplaced === 0 && check.misrouted === 0 &&
    check.unsettled === 0 && check.notSent === 0 && check.settledTwice === 0 && check.failedWithoutCause === 0 && check.foreign === 0;
  return ok ? 0 : 1;
}

/**
 * `--check-only DIR`: checks an earlier run again (its topic must still
 * exist on the cluster) — after inspecting or editing its results, e.g. to
 * prove the checker catches a planted loss, duplicate or reordering.
 */
async function checkOnly(o: Options, dir: string): Promise<number> {
  const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as { topic: string; records: number; keys: number; runtime: string };
  const up = await clusterUp(o);
  const bootstrap = /bootstrap=(\S+)/.exec(up)?.[1];
  if (!bootstrap) throw new Error(`kafka.sh up printed no bootstrap line: ${up}`);
  const meta = await describe(bootstrap, summary.topic);
  if (meta === null) throw new Error(`topic ${summary.topic} not found on cluster ${o.cluster}`);
  const opts = { ...o, partitions: meta.length, keys: summary.keys, records: summary.records };
  const partOfKey = new Int16Array(opts.keys);
  for (let k = 0; k < opts.keys; k++) partOfKey[k] = partitionForKey(keyName(k), opts.partitions);
  say(`checking ${dir} against topic ${summary.topic} (${opts.partitions} partitions)`);
  const check = await checkTopic(opts, bootstrap, summary.topic, dir, partOfKey);
  return verdict(dir, check, { runtime: summary.runtime, topic: summary.topic, out: dir, records: summary.records, checkOnly: true });
}

let exitCode = 2;
try {
  exitCode = await main();
  say(`done in ${secs(performance.now() - started)} s`);
} catch (e) {
  say(`chaos run failed: ${e instanceof Error ? e.stack : String(e)}`);
} finally {
  (owned as OwnedCluster | null)?.stop();
}
process.exit(exitCode);

/**
 * The producing side of the chaos run (`chaos.ts` starts it and breaks the
 * cluster meanwhile). Runs unchanged under Bun, Deno and Node (from `dist/`,
 * transpiled by `tests/helpers/runtimes.ts`):
 *
 * ```sh
 * bun tests/chaos/producer.ts --bootstrap 127.0.0.1:P1,… --topic T --out /tmp/chaos-x
 * deno run -A tests/chaos/producer.ts --bootstrap … --topic T --out …
 * ```
 *
 * Sends `--records` (default 1,000,000) records over `--keys` (10,000) keys
 * (see `workload.ts`: value `k=<key>;s=<per-key seq>;n=<global index>`) with
 * the callback form of `send()`, idempotence on (the default), `acks=all`,
 * `delivery.timeout.ms` = `--delivery-timeout-ms` (120 s). At most
 * `--max-outstanding` (20,000) sends are unsettled at a time, on top of the
 * `buffer.memory` backpressure; `--rate` records/s (0 = as fast as
 * possible; the file `--out/rate`, re-read twice a second, changes it: the
 * orchestrator stretches the run over its fault schedule). With `--hold-at F`
 * it stops after a fraction F of the records until the file `--out/release`
 * exists (the orchestrator creates it when its faults are done, so every
 * fault hits a producer that is sending).
 *
 * For every send it records: settled how many times, acked partition/offset
 * or the error (class, name, message, cause), send and settle time. Writes
 * into `--out`: `key.i32`, `seq.i32`, `status.u8` (0 not sent, 1 pending,
 * 2 acked, 3 failed), `settles.u8`, `partition.i16`, `offset.f64`,
 * `send_ms.f32`, `settle_ms.f32` (ms since start), `failures.ndjson`,
 * `summary.json`, and `producer.log` (the producer's own log lines: warn and
 * error always, info/debug unless `--log-level warn`). Progress goes to
 * stderr as `progress {json}` lines, once a second; the last stdout line is
 * the summary as JSON. Exits 0 when the results were written (the
 * orchestrator judges them), 1 if the run itself crashed.
 *
 * @module
 */

import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { Producer } from "../../mod.ts";
import type { Logger, LogFields, RecordMetadata } from "../../mod.ts";
import { keyName, keySequence, valueOf } from "./workload.ts";

const NOT_SENT = 0;
const PENDING = 1;
const ACKED = 2;
const FAILED = 3;

interface Options {
  bootstrap: string;
  topic: string;
  out: string;
  records: number;
  keys: number;
  seed: number;
  rate: number;
  maxOutstanding: number;
  deliveryTimeoutMs: number;
  requestTimeoutMs: number;
  lingerMs: number;
  pad: number;
  holdAt: number;
  holdMaxMs: number;
  logLevel: "debug" | "info" | "warn";
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    bootstrap: "",
    topic: "",
    out: "",
    records: 1_000_000,
    keys: 10_000,
    seed: 42,
    rate: 0,
    maxOutstanding: 20_000,
    deliveryTimeoutMs: 120_000,
    requestTimeoutMs: 30_000,
    lingerMs: 5,
    pad: 0,
    holdAt: 1,
    holdMaxMs: 600_000,
    logLevel: "debug",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    const num = () => {
      i++;
      const x = Number(v);
      if (v === undefined || !Number.isFinite(x)) throw new Error(`Option "${a}" needs a number`);
      return x;
    };
    switch (a) {
      case "--bootstrap": o.bootstrap = v ?? ""; i++; break;
      case "--topic": o.topic = v ?? ""; i++; break;
      case "--out": o.out = v ?? ""; i++; break;
      case "--records": o.records = num(); break;
      case "--keys": o.keys = num(); break;
      case "--seed": o.seed = num(); break;
      case "--rate": o.rate = num(); break;
      case "--max-outstanding": o.maxOutstanding = num(); break;
      case "--delivery-timeout-ms": o.deliveryTimeoutMs = num(); break;
      case "--request-timeout-ms": o.requestTimeoutMs = num(); break;
      case "--linger-ms": o.lingerMs = num(); break;
      case "--pad": o.pad = num(); break;
      case "--hold-at": o.holdAt = num(); break;
      case "--hold-max-ms": o.holdMaxMs = num(); break;
      case "--log-level": o.logLevel = v as Options["logLevel"]; i++; break;
      default: throw new Error(`Unknown option "${a}"`);
    }
  }
  if (!o.bootstrap || !o.topic || !o.out) throw new Error("--bootstrap, --topic and --out are required");
  return o;
}

const t0 = performance.now();
const elapsed = () => performance.now() - t0;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

/** Records the producer's log lines into a file (buffered, flushed twice a second and at exit). */
class FileLogger implements Logger {
  readonly #path: string;
  readonly #min: number;
  #lines: string[] = [];
  counts = { debug: 0, info: 0, warn: 0, error: 0 };
  /** The first warn/error lines, echoed to stderr. */
  #echoed = 0;

  constructor(path: string, level: Options["logLevel"]) {
    this.#path = path;
    this.#min = level === "debug" ? 0 : level === "info" ? 1 : 2;
    writeFileSync(path, "");
  }

  #log(level: "debug" | "info" | "warn" | "error", rank: number, message: string, fields?: LogFields): void {
    this.counts[level]++;
    if (rank < this.#min) return;
    const line = json({ t: Math.round(elapsed()), level, message, ...fields });
    this.#lines.push(line);
    if (rank >= 2 && this.#echoed < 20) {
      this.#echoed++;
      process.stderr.write(`log ${line}\n`);
    }
  }

  debug(m: string, f?: LogFields) { this.#log("debug", 0, m, f); }
  info(m: string, f?: LogFields) { this.#log("info", 1, m, f); }
  warn(m: string, f?: LogFields) { this.#log("warn", 2, m, f); }
  error(m: string, f?: LogFields) { this.#log("error", 3, m, f); }

  /** A line of our own (not from the producer). */
  note(message: string, fields?: LogFields): void {
    this.#lines.push(json({ t: Math.round(elapsed()), level: "chaos", message, ...fields }));
  }

  flush(): void {
    if (this.#lines.length === 0) return;
    const text = this.#lines.join("\n") + "\n";
    this.#lines = [];
    appendFileSync(this.#path, text);
  }
}

/** Class, name, message and cause chain of an error (whatever was thrown). */
function describeError(e: unknown): { cls: string; name: string; msg: string; retriable: unknown; cause: string | null } {
  if (!(e instanceof Error)) return { cls: typeof e, name: "", msg: String(e), retriable: null, cause: null };
  const causes: string[] = [];
  let c: unknown = e.cause;
  for (let i = 0; c !== undefined && c !== null && i < 5; i++) {
    causes.push(c instanceof Error ? `${c.constructor?.name ?? c.name}: ${c.message}` : String(c));
    c = c instanceof Error ? c.cause : undefined;
  }
  return {
    cls: e.constructor?.name ?? "Error",
    name: e.name,
    msg: e.message,
    retriable: (e as { retriable?: unknown }).retriable ?? null,
    cause: causes.length > 0 ? causes.join(" <- ") : null,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(o.out, { recursive: true });
  const N = o.records;
  const logger = new FileLogger(`${o.out}/producer.log`, o.logLevel);
  const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
  logger.note("start", { runtime, ...o });

  const keyOf = keySequence(N, o.keys, o.seed);
  const seqOf = new Int32Array(N);
  const nextSeq = new Int32Array(o.keys);
  for (let n = 0; n < N; n++) seqOf[n] = nextSeq[keyOf[n]!]!++;
  const status = new Uint8Array(N);
  const settles = new Uint8Array(N);
  const partition = new Int16Array(N).fill(-1);
  const offset = new Float64Array(N).fill(-1);
  const sendMs = new Float32Array(N);
  const settleMs = new Float32Array(N).fill(-1);
  const failures: string[] = [];
  const pad = "x".repeat(o.pad);

  let rate = o.rate;
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let outstanding = 0;
  let doubleSettled = 0;
  let wake: (() => void) | null = null;
  let wakeBelow = 0;
  const errorKinds = new Map<string, number>();

  const producer = new Producer({
    bootstrapServers: o.bootstrap.split(","),
    clientId: "edgekafka-chaos",
    acks: "all",
    deliveryTimeoutMs: o.deliveryTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    lingerMs: o.lingerMs,
    logger,
  });

  const settle = (n: number, error: Error | null, md: RecordMetadata | null): void => {
    const now = elapsed();
    const times = settles[n]! + 1;
    settles[n] = Math.min(255, times);
    if (times > 1) {
      doubleSettled++;
      logger.error("send() settled more than once", { n, times, error: error ? describeError(error) : null, md });
      return;
    }
    settleMs[n] = now;
    outstanding--;
    if (error === null && md !== null) {
      status[n] = ACKED;
      partition[n] = md.partition;
      offset[n] = Number(md.offset);
      acked++;
    } else {
      status[n] = FAILED;
      failed++;
      const d = describeError(error ?? new Error("settled with neither error nor metadata"));
      const kind = `${d.cls}: ${d.msg.replace(/\d+/g, "#")}`;
      errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
      failures.push(json({ n, k: keyOf[n], s: seqOf[n], ms: Math.round(now - sendMs[n]!), ...d }));
    }
    if (wake !== null && outstanding <= wakeBelow) {
      const w = wake;
      wake = null;
      w();
    }
  };
  const until = (below: number) =>
    new Promise<void>((resolve) => {
      wakeBelow = below;
      wake = resolve;
    });

  let lastProgress = 0;
  const progress = (phase: string) => {
    const t = elapsed();
    process.stderr.write(`progress ${json({
      t: Math.round(t / 100) / 10,
      phase,
      rate,
      sent,
      acked,
      failed,
      outstanding,
      warn: logger.counts.warn,
      error: logger.counts.error,
    })}\n`);
    logger.flush();
    lastProgress = t;
  };
  const ticker = setInterval(() => progress(sent < N ? "sending" : "settling"), 1000);

  const sendOne = (n: number) => {
    const k = keyOf[n]!;
    sendMs[n] = elapsed();
    status[n] = PENDING;
    outstanding++;
    sent++;
    try {
      producer.send({ topic: o.topic, key: keyName(k), value: valueOf(k, seqOf[n]!, n, pad) }, (e, md) => settle(n, e, md));
    } catch (e) {
      // A synchronous throw is a settlement too (with its cause).
      settle(n, e as Error, null);
    }
  };

  // Sending: paced by --rate, bounded by --max-outstanding, held at --hold-at.
  const holdAt = o.holdAt < 1 ? Math.floor(N * o.holdAt) : N;
  let held = false;
  let paceStart = elapsed();
  let paceBase = 0;
  let rateCheckedAt = 0;
  let n = 0;
  while (n < N) {
    if (elapsed() - rateCheckedAt >= 500) {
      rateCheckedAt = elapsed();
      let text = "";
      try {
        text = readFileSync(`${o.out}/rate`, "utf8").trim();
      } catch { /* no file: keep the rate */ }
      const next = Number(text);
      if (text !== "" && Number.isFinite(next) && next >= 0 && next !== rate) {
        logger.note("rate changed", { from: rate, to: next, n });
        rate = next;
        paceStart = elapsed();
        paceBase = n;
      }
    }
    if (n === holdAt && !held) {
      held = true;
      progress("holding");
      logger.note("holding until released", { n });
      const holdStart = elapsed();
      while (!existsSync(`${o.out}/release`) && elapsed() - holdStart < o.holdMaxMs) await sleep(100);
      logger.note("released", { n, heldMs: Math.round(elapsed() - holdStart) });
      paceStart = elapsed();
      paceBase = n;
    }
    const limit = Math.min(N, held ? N : holdAt);
    const allowed = rate > 0 ? Math.min(limit, paceBase + Math.floor(((elapsed() - paceStart) / 1000) * rate)) : limit;
    let burst = 0;
    while (n < allowed && outstanding < o.maxOutstanding && burst < 2000) {
      sendOne(n++);
      burst++;
    }
    if (n >= N) break;
    if (outstanding >= o.maxOutstanding) await until(Math.floor(o.maxOutstanding * 0.75));
    else await sleep(burst === 0 ? 2 : 0);
  }
  const lastSendMs = elapsed();
  logger.note("all sent", { sent });
  progress("settling");

  // Every send must settle within delivery.timeout.ms (plus slack for the last request).
  const settleDeadline = lastSendMs + o.deliveryTimeoutMs + o.requestTimeoutMs + 30_000;
  while (outstanding > 0 && elapsed() < settleDeadline) {
    await Promise.race([until(0), sleep(1000)]);
  }
  const unsettledBeforeClose = outstanding;
  const settledAtMs = elapsed();
  if (unsettledBeforeClose > 0) logger.note("sends still unsettled at the deadline", { outstanding });
  const metrics = producer.metrics();
  let closeError: string | null = null;
  await Promise.race([
    producer.close({ timeoutMs: 5_000 }).catch((e) => void (closeError = String(e))),
    sleep(20_000).then(() => void (closeError = "close() did not return within 20 s")),
  ]);
  clearInterval(ticker);

  let pending = 0;
  for (let i = 0; i < N; i++) if (status[i] === PENDING) pending++;
  const summary = {
    runtime,
    topic: o.topic,
    records: N,
    keys: o.keys,
    seed: o.seed,
    sent,
    acked,
    failed,
    pending,
    unsettledBeforeClose,
    doubleSettled,
    sendMs: Math.round(lastSendMs),
    settleMs: Math.round(settledAtMs),
    totalMs: Math.round(elapsed()),
    closeError,
    errorKinds: Object.fromEntries([...errorKinds].sort((a, b) => b[1] - a[1])),
    logCounts: logger.counts,
    metrics: Object.fromEntries(Object.entries(metrics).filter(([k]) => /retry|error|record-send-total|request-total|batch-size-avg|records-per-request/.test(k))),
  };
  const write = (name: string, a: ArrayBufferView) => writeFileSync(`${o.out}/${name}`, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  write("key.i32", keyOf);
  write("seq.i32", seqOf);
  write("status.u8", status);
  write("settles.u8", settles);
  write("partition.i16", partition);
  write("offset.f64", offset);
  write("send_ms.f32", sendMs);
  write("settle_ms.f32", settleMs);
  writeFileSync(`${o.out}/failures.ndjson`, failures.length > 0 ? failures.join("\n") + "\n" : "");
  writeFileSync(`${o.out}/summary.json`, JSON.stringify(summary, null, 2));
  logger.note("done", summary);
  logger.flush();
  void lastProgress;
  progress("done");
  process.stdout.write(JSON.stringify(summary) + "\n");
  // Late callbacks (a double settle after close) no longer matter: the results are written.
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`producer crashed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});

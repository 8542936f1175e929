/**
 * Hostile-broker scenario, run unchanged under Bun, Deno and Node (from
 * `dist/`, see `tests/helpers/runtimes.ts`) by `tests/e2e/hostile_broker.test.ts`.
 *
 * ```sh
 * bun tests/e2e/scenarios/hostile.ts --bootstrap 127.0.0.1:9092 --topic t --seed 42
 * ```
 *
 * Options: `--seed N` (the fault sequence), `--sends N` records per round
 * (default 600), `--rate P` probability that a response frame is corrupted
 * (default 0.2). The kinds of fault come from one deck shared by the rounds
 * (`faultDeck`), so a run that applied ten faults applied every kind.
 *
 * Rounds of producers with different settings (idempotent, gzip under memory
 * pressure, acks=1 without idempotence, acks=0 closed while records are still
 * pending, transactional: three transactions, each committed or else aborted) send to `--topic` through `tests/helpers/hostile_connect.ts`, which
 * corrupts the real broker's responses. Per round it records how every
 * `send()` settled (success with which record metadata, or which error, how
 * often, how long after the call; each value names its round and index),
 * how long `flush()` and `close()` took, the buffer pool's available memory
 * after close, and whether every socket was closed. Then a clean producer (no faults)
 * sends a few records. Unhandled rejections and uncaught exceptions are
 * counted instead of killing the process.
 *
 * Prints one JSON line (`HostileReport`, in `hostile_report.ts`). Exits 0 when the
 * scenario ran (the test judges the result), 1 if it crashed.
 *
 * @module
 */

import { KafkaError, Producer, TimeoutError } from "../../../mod.ts";
import type { ProducerOptions, RecordMetadata } from "../../../mod.ts";
import { type Fault, faultDeck, FAULTS, hostileConnect, HOSTILE_TIMEOUTS as TIMEOUTS } from "../../helpers/hostile_connect.ts";
import type { HostileReport, RoundReport, TransactionsReport } from "./hostile_report.ts";

type Global = {
  Deno?: { args: string[]; exitCode: number };
  Bun?: unknown;
  process?: { argv: string[]; exitCode?: number; on(event: string, f: (e: unknown) => void): void };
  addEventListener?: (type: string, f: (e: { reason?: unknown; error?: unknown; preventDefault(): void }) => void) => void;
};
const g = globalThis as unknown as Global;
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";
const args = parseArgs(g.Deno?.args ?? g.process!.argv.slice(2));
const bootstrap = args.bootstrap;
const topic = args.topic;
if (!bootstrap || !topic) throw new Error("Usage: hostile.ts --bootstrap HOST:PORT --topic T [--seed N] [--sends N] [--rate P]");
const seed = Number(args.seed ?? 1) >>> 0;
const sendsPerRound = Number(args.sends ?? 600);
const rate = Number(args.rate ?? 0.2);
/** One deck for every round: ten faults in the whole run are one of each kind. */
const deck = faultDeck(seed);

const started = performance.now();
const report: HostileReport = {
  ok: false,
  runtime,
  seed,
  rounds: [],
  clean: { sends: 0, succeeded: 0, errors: [], closeMs: -1 },
  unhandledRejections: [],
  uncaughtExceptions: [],
  ms: 0,
};

const describeError = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e));
if (g.Deno) {
  g.addEventListener!("unhandledrejection", (e) => {
    e.preventDefault();
    report.unhandledRejections.push(describeError(e.reason));
  });
  g.addEventListener!("error", (e) => {
    e.preventDefault();
    report.uncaughtExceptions.push(describeError(e.error));
  });
} else {
  g.process!.on("unhandledRejection", (reason) => report.unhandledRejections.push(describeError(reason)));
  g.process!.on("uncaughtException", (error) => report.uncaughtExceptions.push(describeError(error)));
}

interface Round {
  name: string;
  options: Omit<Partial<ProducerOptions>, "keySerializer" | "valueSerializer">;
  /** Sends in transactions (committed, or aborted when the commit fails) instead of outside any. */
  transactions?: number;
  /** Close right after the last send, with this timeout, instead of waiting for the sends first. */
  closeEarlyMs?: number;
}

const ROUNDS: Round[] = [
  { name: "idempotent", options: {} },
  { name: "gzip, little memory", options: { compressionType: "gzip", bufferMemory: 64 * 1024, batchSize: 4096 } },
  { name: "acks=1, not idempotent", options: { acks: 1, enableIdempotence: false } },
  { name: "acks=0, closed early", options: { acks: 0, enableIdempotence: false }, closeEarlyMs: 500 },
  { name: "transactional", options: { transactionalId: `hostile-${runtime}-${seed}` }, transactions: 3 },
];

try {
  for (let i = 0; i < ROUNDS.length; i++) report.rounds.push(await runRound(ROUNDS[i]!, i, (seed + i * 7919) >>> 0));
  report.clean = await cleanProducer();
  // Let late rejections surface before reporting.
  await new Promise((r) => setTimeout(r, 50));
  report.ok = true;
} catch (error) {
  report.error = describeError(error);
}
report.ms = Math.round(performance.now() - started);
console.log(JSON.stringify(report));
if (!report.ok) {
  if (g.Deno) g.Deno.exitCode = 1;
  else g.process!.exitCode = 1;
}
// No process.exit(): the process must end by itself once the producers are
// closed (a leaked socket or timer would keep it alive and time the test out).

async function runRound(round: Round, index: number, roundSeed: number): Promise<RoundReport> {
  const hostile = hostileConnect({ seed: roundSeed, rate, deck });
  const bufferMemory = round.options.bufferMemory ?? 256 * 1024;
  const producer = new Producer({
    bootstrapServers: bootstrap!,
    clientId: `hostile-${runtime}`,
    connect: hostile.connect,
    lingerMs: 2,
    batchSize: 2048,
    retryBackoffMs: 10,
    retryBackoffMaxMs: 100,
    reconnectBackoffMs: 10,
    reconnectBackoffMaxMs: 100,
    socketConnectionSetupTimeoutMs: 1000,
    socketConnectionSetupTimeoutMaxMs: 1000,
    ...TIMEOUTS,
    ...round.options,
    bufferMemory,
  });
  const r: RoundReport = {
    name: round.name,
    seed: roundSeed,
    sends: sendsPerRound,
    settled: 0,
    succeeded: 0,
    errors: {},
    untyped: [],
    badMetadata: [],
    acknowledged: [],
    durable: round.options.acks !== 0,
    transactions: null,
    settledTwice: 0,
    unsettled: 0,
    maxSettleMs: 0,
    flushMs: null,
    closeMs: -1,
    bufferMemory,
    availableBytes: -1,
    totalBytes: -1,
    sendAfterClose: null,
    opened: 0,
    closed: 0,
    frames: 0,
    faults: Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>,
  };
  const encoder = new TextEncoder();
  const all: Promise<void>[] = [];
  const sendOne = (i: number) => {
    const sentAt = performance.now();
    let count = 0;
    let resolve!: () => void;
    all.push(new Promise<void>((r) => (resolve = r)));
    const settle = (error: unknown, md: RecordMetadata | null) => {
      if (++count > 1) return void r.settledTwice++;
      r.settled++;
      r.maxSettleMs = Math.max(r.maxSettleMs, Math.round(performance.now() - sentAt));
      if (error === null) {
        r.succeeded++;
        r.acknowledged.push(i);
        if (md?.topic !== topic || !Number.isInteger(md.partition) || md.partition < 0 || typeof md.offset !== "bigint") {
          if (r.badMetadata.length < 5) r.badMetadata.push(`send ${i}: ${JSON.stringify(md, (_k, v) => typeof v === "bigint" ? `${v}n` : v)}`);
        }
      } else {
        const name = (error as object)?.constructor?.name ?? typeof error;
        r.errors[name] = (r.errors[name] ?? 0) + 1;
        if (!(error instanceof KafkaError) && r.untyped.length < 5) r.untyped.push(`send ${i}: ${describeError(error)}`);
      }
      resolve();
    };
    // The value names the record, so the test can find every acknowledged one in the topic.
    const value = encoder.encode(`${index}/${i}/`.padEnd(100, "a"));
    const record = { topic: topic!, key: `k${i % 17}`, value };
    if (i % 2 === 0) producer.send(record).then((md) => settle(null, md), (e) => settle(e, null));
    else producer.send(record, (error, md) => settle(error ?? null, md));
  };
  // Bursts spread over about a second, so faults hit requests at every stage.
  const BURST = 10;
  const bound = TIMEOUTS.maxBlockMs + TIMEOUTS.deliveryTimeoutMs + 5000;
  const burst = async (from: number, to: number) => {
    for (let i = from; i < to; i += BURST) {
      for (let j = i; j < Math.min(to, i + BURST); j++) sendOne(j);
      await new Promise((res) => setTimeout(res, 10));
    }
  };
  if (round.transactions === undefined) await burst(0, sendsPerRound);
  else r.transactions = await inTransactions(producer, round.transactions, burst, bound);
  const closeStart = performance.now();
  if (round.closeEarlyMs !== undefined) {
    r.closeMs = await timed(producer.close({ timeoutMs: round.closeEarlyMs }), bound);
  } else {
    r.flushMs = await timed(producer.flush(), bound);
  }
  const gaveUp = await timed(Promise.all(all), bound);
  if (gaveUp < 0) r.unsettled = r.sends - r.settled;
  if (round.closeEarlyMs === undefined) {
    const closing = performance.now();
    r.closeMs = await timed(producer.close(), bound);
    if (r.closeMs >= 0) r.closeMs = Math.round(performance.now() - closing);
  } else if (r.closeMs >= 0) {
    r.closeMs = Math.round(performance.now() - closeStart);
  }
  const m = producer.metrics();
  r.availableBytes = m["buffer-available-bytes"] ?? -1;
  r.totalBytes = m["buffer-total-bytes"] ?? -1;
  try {
    await producer.send({ topic: topic!, value: "after close" });
    r.sendAfterClose = "resolved";
  } catch (error) {
    r.sendAfterClose = (error as object)?.constructor?.name ?? String(error);
  }
  // Sockets the connection closed report their close asynchronously on some runtimes.
  for (let i = 0; i < 50 && hostile.stats.closed < hostile.stats.opened; i++) await new Promise((res) => setTimeout(res, 20));
  Object.assign(r, { opened: hostile.stats.opened, closed: hostile.stats.closed, frames: hostile.stats.frames, faults: { ...hostile.stats.faults } });
  return r;
}

/**
 * Sends the round's records in `count` transactions: `initTransactions()`,
 * then per transaction begin, sends, commit, and abort if the commit failed
 * for good (each call retried while it times out). Every call is bounded: one that does not
 * return in time is a problem, as is an error that is not a `KafkaError`.
 */
async function inTransactions(
  producer: Producer,
  count: number,
  burst: (from: number, to: number) => Promise<void>,
  bound: number,
): Promise<TransactionsReport> {
  const per = Math.ceil(sendsPerRound / count);
  const t: TransactionsReport = {
    initAttempts: 0, ready: false, committed: 0, aborted: 0, abandoned: 0, ended: [], perTransaction: per, errors: {}, problems: [],
  };
  /**
   * Runs a transactional call, again while it times out (as Java's documentation says: a
   * timed-out call may be retried, and nothing else may be tried meanwhile). Null if it
   * succeeded, else its last error; each failure is counted, a hang or a non-KafkaError noted.
   */
  const call = async (what: string, f: () => Promise<void>, attempts = 5): Promise<unknown> => {
    let outcome: unknown = null;
    for (let i = 0; i < attempts; i++) {
      if (what === "initTransactions()") t.initAttempts++;
      outcome = "pending";
      const took = await timed(f().then(() => (outcome = null), (e: unknown) => (outcome = e)), bound);
      if (took < 0) {
        t.problems.push(`${what} did not return within ${bound} ms`);
        return new Error("hung");
      }
      if (outcome === null) return null;
      const name = (outcome as object)?.constructor?.name ?? typeof outcome;
      t.errors[`${what.replace(/ #\d+$/, "")}: ${name}`] = (t.errors[`${what.replace(/ #\d+$/, "")}: ${name}`] ?? 0) + 1;
      if (!(outcome instanceof KafkaError)) t.problems.push(`${what} failed with something other than a KafkaError: ${describeError(outcome)}`);
      if (!(outcome instanceof TimeoutError)) return outcome;
    }
    return outcome;
  };
  t.ready = (await call("initTransactions()", () => producer.initTransactions(), 10)) === null;
  for (let n = 0; n < count; n++) {
    const from = n * per;
    const to = Math.min(sendsPerRound, from + per);
    let open = false;
    if (t.ready) {
      try {
        producer.beginTransaction();
        open = true;
      } catch (e) {
        const name = (e as object)?.constructor?.name ?? typeof e;
        t.errors[`beginTransaction(): ${name}`] = (t.errors[`beginTransaction(): ${name}`] ?? 0) + 1;
        if (!(e instanceof KafkaError)) t.problems.push(`beginTransaction() threw something other than a KafkaError: ${describeError(e)}`);
      }
    }
    // Sent whatever the state: outside an open transaction every send must fail, and settle.
    await burst(from, to);
    if (!open) {
      t.abandoned++;
      t.ended.push("abandoned");
      continue;
    }
    const failed = await call(`commitTransaction() #${n}`, () => producer.commitTransaction());
    // A commit that failed for good (not a timeout) leaves the transaction to abort.
    const ended = failed === null
      ? "committed"
      : !(failed instanceof TimeoutError) && (await call(`abortTransaction() #${n}`, () => producer.abortTransaction())) === null
      ? "aborted"
      : "abandoned";
    t[ended]++;
    t.ended.push(ended);
  }
  return t;
}

async function cleanProducer(): Promise<HostileReport["clean"]> {
  const producer = new Producer({ bootstrapServers: bootstrap!, clientId: `clean-${runtime}`, ...TIMEOUTS });
  const out: HostileReport["clean"] = { sends: 200, succeeded: 0, errors: [], closeMs: -1 };
  const results = await Promise.allSettled(Array.from({ length: out.sends }, (_, i) => producer.send({ topic: topic!, value: `clean ${i}` })));
  for (const x of results) {
    if (x.status === "fulfilled") out.succeeded++;
    else out.errors.push(describeError(x.reason));
  }
  out.closeMs = await timed(producer.close(), 10_000);
  return out;
}

/** Waits for `p` at most `ms`: how long it took, or -1 if it did not settle in time. */
async function timed(p: Promise<unknown>, ms: number): Promise<number> {
  const at = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<number>((res) => (timer = setTimeout(() => res(-1), ms)));
  try {
    return await Promise.race([p.then(() => Math.round(performance.now() - at)), late]);
  } finally {
    clearTimeout(timer);
  }
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`Unexpected argument "${a}"`);
    const eq = a.indexOf("=");
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else out[a.slice(2)] = argv[++i] ?? "";
  }
  return out;
}

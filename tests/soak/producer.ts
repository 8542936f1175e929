/**
 * The producing side of the soak (`soak.ts` starts it and restarts brokers
 * meanwhile). Runs unchanged under Bun, Deno and Node (from `dist/`,
 * transpiled by `tests/helpers/runtimes.ts`):
 *
 * ```sh
 * bun tests/soak/producer.ts --bootstrap 127.0.0.1:P1,… --topic T --out /tmp/soak-x --seconds 60 --rate 10000
 * ```
 *
 * For `--seconds` it sends records at `--rate` per second (0 = as fast as
 * possible) with the callback form of `send()`, `acks=all`, idempotence on
 * (the default). Record `n` (0, 1, 2, …) has no key and the value `s=<n>`
 * (plus `--pad` bytes), so the topic read back shows which were written how
 * often. At most `--max-outstanding` sends are unsettled at a time; a send
 * that falls behind its schedule (the queue was full during a broker
 * restart) is not made up later: the rate stays steady.
 *
 * Every `--sample-ms` it writes `sample {json}` to stderr: `t` (ms since
 * `ready`), `rss`, `heapUsed`, `heapTotal` (bytes, `process.memoryUsage()`),
 * `sent`, `acked`, `failed`, `outstanding`. `ready` goes to stderr once the
 * producer exists (the orchestrator's clock starts there). At the end it
 * waits for every send to settle (bounded by `delivery.timeout.ms`), closes
 * the producer and writes into `--out`: `status.u8` (per record: 0 not sent,
 * 1 pending, 2 acked, 3 failed), `samples.ndjson`, `failures.ndjson` (the
 * first 1000) and `summary.json`, which is also the last stdout line.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import process from "node:process";
import { Producer } from "../../mod.ts";
import type { RecordMetadata } from "../../mod.ts";
import { ACKED, FAILED, NOT_SENT, PENDING } from "./verify.ts";
import type { MemorySample } from "./report.ts";

interface Options {
  bootstrap: string;
  topic: string;
  out: string;
  seconds: number;
  rate: number;
  maxOutstanding: number;
  sampleMs: number;
  deliveryTimeoutMs: number;
  requestTimeoutMs: number;
  lingerMs: number;
  pad: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    bootstrap: "", topic: "", out: "", seconds: 60, rate: 10_000, maxOutstanding: 50_000, sampleMs: 5_000,
    deliveryTimeoutMs: 120_000, requestTimeoutMs: 30_000, lingerMs: 5, pad: 0,
  };
  const text: Record<string, "bootstrap" | "topic" | "out"> = { "--bootstrap": "bootstrap", "--topic": "topic", "--out": "out" };
  const numeric: Record<string, Exclude<keyof Options, "bootstrap" | "topic" | "out">> = {
    "--seconds": "seconds", "--rate": "rate", "--max-outstanding": "maxOutstanding", "--sample-ms": "sampleMs",
    "--delivery-timeout-ms": "deliveryTimeoutMs", "--request-timeout-ms": "requestTimeoutMs", "--linger-ms": "lingerMs", "--pad": "pad",
  };
  for (let i = 0; i < argv.length; i += 2) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`Option "${a}" needs a value`);
    if (a in text) o[text[a]!] = v;
    else if (a in numeric) {
      const x = Number(v);
      if (!Number.isFinite(x) || x < 0) throw new Error(`Option "${a}" needs a number ≥ 0, got "${v}"`);
      o[numeric[a]!] = x;
    } else throw new Error(`Unknown option "${a}"`);
  }
  if (!o.bootstrap || !o.topic || !o.out) throw new Error("--bootstrap, --topic and --out are required");
  return o;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
  // Capacity for the whole run, allocated up front and written once, so it does not show in the memory
  // curve: the OS commits a page only when it is first written, so an untouched array grew the RSS by one
  // byte per record sent (+17 MiB over the 17.7M records of the first soak, all of its "RSS growth").
  const capacity = o.rate > 0 ? Math.ceil(o.rate * o.seconds * 1.05) + 10_000 : 5_000_000;
  const status = new Uint8Array(capacity);
  for (let i = 0; i < capacity; i += 4096) status[i] = NOT_SENT; // a write per page commits it (the value is already NOT_SENT)
  const pad = "x".repeat(o.pad);
  const failures: string[] = [];
  const errorKinds = new Map<string, number>();
  const samples: MemorySample[] = [];
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let outstanding = 0;
  let settledTwice = 0;
  let behind = 0;
  let wake: (() => void) | null = null;
  let wakeBelow = 0;

  const producer = new Producer({
    bootstrapServers: o.bootstrap.split(","),
    clientId: "edgekafka-soak",
    acks: "all",
    enableIdempotence: true,
    deliveryTimeoutMs: o.deliveryTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    lingerMs: o.lingerMs,
  });

  const settle = (n: number, error: Error | null, md: RecordMetadata | null): void => {
    if (status[n] !== PENDING) {
      settledTwice++;
      return;
    }
    outstanding--;
    if (error === null && md !== null) {
      status[n] = ACKED;
      acked++;
    } else {
      status[n] = FAILED;
      failed++;
      const e = error ?? new Error("Settled with neither error nor metadata");
      const kind = `${e.constructor?.name ?? "Error"}: ${e.message.replace(/\d+/g, "#")}`;
      errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
      if (failures.length < 1000) failures.push(JSON.stringify({ n, name: e.name, message: e.message, cause: String(e.cause ?? "") }));
    }
    if (wake !== null && outstanding <= wakeBelow) {
      const w = wake;
      wake = null;
      w();
    }
  };
  const until = (below: number) => new Promise<void>((resolve) => {
    wakeBelow = below;
    wake = resolve;
  });

  const t0 = performance.now();
  const elapsed = () => performance.now() - t0;
  const sample = () => {
    const m = process.memoryUsage();
    const s: MemorySample = { t: Math.round(elapsed()), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, sent, acked, failed, outstanding };
    samples.push(s);
    process.stderr.write(`sample ${JSON.stringify(s)}\n`);
  };
  process.stderr.write("ready\n");
  sample();
  const sampler = setInterval(sample, o.sampleMs);

  const endAt = o.seconds * 1000;
  let paceStart = 0;
  let paceBase = 0;
  while (elapsed() < endAt && sent < capacity) {
    const now = elapsed();
    let allowed = o.rate > 0 ? paceBase + Math.floor(((now - paceStart) / 1000) * o.rate) : capacity;
    if (o.rate > 0 && allowed - sent > o.rate) {
      // More than a second behind (a full queue while a broker restarted): drop the debt.
      behind += allowed - sent;
      paceStart = now;
      paceBase = sent;
      allowed = sent;
    }
    allowed = Math.min(allowed, capacity);
    let burst = 0;
    while (sent < allowed && outstanding < o.maxOutstanding && burst < 2000) {
      const n = sent++;
      status[n] = PENDING;
      outstanding++;
      burst++;
      try {
        producer.send({ topic: o.topic, key: null, value: `s=${n}${pad}` }, (e, md) => settle(n, e, md));
      } catch (e) {
        settle(n, e instanceof Error ? e : new Error(String(e)), null);
      }
    }
    if (outstanding >= o.maxOutstanding) await Promise.race([until(Math.floor(o.maxOutstanding * 0.75)), sleep(1000)]);
    else await sleep(burst === 0 ? 2 : 0);
  }
  const sendMs = elapsed();

  // Every send must settle within delivery.timeout.ms (plus slack for the last request).
  const deadline = sendMs + o.deliveryTimeoutMs + o.requestTimeoutMs + 30_000;
  while (outstanding > 0 && elapsed() < deadline) await Promise.race([until(0), sleep(1000)]);
  const unsettledBeforeClose = outstanding;
  let closeError: string | null = null;
  await Promise.race([
    producer.close({ timeoutMs: 5_000 }).catch((e) => void (closeError = String(e))),
    sleep(20_000).then(() => void (closeError = "close() did not return within 20 s")),
  ]);
  sample();
  clearInterval(sampler);

  const summary = {
    runtime, topic: o.topic, seconds: o.seconds, rate: o.rate, sent, acked, failed, outstanding: unsettledBeforeClose,
    settledTwice, behind, sendMs: Math.round(sendMs), totalMs: Math.round(elapsed()), closeError,
    achievedRate: Math.round(sent / (sendMs / 1000)),
    errorKinds: Object.fromEntries([...errorKinds].sort((a, b) => b[1] - a[1])),
  };
  writeFileSync(`${o.out}/status.u8`, status.subarray(0, sent));
  writeFileSync(`${o.out}/samples.ndjson`, samples.map((s) => JSON.stringify(s)).join("\n") + "\n");
  writeFileSync(`${o.out}/failures.ndjson`, failures.length > 0 ? failures.join("\n") + "\n" : "");
  writeFileSync(`${o.out}/summary.json`, JSON.stringify(summary, null, 2));
  process.stdout.write(JSON.stringify(summary) + "\n");
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`producer crashed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});

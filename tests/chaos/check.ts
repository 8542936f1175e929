/**
 * The check of the chaos run (`chaos.ts`): streams the topic through kcat
 * (`%p %o %k %s` lines) and holds it against the producer's per-send results
 * (`producer.ts` writes them). See `chaos.ts` for what each count means.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../helpers/runtimes.ts";
import { keyName, parseValue } from "./workload.ts";

const ACKED = 2;
const FAILED = 3;
const PENDING = 1;
const NOT_SENT = 0;

/** What the check needs of the run's options. */
export interface CheckOptions {
  partitions: number;
  keys: number;
}

/** Runs a command asynchronously (the producer's output keeps flowing meanwhile), killed after `timeoutMs`. */
export function run(cmd: string[], timeoutMs: number): ReturnType<typeof runCommand> {
  return runCommand(cmd, timeoutMs);
}

/** Lines of a byte stream, as they arrive. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest;
}

export interface CheckResult {
  sent: number;
  acked: number;
  failed: number;
  lost: number;
  duplicated: number;
  reordered: number;
  misplaced: number;
  misrouted: number;
  unsettled: number;
  notSent: number;
  settledTwice: number;
  failedWithoutCause: number;
  failedButPresent: number;
  foreign: number;
  logRecords: number;
  endOffsetsTotal: number;
  diagnostics: string[];
}

function load<T>(out: string, name: string, make: (b: ArrayBuffer) => T): T {
  const buf = readFileSync(join(out, name));
  return make(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

export async function checkTopic(o: CheckOptions, bootstrap: string, topic: string, out: string, partOfKey: Int16Array): Promise<CheckResult> {
  const key = load(out, "key.i32", (b) => new Int32Array(b));
  const seq = load(out, "seq.i32", (b) => new Int32Array(b));
  const status = load(out, "status.u8", (b) => new Uint8Array(b));
  const settles = load(out, "settles.u8", (b) => new Uint8Array(b));
  const partition = load(out, "partition.i16", (b) => new Int16Array(b));
  const offset = load(out, "offset.f64", (b) => new Float64Array(b));
  const sendMs = load(out, "send_ms.f32", (b) => new Float32Array(b));
  const settleMs = load(out, "settle_ms.f32", (b) => new Float32Array(b));
  const N = key.length;
  const diagnostics: string[] = [];

  // End offsets (the log start is 0: fresh topic, no retention within the run).
  const q = await run(["kcat", "-Q", "-b", bootstrap, ...Array.from({ length: o.partitions }, (_, p) => ["-t", `${topic}:${p}:-1`]).flat()], 60_000);
  const ends = new Array<number>(o.partitions).fill(-1);
  for (const m of q.stdout.matchAll(/\[(\d+)\] offset (\d+)/g)) ends[Number(m[1])] = Number(m[2]);
  const endOffsetsTotal = ends.reduce((a, b) => a + Math.max(0, b), 0);

  // Stream the whole topic through kcat.
  const seen = new Uint8Array(N);
  const firstP = new Int16Array(N).fill(-1);
  const firstO = new Float64Array(N).fill(-1);
  const lastSeq = new Int32Array(o.keys).fill(-1);
  const lastSeqOffset = new Float64Array(o.keys).fill(-1);
  const keyPart = new Int16Array(o.keys).fill(-1);
  const dupExamples: string[] = [];
  const reorderExamples: string[] = [];
  const foreignExamples: string[] = [];
  const misrouteExamples: string[] = [];
  let duplicated = 0;
  let reordered = 0;
  let foreign = 0;
  let misrouted = 0;
  let logRecords = 0;
  const perPartition = new Array<number>(o.partitions).fill(0);
  const kcat = Bun.spawn(["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p %o %k %s\\n"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const kcatTimer = setTimeout(() => kcat.kill("SIGKILL"), 600_000);
  const kcatErr = new Response(kcat.stderr).text();
  for await (const line of lines(kcat.stdout)) {
    if (line.length === 0) continue;
    logRecords++;
    const sp1 = line.indexOf(" ");
    const sp2 = line.indexOf(" ", sp1 + 1);
    const sp3 = line.indexOf(" ", sp2 + 1);
    const p = Number(line.slice(0, sp1));
    const off = Number(line.slice(sp1 + 1, sp2));
    const k = line.slice(sp2 + 1, sp3);
    const v = parseValue(line.slice(sp3 + 1));
    if (p >= 0 && p < o.partitions) perPartition[p]!++;
    if (v === null || v.n >= N || key[v.n] !== v.k || seq[v.n] !== v.s || k !== keyName(v.k)) {
      foreign++;
      if (foreignExamples.length < 5) foreignExamples.push(`  foreign record at p${p}@${off}: ${line.slice(0, 200)}`);
      continue;
    }
    const n = v.n;
    if (seen[n]! < 255) seen[n]!++;
    if (seen[n]! > 1) {
      duplicated++;
      if (dupExamples.length < 10) {
        dupExamples.push(`  duplicate n=${n} key=${v.k} seq=${v.s} at p${p}@${off}, first at p${firstP[n]}@${firstO[n]}; ` +
          `status=${statusName(status[n]!)} acked at p${partition[n]}@${offset[n]} sent ${ms(sendMs[n]!)} settled ${ms(settleMs[n]!)}`);
      }
      continue;
    }
    firstP[n] = p;
    firstO[n] = off;
    if (keyPart[v.k] === -1) keyPart[v.k] = p;
    if (keyPart[v.k] !== p || partOfKey[v.k] !== p) {
      misrouted++;
      if (misrouteExamples.length < 5) misrouteExamples.push(`  key ${v.k} at p${p}@${off} (murmur2 says p${partOfKey[v.k]}, first seen in p${keyPart[v.k]})`);
    }
    if (v.s < lastSeq[v.k]!) {
      reordered++;
      if (reorderExamples.length < 10) {
        reorderExamples.push(`  reordered key=${v.k}: seq ${v.s} (n=${n}) at p${p}@${off} after seq ${lastSeq[v.k]} at @${lastSeqOffset[v.k]}; ` +
          `status=${statusName(status[n]!)} sent ${ms(sendMs[n]!)} settled ${ms(settleMs[n]!)}`);
      }
    } else {
      lastSeq[v.k] = v.s;
      lastSeqOffset[v.k] = off;
    }
  }
  clearTimeout(kcatTimer);
  const kcatCode = await kcat.exited;
  if (kcatCode !== 0) throw new Error(`kcat exited with ${kcatCode}: ${(await kcatErr).slice(-2000)}`);

  // Against the producer's results.
  let sent = 0, acked = 0, failed = 0, lost = 0, misplaced = 0, unsettled = 0, notSent = 0, settledTwice = 0, failedButPresent = 0;
  let ackedUnknownOffset = 0;
  const lostExamples: string[] = [];
  const misplacedExamples: string[] = [];
  const lostByPartition = new Array<number>(o.partitions).fill(0);
  for (let n = 0; n < N; n++) {
    const s = status[n]!;
    if (s !== NOT_SENT) sent++;
    if (settles[n]! > 1) settledTwice++;
    if (s === NOT_SENT) notSent++;
    else if (s === PENDING) unsettled++;
    else if (s === ACKED) {
      acked++;
      if (offset[n]! < 0) ackedUnknownOffset++;
      if (seen[n] === 0) {
        lost++;
        if (partition[n]! >= 0 && partition[n]! < o.partitions) lostByPartition[partition[n]!]!++;
        if (lostExamples.length < 10) {
          lostExamples.push(`  lost n=${n} key=${key[n]} seq=${seq[n]}: acked at p${partition[n]}@${offset[n]}, sent ${ms(sendMs[n]!)} settled ${ms(settleMs[n]!)}`);
        }
      } else if (firstP[n] !== partition[n] || (offset[n]! >= 0 && firstO[n] !== offset[n])) {
        misplaced++;
        if (misplacedExamples.length < 10) {
          misplacedExamples.push(`  misplaced n=${n} key=${key[n]} seq=${seq[n]}: acked at p${partition[n]}@${offset[n]}, in the log at p${firstP[n]}@${firstO[n]}, ` +
            `sent ${ms(sendMs[n]!)} settled ${ms(settleMs[n]!)}`);
        }
      }
    } else if (s === FAILED) {
      failed++;
      if (seen[n]! > 0) failedButPresent++;
    }
  }

  // Every rejection must carry its cause: an Error (subclass) with a message.
  let failedWithoutCause = 0;
  let failureLines = 0;
  const causeExamples: string[] = [];
  const failuresText = readFileSync(join(out, "failures.ndjson"), "utf8");
  for (const l of failuresText.split("\n")) {
    if (!l) continue;
    failureLines++;
    const f = JSON.parse(l) as { n: number; cls: string; name: string; msg: string; cause: string | null };
    if (!f.msg || f.cls === "undefined" || f.cls === "object" || f.cls === "string") {
      failedWithoutCause++;
      if (causeExamples.length < 5) causeExamples.push(`  failure without cause: ${l.slice(0, 300)}`);
    }
  }
  if (failureLines !== failed) {
    diagnostics.push(`failures.ndjson has ${failureLines} lines for ${failed} failed sends`);
    failedWithoutCause += Math.abs(failed - failureLines);
  }

  diagnostics.push(`log: ${logRecords} records read (${perPartition.map((c, p) => `p${p}=${c}`).join(" ")}); end offsets total ${endOffsetsTotal} (${ends.map((e, p) => `p${p}=${e}`).join(" ")})`);
  if (logRecords !== endOffsetsTotal) diagnostics.push(`WARNING: kcat read ${logRecords} records but the end offsets add up to ${endOffsetsTotal}`);
  diagnostics.push(`producer: sent=${sent} acked=${acked} (offset unknown: ${ackedUnknownOffset}) failed=${failed} (of which present in the log: ${failedButPresent}) unsettled=${unsettled} not-sent=${notSent} settled-twice=${settledTwice}`);
  if (lost > 0) diagnostics.push(`lost by partition: ${lostByPartition.map((c, p) => `p${p}=${c}`).join(" ")}`);
  diagnostics.push(`check: lost=${lost} misplaced=${misplaced} duplicated=${duplicated} reordered=${reordered} misrouted=${misrouted} foreign=${foreign} failed-without-cause=${failedWithoutCause}`);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { errorKinds: Record<string, number>; metrics: Record<string, number>; logCounts: Record<string, number> };
  for (const [kind, count] of Object.entries(summary.errorKinds ?? {}).slice(0, 10)) diagnostics.push(`  error ${count}× ${kind}`);
  diagnostics.push(`producer metrics: ${JSON.stringify(summary.metrics)}; log lines: ${JSON.stringify(summary.logCounts)}`);
  diagnostics.push(...lostExamples, ...misplacedExamples, ...dupExamples, ...reorderExamples, ...misrouteExamples, ...foreignExamples, ...causeExamples);
  return {
    sent, acked, failed, lost, duplicated, reordered, misplaced, misrouted, unsettled, notSent, settledTwice, failedWithoutCause, failedButPresent,
    foreign, logRecords, endOffsetsTotal, diagnostics,
  };
}

function statusName(s: number): string {
  return ["not-sent", "pending", "acked", "failed"][s] ?? String(s);
}

function ms(x: number): string {
  return x < 0 ? "never" : `@${(x / 1000).toFixed(2)}s`;
}

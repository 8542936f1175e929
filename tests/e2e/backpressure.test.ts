/**
 * Backpressure against the real single-node broker, on Bun, Deno and Node:
 * `tests/e2e/scenarios/backpressure.ts` sends 2M × 100 B through
 * `producer.sendAll()` (and 500k each through a `bufferFull`/`ready()`
 * loop and through `pipeTo(producer.writable())`) with the default 32 MiB
 * `buffer.memory`. For each run:
 * - every record is acknowledged, and kcat finds the last one at the
 *   expected offset with the expected bytes;
 * - at most one record ever waited in the send queue (`waiting-records-max`:
 *   the loop stops while one waits for memory), so the records outside
 *   batches never take more than one record's state;
 * - RSS grew by at most `buffer.memory` + {@linkcode RSS_SLACK} over the
 *   idle producer's. The slack is the runtimes' garbage, not queued
 *   records: measured +131 to +179 MiB for sendAll of 2M (Node, Deno, Bun),
 *   of which ~50 MiB is V8's young generation (Node with
 *   `--max-semi-space-size=2`: +82 MiB) and the rest old-generation garbage
 *   and the request frames the sender copies outside `buffer.memory`. The
 *   naive loop of 3M records grows by 500–670 MiB instead (1.8–2.7 GiB
 *   before the queue was made compact);
 * - all of `buffer.memory` is free again once closed.
 * Memory bounds only: wall-clock times are not asserted (the machine is shared).
 */

import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { cluster, createTopic, uniqueTopic } from "../helpers/kafka.ts";
import { ensureDist, runScript, type Runtime, RUNTIMES } from "../helpers/runtimes.ts";
import type { BackpressureReport } from "./scenarios/backpressure.ts";

const SCENARIO = "tests/e2e/scenarios/backpressure.ts";
const SIZE = 100;
const MiB = 1024 * 1024;
/** What RSS may grow by beyond `buffer.memory` while sending (see the module comment). */
const RSS_SLACK = 192 * MiB;

let bootstrap = "";

beforeAll(async () => {
  bootstrap = cluster();
  await ensureDist();
}, 240_000);

/** The last record of partition 0 as kcat reads it: its offset and value. */
function lastRecord(topic: string): { offset: number; value: string } {
  const r = spawnSync("kcat", ["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "-1", "-e", "-q", "-f", "%o %s\n"], {
    encoding: "latin1",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`kcat failed: ${r.stderr}`);
  const [offset, value] = r.stdout.trim().split(" ") as [string, string];
  return { offset: Number(offset), value };
}

async function run(runtime: Runtime, mode: string, records: number): Promise<BackpressureReport> {
  const topic = createTopic(uniqueTopic(`backpressure-${mode}-${runtime}`), 1);
  const r = await runScript(runtime, SCENARIO, ["--bootstrap", bootstrap, "--topic", topic, "--records", String(records), "--size", String(SIZE), "--mode", mode], {
    timeoutMs: 300_000,
  });
  if (r.code !== 0 || r.json === null) throw new Error(`${r.command.join(" ")} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  const report = r.json as BackpressureReport;
  console.log(
    `${runtime} ${mode} ${records}: idle RSS ${(report.idleRss / MiB).toFixed(0)} MiB, peak ${(report.peakRss / MiB).toFixed(0)} MiB ` +
      `(+${((report.peakRss - report.idleRss) / MiB).toFixed(0)}), waiting-records-max ${report.waitingRecordsMax}`,
  );
  // The warm-up record is offset 0; the last record sent is payload (records - 1) % 1000.
  const last = lastRecord(topic);
  expect(last.offset).toBe(records);
  expect(last.value).toBe(String.fromCharCode(65 + (((records - 1) % 1000) % 26)).repeat(SIZE));
  return report;
}

function checkBounded(report: BackpressureReport, records: number): void {
  expect({ acknowledged: report.acknowledged, failed: report.failed, firstError: report.firstError })
    .toEqual({ acknowledged: records, failed: 0, firstError: null });
  expect(report.waitingRecordsMax).toBeLessThanOrEqual(1);
  expect(report.peakRss - report.idleRss).toBeLessThanOrEqual(report.bufferMemory + RSS_SLACK);
  expect(report.availableAfter).toBe(report.bufferMemory);
}

for (const runtime of RUNTIMES) {
  describe(`backpressure on ${runtime} against the broker`, () => {
    test("sendAll: 2M × 100 B within buffer.memory", async () => {
      checkBounded(await run(runtime, "sendAll", 2_000_000), 2_000_000);
    }, 300_000);

    test("a bufferFull/ready() loop: 500k × 100 B within buffer.memory", async () => {
      checkBounded(await run(runtime, "ready", 500_000), 500_000);
    }, 300_000);

    test("pipeTo(producer.writable()): 500k × 100 B within buffer.memory", async () => {
      checkBounded(await run(runtime, "writable", 500_000), 500_000);
    }, 300_000);
  });
}

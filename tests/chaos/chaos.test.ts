/**
 * The short chaos run for CI: `chaos.ts` with 100k records over 10k keys, one
 * kill -9 of the busiest partition's leader (restarted after 6 s) and a 3 s
 * pause of another broker, on a 3-node cluster of its own (RF 3,
 * `min.insync.replicas=2`, `acks=all`); the producer runs on Bun, then on
 * Node (from `dist/`). Each run must end with zero lost, duplicated and
 * reordered records and every send settled (chaos.ts exits 0 only then).
 *
 * The full run (1M records, 3 kills, 10 s pause) is one command:
 * `npm run chaos -- --runtime bun` (or `bun tests/chaos/chaos.ts --runtime deno`).
 * `EDGEKAFKA_CHAOS_RUNTIMES=bun,deno,node` picks the runtimes here;
 * `EDGEKAFKA_CHAOS_RECORDS` the record count.
 */

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT } from "../helpers/kafka.ts";
import type { Runtime } from "../helpers/runtimes.ts";

const RUNTIMES = (process.env.EDGEKAFKA_CHAOS_RUNTIMES ?? "bun,node").split(",").map((r) => r.trim()).filter(Boolean) as Runtime[];
const RECORDS = Number(process.env.EDGEKAFKA_CHAOS_RECORDS ?? 100_000);
const TIMEOUT_MS = 600_000;

interface Detail {
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
  foreign: number;
  kills: number;
  pauses: number;
  faultsWhileSending: number;
}

async function chaos(runtime: Runtime): Promise<{ code: number; line: string; detail: Detail; stderr: string }> {
  const child = Bun.spawn([
    process.execPath, join(ROOT, "tests/chaos/chaos.ts"),
    "--runtime", runtime, "--records", String(RECORDS), "--kills", "1", "--pause-ms", "3000",
    "--down-ms", "6000", "--gap-ms", "3000", "--warmup-ms", "3000",
  ], { cwd: ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGTERM"), TIMEOUT_MS - 10_000);
  const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  const code = await child.exited;
  clearTimeout(timer);
  const lines = stdout.trimEnd().split("\n");
  const line = lines.at(-1) ?? "";
  const detailLine = lines.find((l) => l.startsWith("chaos-detail ")) ?? "chaos-detail {}";
  return { code, line, detail: JSON.parse(detailLine.slice("chaos-detail ".length)) as Detail, stderr: stdout + "\n" + stderr };
}

describe("chaos (short): kill -9 + restart of the busiest leader, a paused broker", () => {
  for (const runtime of RUNTIMES) {
    test(`producer on ${runtime}: nothing acknowledged lost, no duplicate, per-key order kept, every send settled`, async () => {
      const r = await chaos(runtime);
      if (r.code !== 0) console.error(r.stderr.slice(-20_000));
      expect(r.line).toMatch(/^chaos: sent=\d+ acked=\d+ failed=\d+ lost=\d+ duplicated=\d+ reordered=\d+$/);
      const d = r.detail;
      expect({ lost: d.lost, duplicated: d.duplicated, reordered: d.reordered, misplaced: d.misplaced, misrouted: d.misrouted })
        .toEqual({ lost: 0, duplicated: 0, reordered: 0, misplaced: 0, misrouted: 0 });
      expect({ unsettled: d.unsettled, notSent: d.notSent, settledTwice: d.settledTwice, failedWithoutCause: d.failedWithoutCause, foreign: d.foreign })
        .toEqual({ unsettled: 0, notSent: 0, settledTwice: 0, failedWithoutCause: 0, foreign: 0 });
      expect(d.sent).toBe(RECORDS);
      expect(d.acked + d.failed).toBe(RECORDS);
      expect(d.kills).toBe(1);
      expect(d.pauses).toBe(1);
      expect(r.code).toBe(0);
    }, TIMEOUT_MS);
  }
});

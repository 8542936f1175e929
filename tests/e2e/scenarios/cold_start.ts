/**
 * Cold-start scenario, run unchanged under Bun, Deno and Node (from `dist/`)
 * by `tests/e2e/cold_start.test.ts` through a delaying proxy:
 *
 * ```sh
 * bun tests/e2e/scenarios/cold_start.ts --bootstrap 127.0.0.1:PROXY_PORT --topic t --runs 3
 * ```
 *
 * `--runs` times: a new `Producer` (defaults: idempotent, acks=all) sends
 * one record and is closed; the time from the constructor to the first
 * acknowledgement is measured. Prints one JSON line ({@linkcode ColdStartReport}).
 *
 * @module
 */

import { Producer } from "../../../mod.ts";

/** What the scenario measured. */
export interface ColdStartReport {
  /** Per run: ms from `new Producer()` to the first acknowledgement. */
  elapsedMs: number[];
  /** Per run: the offset the record got. */
  offsets: string[];
}

const args = process.argv.slice(2);
const arg = (name: string): string => {
  const i = args.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= args.length) throw new Error(`Missing --${name}`);
  return args[i + 1]!;
};

const report: ColdStartReport = { elapsedMs: [], offsets: [] };
for (let run = 0, runs = Number(arg("runs")); run < runs; run++) {
  const t0 = performance.now();
  const producer = new Producer({ bootstrapServers: arg("bootstrap"), clientId: "cold-start" });
  const md = await producer.send({ topic: arg("topic"), value: `run ${run}` });
  report.elapsedMs.push(Math.round(performance.now() - t0));
  report.offsets.push(String(md.offset));
  await producer.close();
}
console.log(JSON.stringify(report));

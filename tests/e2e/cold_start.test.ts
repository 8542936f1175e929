/**
 * Cold start in round trips, on Bun, Deno and Node, against a real broker
 * behind a proxy that delays each direction by 50 ms (a 100 ms round trip;
 * tests/helpers/delay_proxy.ts, the "proxied" cluster of kafka.sh).
 *
 * From `new Producer()` to the first acknowledgement (idempotent, acks=all,
 * a bootstrap address that is the broker's own): TCP connect, ApiVersions,
 * Metadata with InitProducerId pipelined on the same connection, Produce —
 * 4 round trips, over one connection (the broker adopts the bootstrap
 * connection). Kafka's protocol allows no fewer: versions must be known
 * before any other request, and the leader before Produce. The elapsed time
 * is at least 4 round trips (the proxy really delays) and under 5 (no
 * needless exchange). kcat reads every record back.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DelayProxy, proxyRoutes } from "../helpers/delay_proxy.ts";
import { createTopic, kcatRead, proxiedCluster, uniqueTopic } from "../helpers/kafka.ts";
import { ensureDist, runScript, RUNTIMES } from "../helpers/runtimes.ts";
import type { ColdStartReport } from "./scenarios/cold_start.ts";

const SCENARIO = "tests/e2e/scenarios/cold_start.ts";
const ONE_WAY_MS = 50;
const RUNS = 3;

let proxy: DelayProxy;
let direct = "";
let viaProxy = "";

beforeAll(async () => {
  const c = proxiedCluster();
  direct = c.bootstrap;
  const routes = proxyRoutes(c.proxyLine);
  proxy = new DelayProxy(routes, ONE_WAY_MS);
  await proxy.start();
  viaProxy = `127.0.0.1:${routes[0]!.listenPort}`;
  await ensureDist();
}, 240_000);

afterAll(async () => {
  await proxy?.close();
});

describe.each(RUNTIMES)("%s: cold start through a 100 ms round trip", (runtime) => {
  test("the first acknowledgement comes after 4 round trips, over one connection per producer; kcat reads the records", async () => {
    const topic = createTopic(uniqueTopic(`cold-${runtime}`), 1, { cluster: "proxied" });
    proxy.reset();
    const r = await runScript(runtime, SCENARIO, ["--bootstrap", viaProxy, "--topic", topic, "--runs", String(RUNS)], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = r.json as ColdStartReport;
    expect(report.elapsedMs).toHaveLength(RUNS);
    expect(proxy.connections).toBe(RUNS);
    // The fastest run: the others may include a runtime's first-use costs (JIT, a new topic's leader).
    const roundTrips = Math.min(...report.elapsedMs) / proxy.rttMs;
    console.log(`${runtime}: cold start ${report.elapsedMs.join(", ")} ms = ${roundTrips.toFixed(2)} round trips of ${proxy.rttMs} ms`);
    expect(roundTrips).toBeGreaterThanOrEqual(4);
    expect(roundTrips).toBeLessThan(5);
    const read = kcatRead(direct, topic);
    expect(read.map((rec) => new TextDecoder().decode(rec.value!))).toEqual(Array.from({ length: RUNS }, (_, i) => `run ${i}`));
  }, 120_000);
});

/**
 * Cold start side by side: from constructing a producer to its first
 * acknowledgement, in round trips, through a proxy that delays each
 * direction by 25 ms (tests/helpers/delay_proxy.ts; kafka.sh's "proxied"
 * cluster advertises the proxy's port, so every connection of every client
 * goes through it). Idempotent, acks=all, one record, a new producer per run.
 *
 *   node_modules/.bin/bun bench/cold_start.ts [--runs 5] [--one-way-ms 25]
 *
 * Clients: edgekafka on Bun, Deno and Node (tests/e2e/scenarios/cold_start.ts),
 * KafkaJS on Node and @platformatic/kafka on Bun (bench/peers/cold_start.mjs).
 * Prints a Markdown table (median and fastest run, connections per producer)
 * and writes it to bench/results/cold-start-<date>.md. Stops the cluster if
 * it started it.
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DelayProxy, proxyRoutes } from "../tests/helpers/delay_proxy.ts";
import { createTopic, kafkaSh, proxiedCluster, ROOT, uniqueTopic } from "../tests/helpers/kafka.ts";
import { ensureDist, runCommand, runScript } from "../tests/helpers/runtimes.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = option("runs", 5);
const ONE_WAY_MS = option("one-way-ms", 25);
const CLUSTER = "proxied";

const peers = join(ROOT, "bench", "peers");
if (!existsSync(join(peers, "node_modules", "kafkajs"))) {
  const r = spawnSync("npm", ["ci", "--prefix", peers, "--no-audit", "--no-fund", "--loglevel=error"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm ci --prefix bench/peers failed");
}

const wasRunning = kafkaSh(["status"]).split("\n").some((l) => l.startsWith(`${CLUSTER}:`));
const { proxyLine } = proxiedCluster(CLUSTER);
const routes = proxyRoutes(proxyLine);
const proxy = new DelayProxy(routes, ONE_WAY_MS);
await proxy.start();
const bootstrap = `127.0.0.1:${routes[0]!.listenPort}`;
await ensureDist();

interface Row {
  client: string;
  elapsedMs: number[];
  connections: number;
}

const PEER = join(peers, "cold_start.mjs");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
type Outcome = { code: number | null; stdout: string; stderr: string };
const lastJson = (stdout: string): unknown => {
  try {
    return JSON.parse(stdout.trimEnd().split("\n").at(-1) ?? "");
  } catch {
    return null;
  }
};
const clients: Array<{ name: string; run: (topic: string) => Promise<Outcome> }> = [
  ...(["bun", "deno", "node"] as const).map((runtime) => ({
    name: `edgekafka · ${runtime[0]!.toUpperCase()}${runtime.slice(1)}`,
    run: (topic: string) => runScript(runtime, "tests/e2e/scenarios/cold_start.ts", ["--bootstrap", bootstrap, "--topic", topic, "--runs", String(RUNS)]),
  })),
  {
    name: "KafkaJS · Node",
    run: (topic: string) => runCommand([process.env.NODE ?? "node", PEER, "--client", "kafkajs", "--bootstrap", bootstrap, "--topic", topic, "--runs", String(RUNS)], 120_000),
  },
  {
    name: "@platformatic/kafka · Bun",
    run: (topic: string) => runCommand([BUN, PEER, "--client", "platformatic", "--bootstrap", bootstrap, "--topic", topic, "--runs", String(RUNS)], 120_000),
  },
];

const rows: Row[] = [];
try {
  for (const c of clients) {
    const topic = createTopic(uniqueTopic("cold-start"), 1, { cluster: CLUSTER });
    proxy.reset();
    const r = await c.run(topic);
    const json = lastJson(r.stdout) as { elapsedMs?: number[] } | null;
    if (r.code !== 0 || !json?.elapsedMs) throw new Error(`${c.name} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
    rows.push({ client: c.name, elapsedMs: json.elapsedMs, connections: proxy.connections / RUNS });
    process.stderr.write(`[cold-start] ${c.name}: ${json.elapsedMs.join(", ")} ms, ${proxy.connections} connections\n`);
  }
} finally {
  await proxy.close();
  if (!wasRunning) kafkaSh(["down"], { cluster: CLUSTER });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rtt = 2 * ONE_WAY_MS;
const lines = [
  `Cold start through a ${rtt} ms round trip (${ONE_WAY_MS} ms each way), ${RUNS} runs, a new idempotent producer per run, acks=all, one record:`,
  "",
  "| client | median ms | round trips (median) | fastest ms | round trips (fastest) | connections per producer |",
  "|---|---:|---:|---:|---:|---:|",
  ...rows.map((r) => {
    const m = median(r.elapsedMs);
    const f = Math.min(...r.elapsedMs);
    return `| ${r.client} | ${m} | ${(m / rtt).toFixed(1)} | ${f} | ${(f / rtt).toFixed(1)} | ${r.connections} |`;
  }),
];
const md = lines.join("\n") + "\n";
process.stdout.write(md);
const dir = join(ROOT, "bench", "results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `cold-start-${new Date().toISOString().slice(0, 10)}.md`), md);

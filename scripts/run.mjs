#!/usr/bin/env node
// The two README commands, runnable on a fresh clone with nothing set up:
//
//   npm start   (node scripts/run.mjs main)  — the main job: produce records to a local
//                Kafka (started here unless KAFKA_BOOTSTRAP points to one), print a summary
//   npm test    (node scripts/run.mjs test)  — the whole test suite (bun test) against
//                real brokers started by tests/kafka/kafka.sh (tests/workers runs Workers in workerd, from npm)
//
// Both install what is missing (npm packages; kafka.sh fetches the Kafka jars and kcat),
// build dist/ (Node runs the built ESM), and stop every Kafka cluster they started.
// Plain Node (no dependencies) so it runs before `npm install`.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const KAFKA_SH = join(ROOT, "tests", "kafka", "kafka.sh");
const BIN = join(ROOT, "node_modules", ".bin");

function log(message) {
  process.stderr.write(`[edgekafka] ${message}\n`);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function must(cmd, args, options) {
  const status = run(cmd, args, options);
  if (status !== 0) {
    log(`${cmd} ${args.join(" ")} failed with exit code ${status}`);
    process.exit(status);
  }
}

function ensureDependencies() {
  const needed = ["bun", "deno", "tsc", "workerd"].map((b) => join(BIN, b));
  if (needed.every(existsSync) && existsSync(join(ROOT, "node_modules", "hash-wasm"))) return;
  // Not `npm ci`: it insists on every platform's optional binary package in the lock file, and the
  // registry has deno's for this platform only; `npm install` follows the lock file all the same.
  log("installing npm packages (npm install)");
  must("npm", ["install", "--no-audit", "--no-fund"]);
}

function build() {
  log("building dist/ (scripts/build.mjs: tsc -p tsconfig.build.json, npm: specifiers made bare)");
  must(process.execPath, [join(ROOT, "scripts", "build.mjs")]);
}

/**
 * Names of the kafka.sh clusters with a node running now. A cluster whose
 * nodes are all dead (left by a killed run) does not count: if this run
 * starts it again, this run stops it.
 */
function runningClusters() {
  const r = spawnSync("bash", [KAFKA_SH, "status"], { cwd: ROOT, encoding: "utf8" });
  const names = new Set();
  let cluster = null;
  for (const line of (r.stdout ?? "").split("\n")) {
    const m = /^([A-Za-z0-9_.-]+): bootstrap=/.exec(line);
    if (m) cluster = m[1];
    else if (cluster !== null && /^\s+node \d+\s+running\b/.test(line)) names.add(cluster);
  }
  return names;
}

/** Starts the single-node cluster (unless KAFKA_BOOTSTRAP is set); returns the bootstrap list. */
function startBroker() {
  if (process.env.KAFKA_BOOTSTRAP) {
    log(`using the broker at KAFKA_BOOTSTRAP=${process.env.KAFKA_BOOTSTRAP}`);
    return process.env.KAFKA_BOOTSTRAP;
  }
  log("starting a local Kafka broker (tests/kafka/kafka.sh up)");
  const r = spawnSync("bash", [KAFKA_SH, "up"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("bootstrap="));
  if (r.status !== 0 || !line) {
    log("could not start Kafka");
    process.exit(r.status || 1);
  }
  return line.slice("bootstrap=".length).trim();
}

/** Stops the clusters that were not running before we began. */
function stopStarted(before) {
  for (const name of runningClusters()) {
    if (before.has(name)) continue;
    log(`stopping Kafka cluster "${name}"`);
    run("bash", [KAFKA_SH, "--cluster", name, "down"]);
  }
}

const [command = "test", ...rest] = process.argv.slice(2);
if (command !== "test" && command !== "main") {
  log(`unknown command "${command}": use "test" or "main"`);
  process.exit(2);
}

ensureDependencies();
build();
const before = runningClusters();
let status = 1;
const stop = () => stopStarted(before);
process.on("SIGINT", () => {
  stop();
  process.exit(130);
});
process.on("SIGTERM", () => {
  stop();
  process.exit(143);
});
try {
  const bootstrap = startBroker();
  if (command === "test") {
    // Tests reach the clusters through kafka.sh themselves (it reuses the one
    // started here); KAFKA_BOOTSTRAP passes through only if the user set it.
    status = run(join(BIN, "bun"), ["test", "--timeout", "600000", ...rest]);
  } else {
    status = run(join(BIN, "bun"), [join(ROOT, "scripts", "main.ts"), ...rest], { env: { ...process.env, KAFKA_BOOTSTRAP: bootstrap } });
  }
} finally {
  stop();
}
process.exit(status);

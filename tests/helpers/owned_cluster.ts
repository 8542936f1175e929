/**
 * A Kafka cluster that a long-running script (the chaos run, the soak) uses
 * and breaks: it is started through `tests/kafka/kafka.sh` and, if this
 * script started it, stopped again on every way out — success, failure,
 * SIGINT and SIGTERM — so no JVMs are left eating the CPU of whatever runs
 * next. Brokers it killed or paused are restarted/resumed by `heal()` when
 * the cluster was already running before (someone else's cluster stays whole).
 *
 * ```ts
 * const cluster = new OwnedCluster("soak", 3, say);
 * stopOnSignal(() => cluster.stop());
 * const bootstrap = await cluster.up();
 * try { … await cluster.kill(2); … await cluster.start(2); } finally { await cluster.heal(); cluster.stop(); }
 * ```
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./kafka.ts";
import { runCommand } from "./runtimes.ts";

/** `tests/kafka/kafka.sh`. */
export const KAFKA_SH = join(ROOT, "tests", "kafka", "kafka.sh");

/** Whether kafka.sh reports cluster `name` as running. */
export function clusterRunning(name: string): boolean {
  const r = spawnSync("bash", [KAFKA_SH, "status"], { encoding: "utf8" });
  return (r.stdout ?? "").split("\n").some((l) => l.startsWith(`${name}: bootstrap=`));
}

/** A named cluster of `brokers` nodes, stopped afterwards if this process started it. */
export class OwnedCluster {
  /** Brokers killed (or paused) through this object and not yet restarted (resumed). */
  readonly killed = new Set<number>();
  readonly paused = new Set<number>();
  #started = false;

  constructor(readonly name: string, readonly brokers: number, private readonly say: (line: string) => void = () => {}) {}

  /** kafka.sh on this cluster (asynchronous: output of children keeps flowing); throws with its stderr on failure. */
  async kafka(args: string[], timeoutMs = 180_000): Promise<string> {
    const r = await runCommand(["bash", KAFKA_SH, "--cluster", this.name, "--brokers", String(this.brokers), ...args], timeoutMs);
    if (r.code !== 0) throw new Error(`kafka.sh ${args.join(" ")} failed (${r.timedOut ? "timed out" : r.code}):\n${r.stderr.slice(-3000)}`);
    return r.stdout;
  }

  /** Starts the cluster (heals one left broken); returns `kafka.sh up`'s output (its `bootstrap=` line). */
  async upOutput(timeoutMs = 300_000): Promise<string> {
    const wasRunning = clusterRunning(this.name);
    const out = await this.kafka(["up"], timeoutMs);
    if (!wasRunning) this.#started = true;
    return out;
  }

  /** Starts the cluster; returns its bootstrap address list. */
  async up(timeoutMs = 300_000): Promise<string> {
    const out = await this.upOutput(timeoutMs);
    const bootstrap = /bootstrap=(\S+)/.exec(out)?.[1];
    if (!bootstrap) throw new Error(`kafka.sh up printed no bootstrap line: "${out.trim()}"`);
    return bootstrap;
  }

  /** Kills broker `id` (SIGKILL). */
  async kill(id: number): Promise<void> {
    await this.kafka(["kill", String(id)], 30_000);
    this.killed.add(id);
  }

  /** Starts broker `id` again (kafka.sh waits until it registered). */
  async start(id: number): Promise<void> {
    await this.kafka(["start", String(id)], 180_000);
    this.killed.delete(id);
  }

  /** Pauses broker `id` (SIGSTOP). */
  async pause(id: number): Promise<void> {
    await this.kafka(["pause", String(id)], 30_000);
    this.paused.add(id);
  }

  /** Resumes broker `id` (SIGCONT). */
  async resume(id: number): Promise<void> {
    await this.kafka(["resume", String(id)], 30_000);
    this.paused.delete(id);
  }

  /** Resumes paused and restarts killed brokers (errors are reported, not thrown). */
  async heal(): Promise<void> {
    for (const b of [...this.paused]) await this.resume(b).catch((e) => this.say(`resume ${b} failed: ${e}`));
    for (const b of [...this.killed]) await this.start(b).catch((e) => this.say(`start ${b} failed: ${e}`));
  }

  /**
   * Leaves the cluster as found: stopped if this process started it, else
   * with the brokers it paused or killed running again. Synchronous, so it
   * also works from a signal handler.
   */
  stop(): void {
    const sh = (args: string[]) =>
      spawnSync("bash", [KAFKA_SH, "--cluster", this.name, "--brokers", String(this.brokers), ...args], { stdio: ["ignore", "ignore", "inherit"], timeout: 180_000 });
    if (!this.#started) {
      for (const b of this.paused) sh(["resume", String(b)]);
      for (const b of this.killed) sh(["start", String(b)]);
      this.paused.clear();
      this.killed.clear();
      return;
    }
    this.say(`stopping cluster ${this.name}, which this run started`);
    sh(["down"]);
    this.#started = false;
  }
}

/**
 * On SIGINT or SIGTERM: runs `cleanup` (synchronous: kill children, stop
 * clusters) and exits with 130.
 */
export function stopOnSignal(cleanup: () => void): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      try {
        cleanup();
      } finally {
        process.exit(130);
      }
    });
  }
}

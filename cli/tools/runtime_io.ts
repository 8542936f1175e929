/**
 * The command-line tools' runtime glue: a {@linkcode CliIo} (arguments,
 * standard streams, files, signals, the event loop) for Deno, Bun and Node.
 * The rest of the tools (`cli/tools/`) never touch a runtime; this module
 * lives with them, not in `runtime/`, because only the tools need it.
 *
 * Per runtime:
 * - stdin: Deno reads `Deno.stdin` into fresh 64 KiB buffers (a short read
 *   is copied out so a small line never pins a large buffer); Bun iterates
 *   `Bun.stdin.stream()`; Node iterates `process.stdin`. All pull-based.
 * - stdout/stderr: Deno writes synchronously (`writeSync`, looping over
 *   partial writes); Bun and Node use `process.stdout/stderr.write`, and
 *   `flush()` waits for their callbacks. A closed pipe (`| head`) is ignored
 *   rather than crashing the tool.
 * - yielding to the event loop (a turn for socket I/O while a send loop
 *   runs): Bun and Node `setImmediate`. Deno 2 runs immediates (and
 *   MessageChannel messages) without polling its I/O ops — measured: 0
 *   socket round trips complete during 200 ms of 1 ms slices separated by
 *   `setImmediate` — and its timers wait at least 1–2 ms; so Deno awaits a
 *   zero-byte `Deno.stderr.write`, an async op that completes at once
 *   (~20 µs) and lets the event loop poll every pending op first. A write
 *   of zero bytes produces no output (and cannot fail on a closed pipe).
 *
 * @module
 */

import type { CliIo, InterruptSignal } from "./io.ts";
import { detectRuntime } from "../../runtime/auto.ts";

/** The parts of `Deno` used here (tsc has no Deno lib, so declared locally). */
interface DenoNamespace {
  args: string[];
  stdin: { read(p: Uint8Array): Promise<number | null>; isTerminal(): boolean };
  stdout: { writeSync(p: Uint8Array): number; isTerminal(): boolean };
  stderr: { writeSync(p: Uint8Array): number; write(p: Uint8Array): Promise<number>; isTerminal(): boolean };
  readFile(path: string): Promise<Uint8Array>;
  cwd(): string;
  addSignalListener(signal: InterruptSignal, handler: () => void): void;
  removeSignalListener(signal: InterruptSignal, handler: () => void): void;
  exit(code: number): never;
}

/** The parts of `Bun` used here. */
interface BunNamespace {
  stdin: { stream(): ReadableStream<Uint8Array> };
}

/** Node's writable stdio streams, as used here. */
interface NodeWritable {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  on(event: "error", listener: (error: Error) => void): void;
  isTTY?: boolean;
}

/** The parts of Node's (and Bun's) `process` used here. */
interface NodeProcess {
  argv: string[];
  stdin: AsyncIterable<Uint8Array> & { isTTY?: boolean };
  stdout: NodeWritable;
  stderr: NodeWritable;
  cwd(): string;
  on(signal: InterruptSignal, handler: () => void): void;
  off(signal: InterruptSignal, handler: () => void): void;
  exit(code: number): never;
}

const SIGNALS: readonly InterruptSignal[] = ["SIGINT", "SIGTERM"];
const STDIN_BUFFER = 64 * 1024;

const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(resolve));

function absolute(cwd: string, path: string): string {
  // Java's Path.toAbsolutePath(): the working directory prepended, not normalised.
  return path.startsWith("/") ? path : `${cwd.replace(/\/$/, "")}/${path}`;
}

/**
 * The {@linkcode CliIo} of the runtime this code runs on (Deno, Bun or
 * Node); throws on any other.
 *
 * @example Usage (an entry point)
 * ```ts ignore
 * import { exitProcess, runtimeIo } from "./runtime_io.ts";
 * const io = await runtimeIo();
 * io.stdout(`${io.args.length} arguments\n`);
 * await io.flush();
 * exitProcess(0);
 * ```
 */
export async function runtimeIo(): Promise<CliIo> {
  const runtime = detectRuntime();
  if (runtime === "deno") return denoIo((globalThis as unknown as { Deno: DenoNamespace }).Deno);
  if (runtime === "bun" || runtime === "node") {
    const process = (globalThis as unknown as { process: NodeProcess }).process;
    const fs = await import("node:fs/promises");
    const bun = runtime === "bun" ? (globalThis as unknown as { Bun: BunNamespace }).Bun : null;
    return nodeIo(process, (path) => fs.readFile(path), bun);
  }
  throw new Error("The edgekafka command-line tools run on Deno, Bun or Node.js");
}

/**
 * Ends the process with `code` (after {@linkcode CliIo.flush}).
 *
 * @example Usage
 * ```ts ignore
 * await io.flush();
 * exitProcess(1);
 * ```
 */
export function exitProcess(code: number): never {
  const g = globalThis as unknown as { Deno?: DenoNamespace; process?: NodeProcess };
  if (detectRuntime() === "deno") return g.Deno!.exit(code);
  return g.process!.exit(code);
}

function denoIo(deno: DenoNamespace): CliIo {
  const encoder = new TextEncoder();
  const nothing = new Uint8Array(0);
  const ignore = () => {};
  const writer = (stream: { writeSync(p: Uint8Array): number }) => (text: string) => {
    let bytes = encoder.encode(text);
    try {
      while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
    } catch {
      // A closed pipe: nothing to write to.
    }
  };
  return {
    args: [...deno.args],
    async *stdin() {
      let buffer = new Uint8Array(STDIN_BUFFER);
      for (;;) {
        const n = await deno.stdin.read(buffer);
        if (n === null) return;
        if (n === 0) continue;
        if (n < buffer.length / 4) {
          yield buffer.slice(0, n); // a copy: the big buffer is reused
        } else {
          yield buffer.subarray(0, n); // handed over: the next read gets a new one
          buffer = new Uint8Array(STDIN_BUFFER);
        }
      }
    },
    stdinIsTTY: deno.stdin.isTerminal(),
    stdoutIsTTY: deno.stdout.isTerminal(),
    stderrIsTTY: deno.stderr.isTerminal(),
    stdout: writer(deno.stdout),
    stderr: writer(deno.stderr),
    readFile: (path) => deno.readFile(path),
    absolutePath: (path) => absolute(deno.cwd(), path),
    yieldToEventLoop: () => deno.stderr.write(nothing).then(ignore, ignore),
    onInterrupt(handler) {
      const listeners = SIGNALS.map((signal) => {
        const listener = () => {
          remove();
          handler(signal);
        };
        deno.addSignalListener(signal, listener);
        return [signal, listener] as const;
      });
      const remove = () => listeners.forEach(([signal, listener]) => deno.removeSignalListener(signal, listener));
      return remove;
    },
    flush: () => Promise.resolve(),
  };
}

function nodeIo(process: NodeProcess, readFile: (path: string) => Promise<Uint8Array>, bun: BunNamespace | null): CliIo {
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {}); // EPIPE
  const writer = (stream: NodeWritable) => (text: string) => void stream.write(text);
  return {
    args: process.argv.slice(2),
    stdin: () => (bun !== null ? bun.stdin.stream() as unknown as AsyncIterable<Uint8Array> : process.stdin),
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stdout: writer(process.stdout),
    stderr: writer(process.stderr),
    readFile,
    absolutePath: (path) => absolute(process.cwd(), path),
    yieldToEventLoop,
    onInterrupt(handler) {
      const listeners = SIGNALS.map((signal) => {
        const listener = () => {
          remove();
          handler(signal);
        };
        process.on(signal, listener);
        return [signal, listener] as const;
      });
      const remove = () => listeners.forEach(([signal, listener]) => process.off(signal, listener));
      return remove;
    },
    async flush() {
      // Writes complete in order per stream: an empty write's callback comes after the others'.
      const drained = (stream: NodeWritable) => new Promise<void>((resolve) => stream.write("", () => resolve()));
      await Promise.all([drained(process.stdout), drained(process.stderr)]);
    },
  };
}

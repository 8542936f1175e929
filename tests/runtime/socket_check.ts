/**
 * Proves one socket adapter (`runtime/<adapter>.ts`) against a real TCP peer,
 * on whichever runtime runs this script, and prints one JSON line:
 * `{"ok":true,"adapter":"deno","runtime":"deno","checks":[{"name":…,"ok":…,"detail":…}],…}`.
 * `tests/runtime/sockets.test.ts` runs it on Bun, Deno and Node and asserts
 * the result.
 *
 * ```sh
 * bun tests/runtime/socket_check.ts --adapter bun --port P [--refused-port R] [--blackhole-port B]
 * deno run -A tests/runtime/socket_check.ts --adapter deno --port P …
 * node .cache/runtime-check/socket_check.mjs --root /abs/dist/ --adapter node --port P …
 * ```
 *
 * The library is loaded with dynamic imports from `--root` (default: the
 * repository, `.ts` files); Node 20 runs a copy of this script transpiled by
 * TypeScript (`ts.transpileModule`) against `dist/` (`.js` files), so the
 * built artifact is what runs.
 *
 * The peer at `--port` acts on the first byte a connection sends: `E` echo
 * the rest, `P` never read (backpressure), `C` send "bye" then close, `R`
 * reset. `--refused-port` must refuse connections; `--blackhole-port` must
 * accept none and drop SYNs (a listener whose accept queue is full).
 *
 * @module
 */

import type { Connect, Socket } from "../../src/socket.ts";
import type * as Errors from "../../src/errors.ts";
import type * as Auto from "../../runtime/auto.ts";

interface Check {
  name: string;
  ok: boolean;
  detail: unknown;
}

const MiB = 1024 * 1024;
const TOTAL = 64 * MiB;
const HOST = "127.0.0.1";
const CHUNK_SIZES = [1, 2, 3, 7, 100, 1460, 4096, 16_384, 65_535, 65_536, 65_537, 262_144, MiB, 4 * MiB];

const g = globalThis as unknown as {
  Deno?: { args: string[]; exit(code: number): never };
  process?: { argv: string[]; exit(code: number): never };
};
const args = parseArgs(g.Deno?.args ?? g.process!.argv.slice(2));
const adapterName = args.adapter ?? "";
const port = Number(args.port);
if (!["deno", "bun", "node"].includes(adapterName) || !(port > 0)) {
  throw new Error("Usage: socket_check --adapter deno|bun|node --port P [--refused-port R] [--blackhole-port B] [--root DIR]");
}
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const root = args.root === undefined
  ? new URL("../../", import.meta.url)
  : new URL(args.root.startsWith("/") ? `file://${args.root.replace(/\/?$/, "/")}` : args.root);
const lib = (path: string) => new URL(path + ext, root).href;

const { connect } = (await import(lib(`runtime/${adapterName}`))) as { connect: Connect };
const errors = (await import(lib("src/errors"))) as typeof Errors;
const auto = (await import(lib("runtime/auto"))) as typeof Auto;
const runtime = auto.detectRuntime();
const address = (p: number) => `"${HOST}:${p}"`;

const checks: Check[] = [];
const report: Record<string, unknown> = { adapter: adapterName, runtime };
const started = performance.now();
const source = makeData(TOTAL);
const sourceChecksum = fnv1a(0x811c9dc5, source);

await check("auto", autoPick);
await check("echo-64MiB", echo);
await check("backpressure-then-close", backpressure);
await check("peer-close", peerClose);
await check("peer-reset", peerReset);
await check("data-handler-throws", handlerThrows);
if (args["refused-port"] !== undefined) await check("refused", refused);
if (args["blackhole-port"] !== undefined) await check("connect-timeout", connectTimeout);

report.ms = Math.round(performance.now() - started);
const ok = checks.every((c) => c.ok);
console.log(JSON.stringify({ ok, ...report, checks }));
if (g.Deno) g.Deno.exit(ok ? 0 : 1);
else g.process!.exit(ok ? 0 : 1);

/** `loadPlatform` picks this runtime's adapter; `autoConnect` works; `autoPlatform` then has its codecs. */
async function autoPick(): Promise<Omit<Check, "name">> {
  const picked = (await auto.loadPlatform()).connect;
  const sameAdapter = runtime === adapterName;
  const probe = openProbe(false);
  const socket = await auto.autoConnect({ host: HOST, port, connectTimeoutMs: 5000 }, probe.handlers);
  await socket.write(ascii("Eauto"));
  await probe.waitFor(() => probe.text === "auto", 5000);
  socket.close();
  await sleep(10);
  const ok = (sameAdapter ? picked === connect : typeof picked === "function") && probe.text === "auto" &&
    probe.closes === 1 && probe.closeErrors[0] === undefined;
  return { ok, detail: { runtime, sameAdapter, echoed: probe.text, onCloseCalls: probe.closes } };
}

/** Echo 64 MiB in mixed chunk sizes, awaited, unawaited and from a reused buffer. */
async function echo(): Promise<Omit<Check, "name">> {
  const probe = openProbe();
  const socket = await connect({ host: HOST, port, connectTimeoutMs: 5000 }, probe.handlers);
  await socket.write(ascii("E"));
  const rng = xorshift(42);
  const size = () => CHUNK_SIZES[rng() % CHUNK_SIZES.length]!;
  let offset = 0;
  let writes = 0;
  const next = (limit: number) => {
    const n = Math.min(size(), limit - offset);
    const chunk = source.subarray(offset, offset + n);
    offset += n;
    writes++;
    return chunk;
  };
  // A: each write awaited.
  while (offset < 16 * MiB) await socket.write(next(16 * MiB));
  // B: a burst of 24 MiB without awaiting each write.
  const burst: Promise<void>[] = [];
  while (offset < 40 * MiB) burst.push(socket.write(next(40 * MiB)));
  // C: 20 000 tiny unawaited writes (ordering, per-write overhead).
  for (let i = 0; i < 20_000; i++) {
    const n = 1 + (rng() % 64);
    burst.push(socket.write(source.subarray(offset, offset + n)));
    offset += n;
    writes++;
  }
  await Promise.all(burst);
  // D: awaited writes from one reused buffer, scribbled over after each
  // write resolves: the adapter must be done with it by then.
  const scratch = new Uint8Array(4 * MiB);
  while (offset < TOTAL) {
    const n = Math.min(size(), TOTAL - offset);
    scratch.set(source.subarray(offset, offset + n));
    await socket.write(scratch.subarray(0, n));
    scratch.fill(0xa5, 0, n);
    offset += n;
    writes++;
  }
  const received = await probe.waitFor(() => probe.received >= TOTAL || probe.closes > 0, 20_000);
  const echoMs = Math.round(performance.now() - probe.openedAt);
  // Local close: no error, exactly once, not from inside close().
  socket.close();
  const closedSynchronously = probe.closes > 0;
  socket.close();
  await sleep(20);
  const writeAfterClose = await rejection(socket.write(ascii("x")));
  const ok = received && probe.mismatchAt < 0 && probe.received === TOTAL &&
    probe.checksum === sourceChecksum && !closedSynchronously && probe.closes === 1 &&
    probe.closeErrors[0] === undefined && probe.dataAfterClose === 0 &&
    writeAfterClose instanceof errors.ConnectionError;
  return {
    ok,
    detail: {
      bytes: probe.received, writes, echoMs, checksum: hex(probe.checksum), expected: hex(sourceChecksum),
      mismatchAt: probe.mismatchAt, onDataCalls: probe.dataCalls, maxChunk: probe.maxChunk,
      readBufferReused: probe.bufferReuses > 0, onCloseCalls: probe.closes, closedSynchronously,
      writeAfterClose: describe(writeAfterClose),
    },
  };
}

/** A peer that never reads: a 64 MiB write must stay pending, then reject on close(). */
async function backpressure(): Promise<Omit<Check, "name">> {
  const probe = openProbe();
  const socket = await connect({ host: HOST, port, connectTimeoutMs: 5000 }, probe.handlers);
  await socket.write(ascii("P"));
  const big = settlement(socket.write(source));
  const small = settlement(socket.write(ascii("after")));
  await sleep(300);
  const pendingBeforeClose = big.state === "pending" && small.state === "pending";
  socket.close();
  await sleep(20);
  const ok = pendingBeforeClose && big.error instanceof errors.ConnectionError &&
    small.error instanceof errors.ConnectionError && probe.closes === 1 && probe.closeErrors[0] === undefined;
  return { ok, detail: { pendingBeforeClose, big: describe(big.error), small: describe(small.error), onCloseCalls: probe.closes } };
}

/** The peer sends "bye" and closes: data first, then one onClose(ConnectionError). */
async function peerClose(): Promise<Omit<Check, "name">> {
  const probe = openProbe(false);
  const socket = await connect({ host: HOST, port, connectTimeoutMs: 5000 }, probe.handlers);
  await socket.write(ascii("C"));
  await probe.waitFor(() => probe.closes > 0, 5000);
  await sleep(50);
  const error = probe.closeErrors[0];
  const writeAfter = await rejection(socket.write(ascii("x")));
  socket.close(); // after the peer closed: a no-op, no second onClose
  await sleep(20);
  const ok = probe.text === "bye" && probe.closes === 1 && error instanceof errors.ConnectionError &&
    error.message.includes(address(port)) && /closed by the broker/.test(error.message) &&
    writeAfter instanceof errors.ConnectionError;
  return { ok, detail: { data: probe.text, onCloseCalls: probe.closes, error: describe(error), writeAfter: describe(writeAfter) } };
}

/** The peer resets the connection: one onClose(ConnectionError) with the cause. */
async function peerReset(): Promise<Omit<Check, "name">> {
  const probe = openProbe(false);
  const socket = await connect({ host: HOST, port, connectTimeoutMs: 5000 }, probe.handlers);
  await socket.write(ascii("R"));
  await probe.waitFor(() => probe.closes > 0, 5000);
  await sleep(50);
  socket.close();
  const error = probe.closeErrors[0];
  const ok = probe.closes === 1 && error instanceof errors.ConnectionError &&
    error.message.includes(address(port)) && error.cause !== undefined;
  return { ok, detail: { onCloseCalls: probe.closes, error: describe(error) } };
}

/** onData throws: the socket closes with a ConnectionError carrying the thrown error. */
async function handlerThrows(): Promise<Omit<Check, "name">> {
  const probe = openProbe(false);
  const thrown = new Error("Parser bug");
  const socket = await connect({ host: HOST, port, connectTimeoutMs: 5000 }, {
    onData: () => {
      throw thrown;
    },
    onClose: probe.handlers.onClose,
  });
  await socket.write(ascii("Eping"));
  await probe.waitFor(() => probe.closes > 0, 5000);
  await sleep(20);
  const error = probe.closeErrors[0];
  const ok = probe.closes === 1 && error instanceof errors.ConnectionError && error.cause === thrown;
  return { ok, detail: { onCloseCalls: probe.closes, error: describe(error) } };
}

/** A closed port: connect rejects with a ConnectionError naming the address. */
async function refused(): Promise<Omit<Check, "name">> {
  const refusedPort = Number(args["refused-port"]);
  const probe = openProbe(false);
  const t0 = performance.now();
  const error = await rejection(connect({ host: HOST, port: refusedPort, connectTimeoutMs: 5000 }, probe.handlers));
  const ms = Math.round(performance.now() - t0);
  await sleep(20);
  const ok = error instanceof errors.ConnectionError && !(error instanceof errors.TimeoutError) &&
    error.message.includes(address(refusedPort)) && error.cause !== undefined && probe.closes === 0;
  return { ok, detail: { ms, error: describe(error), onCloseCalls: probe.closes } };
}

/** A listener that drops SYNs: connect rejects with a TimeoutError after the bound. */
async function connectTimeout(): Promise<Omit<Check, "name">> {
  const blackhole = Number(args["blackhole-port"]);
  const probe = openProbe(false);
  const t0 = performance.now();
  const error = await rejection(connect({ host: HOST, port: blackhole, connectTimeoutMs: 300 }, probe.handlers));
  const ms = Math.round(performance.now() - t0);
  await sleep(20);
  const ok = error instanceof errors.TimeoutError && error.message.includes(address(blackhole)) &&
    error.message.includes("300 ms") && ms >= 290 && ms < 2000 && probe.closes === 0;
  return { ok, detail: { ms, error: describe(error), onCloseCalls: probe.closes } };
}

/** Handlers that verify incoming bytes against `source` and count callbacks. */
function openProbe(verify = true) {
  const probe = {
    openedAt: performance.now(),
    received: 0,
    checksum: 0x811c9dc5,
    mismatchAt: -1,
    dataCalls: 0,
    maxChunk: 0,
    bufferReuses: 0,
    dataAfterClose: 0,
    text: "",
    closes: 0,
    closeErrors: [] as (Error | undefined)[],
    lastBuffer: undefined as ArrayBufferLike | undefined,
    handlers: {
      onData(chunk: Uint8Array) {
        probe.dataCalls++;
        if (probe.closes > 0) probe.dataAfterClose++;
        if (chunk.buffer === probe.lastBuffer) probe.bufferReuses++;
        probe.lastBuffer = chunk.buffer;
        probe.maxChunk = Math.max(probe.maxChunk, chunk.byteLength);
        if (verify) {
          if (probe.mismatchAt < 0) {
            const at = firstMismatch(chunk, source, probe.received);
            if (at >= 0) probe.mismatchAt = probe.received + at;
          }
          probe.checksum = fnv1a(probe.checksum, chunk);
        } else {
          probe.text += new TextDecoder().decode(chunk);
        }
        probe.received += chunk.byteLength;
      },
      onClose(error?: Error) {
        probe.closes++;
        probe.closeErrors.push(error);
      },
    },
    /** Resolves true once `done()` holds, false after `ms`. */
    async waitFor(done: () => boolean, ms: number): Promise<boolean> {
      const deadline = performance.now() + ms;
      while (!done()) {
        if (performance.now() > deadline) return false;
        await sleep(2);
      }
      return true;
    },
  };
  return probe;
}

async function check(name: string, run: () => Promise<Omit<Check, "name">>): Promise<void> {
  try {
    checks.push({ name, ...(await run()) });
  } catch (error) {
    checks.push({ name, ok: false, detail: { threw: describe(error) } });
  }
}

function parseArgs(argv: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]!;
    if (key.startsWith("--")) out[key.slice(2)] = argv[++i];
  }
  return out;
}

function makeData(n: number): Uint8Array {
  const words = new Uint32Array(n / 4);
  const rng = xorshift(7);
  for (let i = 0; i < words.length; i++) words[i] = rng();
  return new Uint8Array(words.buffer);
}

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

function fnv1a(hash: number, bytes: Uint8Array): number {
  let h = hash;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

function firstMismatch(chunk: Uint8Array, expected: Uint8Array, at: number): number {
  if (at + chunk.length > expected.length) return 0;
  for (let i = 0; i < chunk.length; i++) if (chunk[i] !== expected[at + i]) return i;
  return -1;
}

function settlement(promise: Promise<unknown>) {
  const s = { state: "pending" as "pending" | "resolved" | "rejected", error: undefined as unknown };
  promise.then(() => (s.state = "resolved"), (error) => {
    s.state = "rejected";
    s.error = error;
  });
  return s;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    const value = await promise;
    if (value && typeof (value as Socket).close === "function") (value as Socket).close();
    return undefined;
  } catch (error) {
    return error;
  }
}

function describe(value: unknown): unknown {
  if (!(value instanceof Error)) return value ?? null;
  const cause = value.cause instanceof Error ? `${value.cause.name}: ${value.cause.message}` : value.cause;
  return { name: value.name, message: value.message, ...(cause === undefined ? {} : { cause }) };
}

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

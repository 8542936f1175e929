/**
 * Picks the platform (socket adapter and native codecs) for the JavaScript
 * runtime this code runs on.
 *
 * Each server adapter is loaded with a dynamic `import()` of a computed
 * specifier only once the runtime is known, so loading this module on one runtime
 * never loads another runtime's adapter (Deno's would fail on Node, Node's
 * `node:net` is not wanted on Deno when `Deno.connect` is there), and
 * bundlers leave the adapters out (`bun build mod.ts --target=browser`).
 *
 * Cloudflare Workers (and `workerd`) are told by `navigator.userAgent`
 * and get `./cloudflare.ts`. Any other runtime is reported as `"unknown"`;
 * pass a socket adapter explicitly.
 *
 * @module
 */

import type { Codec, Platform, PlatformCodecs } from "../src/platform.ts";
import type { WasmCrc32cLoader } from "../src/protocol/crc32c.ts";
import type { Connect } from "../src/socket.ts";
import { KafkaError } from "../src/errors.ts";
import { yieldFor } from "./yield.ts";
import { asyncCodecsFor, codecsOf, type ZlibModule } from "./zlib_codecs.ts";
import { WORKERS_CODECS, WORKERS_MAX_CONNECTIONS } from "./cloudflare.ts";

/**
 * A runtime {@linkcode detectRuntime} can tell apart.
 *
 * @example Usage
 * ```ts
 * import type { RuntimeName } from "./auto.ts";
 * const supported: RuntimeName[] = ["deno", "bun", "node"];
 * console.assert(supported.length === 3);
 * ```
 */
export type RuntimeName = "deno" | "bun" | "node" | "cloudflare" | "unknown";

/** The globals whose presence tells the runtimes apart. */
interface RuntimeGlobals {
  Deno?: { version?: { deno?: unknown } };
  Bun?: { version?: unknown };
  process?: { versions?: { node?: unknown } };
  navigator?: { userAgent?: unknown };
}

/**
 * Tells which runtime this code runs on, by feature detection.
 *
 * Deno is tested first and Bun second because both also define Node's
 * `process.versions.node`.
 *
 * @example Usage
 * ```ts
 * import { detectRuntime } from "./auto.ts";
 * console.assert(["deno", "bun", "node", "cloudflare", "unknown"].includes(detectRuntime()));
 * ```
 */
export function detectRuntime(): RuntimeName {
  const g = globalThis as RuntimeGlobals;
  if (typeof g.Deno?.version?.deno === "string") return "deno";
  if (typeof g.Bun?.version === "string") return "bun";
  // Workers with `nodejs_compat` also report a Node version: tested before Node.
  if (g.navigator?.userAgent === "Cloudflare-Workers") return "cloudflare";
  if (typeof g.process?.versions?.node === "string") return "node";
  return "unknown";
}

/**
 * Loads the platform of the current runtime (see {@linkcode detectRuntime}):
 * its adapter module, with a dynamic `import()` so no runtime loads
 * another's. Rejects with a `KafkaError` on an unknown runtime.
 *
 * @example Usage
 * ```ts
 * import { loadPlatform } from "./auto.ts";
 * const platform = await loadPlatform();
 * console.assert(typeof platform.connect === "function");
 * ```
 */
export async function loadPlatform(): Promise<Platform> {
  const runtime = detectRuntime();
  if (runtime === "unknown") {
    throw new KafkaError(
      'Cannot tell which runtime this is: pass a platform from "runtime/" (the "platform" option) explicitly',
    );
  }
  // Workers code always runs as a bundle (wrangler's, or any bundler's), where
  // `import.meta.url` may be undefined and no adapter file lies beside the
  // code; so this adapter is imported by a literal specifier, which bundlers
  // follow. It is safe in every bundle: it touches `cloudflare:sockets` only
  // at its first connect, through a computed import.
  if (runtime === "cloudflare") return (await import("./cloudflare.ts")).platform;
  return ((await import(adapterSpecifier(runtime))) as { platform: Platform }).platform;
}

/**
 * The adapter module of a runtime, as a computed specifier: bundlers do not
 * follow it, so a bundle for the browser or the edge carries no adapter (and
 * no static `node:net`). Next to this file: `./node.ts` in the sources,
 * `./node.js` in `dist/`. A server bundle has no adapter files beside it, so
 * it passes the `platform` option explicitly (README, "Bundling").
 */
function adapterSpecifier(runtime: Exclude<RuntimeName, "unknown" | "cloudflare">): string {
  const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return `./${runtime}${extension}`;
}

/** The platform load started by the first connect; guards `loaded`. */
let loading: Promise<Platform> | undefined;
/** The current runtime's platform once loaded; `undefined` until then. */
let loaded: Platform | undefined;

/**
 * A {@linkcode Connect} for whatever runtime this is: the first call loads
 * the runtime's platform (see {@linkcode loadPlatform}), every call delegates
 * to its `connect`. On an unknown runtime every call rejects with a `KafkaError`.
 *
 * @example Usage
 * ```ts ignore
 * import { autoConnect } from "./auto.ts";
 * const socket = await autoConnect({ host: "127.0.0.1", port: 9092, connectTimeoutMs: 10_000 }, {
 *   onData: (chunk) => console.log(`received ${chunk.byteLength} bytes`),
 *   onClose: () => {},
 * });
 * socket.close();
 * ```
 */
export const autoConnect: Connect = async (options, handlers) => {
  loading ??= loadPlatform().then((p) => (loaded = p));
  return (await loading).connect(options, handlers);
};

/** The loaded adapter's WebAssembly CRC-32C; rejects if it has none (the core then uses its tables). */
async function autoWasmCrc32c(): Promise<(data: Uint8Array) => number> {
  loading ??= loadPlatform().then((p) => (loaded = p));
  const load = (await loading).wasmCrc32c;
  if (load === undefined) throw new KafkaError("This runtime's platform has no WebAssembly CRC-32C");
  return load();
}

/** The codecs of `node:zlib` reached without importing it, built once; null where there is none. */
let early: PlatformCodecs | null | undefined;

/**
 * The codecs before the adapter is loaded: a producer checks at construction
 * that its codec exists, before anything loaded the adapter. Node (20.16 and
 * later), Bun and Deno hand out `node:zlib` synchronously through
 * `process.getBuiltinModule` (gzip, and zstd where it has it); their
 * adapters also bring the core's snappy and lz4 (and zstd where `node:zlib`
 * has none), which stand in here as
 * codecs that call the loaded adapter's (a batch is compressed only after a
 * connection, so after the adapter loaded): importing them here would put
 * them in every bundle. Elsewhere there are none (the `codecs` option).
 */
function earlyCodecs(): PlatformCodecs | undefined {
  if (early === undefined) {
    const g = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
    const runtime = detectRuntime();
    const zlib = runtime === "unknown" || runtime === "cloudflare" ? undefined : g.process?.getBuiltinModule?.("node:zlib");
    early = zlib === undefined || zlib === null
      ? null
      : earlyOf(codecsOf(zlib as ZlibModule, asyncCodecsFor(runtime)));
  }
  return early ?? undefined;
}

/** `node:zlib`'s codecs, the rest standing in for the adapter's. */
function earlyOf(native: PlatformCodecs): PlatformCodecs {
  return Object.freeze({ snappy: fromAdapter("snappy"), lz4: fromAdapter("lz4"), gzip: native.gzip, zstd: native.zstd ?? fromAdapter("zstd") });
}

/** A codec that is the loaded adapter's `name` codec. */
function fromAdapter(name: "snappy" | "lz4" | "zstd"): Codec {
  const codec = (): Codec => {
    const c = loaded?.codecs?.[name];
    if (c === undefined) throw new KafkaError(`The ${name} codec is used before the runtime's adapter loaded`);
    return c;
  };
  return Object.freeze({
    compress: (data: Uint8Array, level: number) => codec().compress(data, level),
    decompress: (data: Uint8Array) => codec().decompress(data),
  });
}

/** The current runtime's yield, picked on first use. */
let yieldHere: (() => Promise<void>) | undefined;

/**
 * The current runtime's platform, loaded on first use: `connect` loads it
 * (a producer connects before it compresses anything), and `codecs` are the
 * loaded platform's (before that, the same `node:zlib` codecs reached
 * through `process.getBuiltinModule`, see `earlyCodecs`). Inside Workers
 * it reports their connection cap before the adapter loads (a producer reads
 * it at construction); elsewhere its `wasmCrc32c` loads the adapter (as
 * `connect` does) and then the adapter's WebAssembly CRC-32C.
 * `mod.ts` registers it as the default.
 *
 * @example Usage
 * ```ts
 * import { autoPlatform } from "./auto.ts";
 * console.assert(autoPlatform.name === "auto" && typeof autoPlatform.connect === "function");
 * ```
 */
export const autoPlatform: Platform = Object.freeze({
  name: "auto",
  connect: autoConnect,
  get codecs(): PlatformCodecs | undefined {
    return loaded?.codecs ?? (detectRuntime() === "cloudflare" ? WORKERS_CODECS : earlyCodecs());
  },
  yieldToEventLoop: () => (yieldHere ??= yieldFor(detectRuntime()))(),
  get maxConnections(): number | undefined {
    return detectRuntime() === "cloudflare" ? WORKERS_MAX_CONNECTIONS : undefined;
  },
  get wasmCrc32c(): WasmCrc32cLoader | undefined {
    const runtime = detectRuntime();
    return runtime === "cloudflare" || runtime === "unknown" ? undefined : autoWasmCrc32c;
  },
});

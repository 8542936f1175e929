/**
 * Picks the socket adapter for the JavaScript runtime this code runs on.
 *
 * Each adapter is loaded with a dynamic `import()` only once the runtime is
 * known, so loading this module on one runtime never loads another
 * runtime's adapter (Deno's would fail on Node, Node's `node:net` is not
 * wanted on Deno when `Deno.connect` is there).
 *
 * Cloudflare Workers are reported as `"unknown"`: use
 * `runtime/cloudflare.ts` there explicitly.
 *
 * @module
 */

import type { Connect } from "../src/socket.ts";
import { KafkaError } from "../src/errors.ts";

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
export type RuntimeName = "deno" | "bun" | "node" | "unknown";

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
 * console.assert(["deno", "bun", "node", "unknown"].includes(detectRuntime()));
 * ```
 */
export function detectRuntime(): RuntimeName {
  const g = globalThis as RuntimeGlobals;
  if (typeof g.Deno?.version?.deno === "string") return "deno";
  if (typeof g.Bun?.version === "string") return "bun";
  // Workers with `nodejs_compat` also report a Node version.
  if (g.navigator?.userAgent === "Cloudflare-Workers") return "unknown";
  if (typeof g.process?.versions?.node === "string") return "node";
  return "unknown";
}

/**
 * Loads the socket adapter of the current runtime (see
 * {@linkcode detectRuntime}) and returns its `connect`.
 *
 * Rejects with a `KafkaError` on an unknown runtime.
 *
 * @example Usage
 * ```ts
 * import { loadConnect } from "./auto.ts";
 * const connect = await loadConnect();
 * console.assert(typeof connect === "function");
 * ```
 */
export async function loadConnect(): Promise<Connect> {
  const runtime = detectRuntime();
  switch (runtime) {
    case "deno":
      return (await import("./deno.ts")).connect;
    case "bun":
      return (await import("./bun.ts")).connect;
    case "node":
      return (await import("./node.ts")).connect;
    default:
      throw new KafkaError(
        "Cannot tell which runtime this is: pass a socket adapter from \"runtime/\" explicitly",
      );
  }
}

/** The adapter load started by the first {@linkcode autoConnect} call. */
let adapter: Promise<Connect> | undefined;

/**
 * A {@linkcode Connect} for whatever runtime this is: the first call loads
 * the runtime's adapter (see {@linkcode loadConnect}), every call delegates
 * to it. On an unknown runtime every call rejects with a `KafkaError`.
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
  adapter ??= loadConnect();
  return (await adapter)(options, handlers);
};

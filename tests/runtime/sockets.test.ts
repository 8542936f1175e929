/**
 * The runtime matrix for the socket adapters (`runtime/*.ts`): runs
 * `socket_check.ts` under Bun (Bun and node:net adapters), Deno (Deno and
 * node:net adapters) and Node 20 (node:net adapter from `dist/`) against
 * peers started here, and asserts each run's JSON result.
 *
 * Peers:
 * - an echo server (node:net in this process) that acts on the first byte
 *   of a connection: `E` echo, `P` never read, `C` say "bye" and close,
 *   `R` reset;
 * - a port that refuses connections (bound, then closed);
 * - a "black hole" for connect timeouts: a Deno listener that never accepts,
 *   with its accept queue filled, so Linux drops further SYNs and a connect
 *   stays pending (this sandbox's outbound proxy answers connects to any
 *   non-local address at once, so unroutable addresses cannot be used).
 *
 * The runs go through `tests/helpers/runtimes.ts` (`runScript`): Node 20
 * cannot run TypeScript, so `dist/` is rebuilt with `tsc` when older than
 * its sources, and `socket_check.ts` is transpiled by TypeScript into
 * `.cache/node-scripts/`, from where it loads the library from `dist/`
 * (`--root`).
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DENO, ensureDist, runScript, type Runtime } from "../helpers/runtimes.ts";

const ROOT = resolve(import.meta.dir, "../..");
const CHECK_TS = join(ROOT, "tests/runtime/socket_check.ts");
const ENV = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
const RUN_TIMEOUT_MS = 30_000;

/** Runs in a Deno child: listens, never accepts, fills the accept queue, prints its port. */
const BLACK_HOLE = `
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const port = listener.addr.port;
const fillers = [];
let misses = 0;
while (misses < 2) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 250);
  try {
    fillers.push(await Deno.connect({ hostname: "127.0.0.1", port, signal: abort.signal }));
    misses = 0;
  } catch {
    misses++;
  } finally {
    clearTimeout(timer);
  }
  if (fillers.length > 100_000) throw new Error("The accept queue never filled");
}
console.log(JSON.stringify({ port, fillers: fillers.length }));
for await (const _ of Deno.stdin.readable) { /* stay until the test closes stdin */ }
`;

interface CheckResult {
  ok: boolean;
  adapter: string;
  runtime: string;
  ms: number;
  checks: { name: string; ok: boolean; detail: Record<string, unknown> }[];
}

let echo: net.Server;
let echoPort = 0;
let refusedPort = 0;
let blackHole: ReturnType<typeof Bun.spawn> | undefined;
let blackHolePort = 0;

beforeAll(async () => {
  echo = await startEchoServer();
  echoPort = (echo.address() as net.AddressInfo).port;
  refusedPort = await closedPort();
  // Node runs dist/: build it now (if stale) rather than inside a test's time limit.
  [blackHolePort] = await Promise.all([startBlackHole(), ensureDist()]);
}, 60_000);

afterAll(() => {
  echo?.close();
  blackHole?.kill();
});

describe("socket adapters against a real TCP peer", () => {
  const matrix = [
    { runtime: "bun", adapter: "bun" },
    { runtime: "bun", adapter: "node" },
    { runtime: "deno", adapter: "deno" },
    { runtime: "deno", adapter: "node" },
    { runtime: "node", adapter: "node" },
  ] as const;
  for (const { runtime, adapter } of matrix) {
    test(`${runtime} runs runtime/${adapter}`, async () => {
      const result = await runCheck(runtime, adapter);
      expect(result.runtime).toBe(runtime);
      expect(result.adapter).toBe(adapter);
      expect(result.checks.filter((c) => !c.ok)).toEqual([]);
      expect(result.checks.map((c) => c.name)).toEqual([
        "auto",
        "echo-64MiB",
        "backpressure-then-close",
        "peer-close",
        "peer-reset",
        "data-handler-throws",
        "refused",
        "connect-timeout",
      ]);
      const echoed = result.checks[1]!.detail;
      expect(echoed.bytes).toBe(64 * 1024 * 1024);
      expect(echoed.checksum).toBe(echoed.expected);
      expect(result.ok).toBe(true);
    }, RUN_TIMEOUT_MS);
  }
});

async function runCheck(runtime: Runtime, adapter: string): Promise<CheckResult> {
  const args = [
    "--adapter", adapter,
    "--port", String(echoPort),
    "--refused-port", String(refusedPort),
    "--blackhole-port", String(blackHolePort),
  ];
  // Node runs the transpiled check against the built library in dist/.
  if (runtime === "node") args.unshift("--root", pathToFileURL(join(ROOT, "dist")).href + "/");
  const run = await runScript(runtime, CHECK_TS, args, { timeoutMs: RUN_TIMEOUT_MS - 2000 });
  const result = run.json as CheckResult | null;
  if (result === null) {
    throw new Error(`${run.command.join(" ")} printed no result (exit ${run.code}${run.timedOut ? ", timed out" : ""}):\n${run.stdout}\n${run.stderr}`);
  }
  // Kept for reading after a run (timings, callback counts, error texts).
  mkdirSync(join(ROOT, ".cache/runtime-check"), { recursive: true });
  writeFileSync(join(ROOT, `.cache/runtime-check/${runtime}-${adapter}.json`), JSON.stringify(result, null, 2));
  return result;
}

/** node:net echo server whose behaviour per connection is picked by the first byte. */
function startEchoServer(): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", (first: Buffer) => {
      const rest = first.subarray(1);
      switch (String.fromCharCode(first[0]!)) {
        case "E":
          if (rest.length > 0) socket.write(rest);
          socket.pipe(socket);
          break;
        case "P":
          socket.pause();
          break;
        case "C":
          socket.end("bye");
          break;
        case "R":
          socket.resetAndDestroy();
          break;
        default:
          socket.destroy();
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** A port nothing listens on (bound to get a free number, then closed). */
function closedPort(): Promise<number> {
  const server = net.createServer();
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    })
  );
}

async function startBlackHole(): Promise<number> {
  const child = Bun.spawn([DENO, "eval", "--no-lock", BLACK_HOLE], { env: ENV, stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  blackHole = child;
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The black-hole listener exited early: ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return (JSON.parse(text) as { port: number }).port;
}

/**
 * Runs a test Worker in real `workerd` (npm `workerd`): bundles it with
 * `Bun.build` for the browser target into one file with nothing external (the
 * library imports no `node:*` statically: the server adapters are loaded by
 * computed specifiers and left out, and so is `cloudflare:sockets`, which
 * workerd resolves at run time), writes a workerd config next to the bundle,
 * starts `workerd serve` on a free port and waits until it answers. `stop()` kills it (tests call
 * it in `afterAll`, whatever happened).
 *
 * The config's "internet" network service allows private and local
 * addresses: workerd's default outgoing network is public addresses only,
 * and the test broker listens on 127.0.0.1.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/kafka.ts";

/** A running workerd. */
export interface Workerd {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** What workerd printed so far (for failure messages). */
  output(): string;
  /** Kills workerd and removes its folder. */
  stop(): Promise<void>;
}

/** What the Worker gets. */
export interface WorkerdOptions {
  /** The Worker's entry module (its default export handles `fetch`). */
  entry: string;
  /** Text bindings (`env.NAME`). */
  bindings: Record<string, string>;
  /** PEM certificates the outgoing network trusts for TLS (workerd's `tlsOptions.trustedCertificates`). */
  trustedCertificates?: string[];
  /** Trust the browsers' public roots (workerd's `tlsOptions.trustBrowserCas`). */
  trustBrowserCas?: boolean;
  /** Durable Object classes the main module exports: binding name → class name. */
  durableObjects?: Record<string, string>;
}

/** Resolves `@edgekafka/producer[/subpath]` to this checkout, through deno.json's exports (as a user's install would). */
const packagePlugin = {
  name: "edgekafka-package",
  setup(build: { onResolve(o: { filter: RegExp }, f: (args: { path: string }) => { path: string }): void }) {
    const exports = (JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as { exports: Record<string, string> }).exports;
    build.onResolve({ filter: /^@edgekafka\/producer(\/.*)?$/ }, (args) => {
      const sub = "." + args.path.slice("@edgekafka/producer".length);
      const target = exports[sub];
      if (target === undefined) throw new Error(`"${args.path}" is not an export of the package`);
      return { path: join(ROOT, target) };
    });
  },
};

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const capnpText = (s: string) => JSON.stringify(s);

/** Bundles `entry`, starts workerd with it and resolves once it answers HTTP. */
export async function startWorkerd(o: WorkerdOptions): Promise<Workerd> {
  const dir = mkdtempSync(join(tmpdir(), "edgekafka-workerd-"));
  const build = await Bun.build({
    entrypoints: [o.entry],
    target: "browser",
    format: "esm",
    // One file, nothing external, as wrangler bundles a Worker: the library must need no
    // `nodejs_compat` (no static `node:*` import) and no `cloudflare:sockets` marked external.
    splitting: false,
    outdir: dir,
    plugins: [packagePlugin],
  });
  if (!build.success) throw new Error(`Bundling "${o.entry}" failed: ${build.logs.join("\n")}`);
  const main = build.outputs.find((out) => out.kind === "entry-point")!.path.slice(dir.length + 1);
  const chunks = readdirSync(dir).filter((f) => f.endsWith(".js") && f !== main).sort();
  const port = await freePort();
  const modules = [main, ...chunks].map((f) => `    (name = ${capnpText(f)}, esModule = embed ${capnpText(f)}),`);
  const bindings = Object.entries(o.bindings).map(([name, text]) => `    (name = ${capnpText(name)}, text = ${capnpText(text)}),`);
  const objects = Object.entries(o.durableObjects ?? {});
  for (const [name, className] of objects) {
    bindings.push(`    (name = ${capnpText(name)}, durableObjectNamespace = ${capnpText(className)}),`);
  }
  const tlsOptions = [
    ...(o.trustedCertificates === undefined ? [] : [`trustedCertificates = [${o.trustedCertificates.map(capnpText).join(", ")}]`]),
    ...(o.trustBrowserCas ? ["trustBrowserCas = true"] : []),
  ];
  const trust = tlsOptions.length === 0 ? "" : `, tlsOptions = (${tlsOptions.join(", ")})`;
  const config = [
    `using Workerd = import "/workerd/workerd.capnp";`,
    `const config :Workerd.Config = (`,
    `  services = [`,
    `    (name = "main", worker = .worker),`,
    `    (name = "internet", network = (allow = ["public", "private", "local"]${trust})),`,
    `  ],`,
    `  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],`,
    `);`,
    `const worker :Workerd.Worker = (`,
    `  modules = [`,
    ...modules,
    `  ],`,
    `  compatibilityDate = "2025-09-01",`,
    `  bindings = [`,
    ...bindings,
    `  ],`,
    ...(objects.length === 0 ? [] : [
      `  durableObjectNamespaces = [`,
      ...objects.map(([, className]) => `    (className = ${capnpText(className)}, uniqueKey = ${capnpText(`edgekafka-${className}`)}),`),
      `  ],`,
      `  durableObjectStorage = (inMemory = void),`,
    ]),
    `);`,
  ].join("\n");
  writeFileSync(join(dir, "config.capnp"), config + "\n");
  const child: ChildProcess = spawn(join(ROOT, "node_modules", ".bin", "workerd"), ["serve", "config.capnp", "--verbose"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => {
    exited = true;
    resolve();
  }));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      child.kill("SIGKILL");
      await exit;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`workerd exited before it answered:\n${output}`);
    }
    try {
      await fetch(`${url}/ping`);
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`workerd did not answer on ${url} within 30 s:\n${output}`);
      }
      await Bun.sleep(100);
    }
  }
  return { url, output: () => output, stop };
}

/**
 * Runs one TypeScript script under Bun, Deno or Node 20 — the runtime matrix
 * of DESIGN §6 (the same scenario, spawned from `bun test`, its result
 * asserted there).
 *
 * - bun:  `bun SCRIPT ARGS` (this test runner's own binary).
 * - deno: `deno run --no-lock --allow-net=127.0.0.1 --allow-read=<repo> SCRIPT ARGS`.
 * - node: Node 20 cannot run TypeScript, and users run the package's built
 *   `dist/`. So `dist/` is rebuilt with `tsc -p tsconfig.build.json` when
 *   older than its sources, and the script is transpiled by TypeScript
 *   (`ts.transpileModule`) into `.cache/node-scripts/`, with every relative
 *   import of the library (`mod.ts`, `src/…`, `runtime/…`) rewritten to the
 *   matching `dist/….js` file; other relative `.ts` imports (shared test
 *   modules) are transpiled the same way, recursively. Dynamic imports whose
 *   specifier is not a string literal are left alone (`tests/runtime/socket_check.ts`
 *   picks `.ts`/`.js` itself from its `--root` argument).
 *
 * The result's `json` is the last stdout line parsed as JSON (null if it is
 * not JSON): scenarios print their whole outcome as one line.
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { ROOT } from "./kafka.ts";

export type Runtime = "bun" | "deno" | "node";

export const RUNTIMES: readonly Runtime[] = ["bun", "deno", "node"];

export const DENO = join(ROOT, "node_modules/.bin/deno");
/** tsc with tsconfig.build.json, then the `npm:` specifiers made bare for Node. */
const BUILD = join(ROOT, "scripts/build.mjs");
const NODE_CACHE = join(ROOT, ".cache/node-scripts");
/** Library roots that Node loads from `dist/` (the published artifact). */
const LIBRARY = [join(ROOT, "mod.ts"), join(ROOT, "src") + sep, join(ROOT, "runtime") + sep];

export interface RunOptions {
  /** Kill the child after this long (default 60 s); `timedOut` is then true. */
  timeoutMs?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Deno permission flags replacing the default `--allow-net=127.0.0.1 --allow-read=<repo>`. */
  denoPermissions?: string[];
}

export interface RunResult {
  /** Exit code (null if killed by a signal). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last non-empty stdout line parsed as JSON, or null. */
  json: unknown;
  /** The command line that ran. */
  command: string[];
  /** Wall time of the child process, in ms. */
  ms: number;
  timedOut: boolean;
}

/**
 * Runs `scriptPath` (a `.ts` file in this repository) under `runtime` with
 * `args`; for Node, builds `dist/` if stale and runs a transpiled copy.
 */
export async function runScript(runtime: Runtime, scriptPath: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const command = await scriptCommand(runtime, scriptPath, args, options.denoPermissions);
  const env = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...options.env };
  const started = performance.now();
  const r = await runCommand(command, options.timeoutMs ?? 60_000, env);
  return { ...r, json: lastJsonLine(r.stdout), command, ms: Math.round(performance.now() - started) };
}

/**
 * The command line that runs `scriptPath` under `runtime` (for Node: builds
 * `dist/` if stale and transpiles the script); Deno gets `denoPermissions`
 * (default `--allow-net=127.0.0.1 --allow-read=<repo>`).
 */
export async function scriptCommand(runtime: Runtime, scriptPath: string, args: string[], denoPermissions?: string[]): Promise<string[]> {
  const script = resolve(ROOT, scriptPath);
  return runtime === "bun"
    ? [process.execPath, script, ...args]
    : runtime === "deno"
    ? [DENO, "run", "--no-lock", ...(denoPermissions ?? ["--allow-net=127.0.0.1", `--allow-read=${ROOT}`]), script, ...args]
    : ["node", await nodeScript(script), ...args];
}

/** Runs a command from the repository root, collecting its output; killed (code null) after `timeoutMs`. */
export async function runCommand(
  command: string[],
  timeoutMs: number,
  env?: Record<string, string | undefined>,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const child = Bun.spawn(command, { cwd: ROOT, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  try {
    const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
    const code = await child.exited;
    return { code: timedOut ? null : code, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

function lastJsonLine(stdout: string): unknown {
  const line = stdout.trimEnd().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

/** Every library source and the `dist/` file tsc makes of it. */
function librarySources(): Array<[src: string, out: string]> {
  const out: Array<[string, string]> = [["mod.ts", "dist/mod.js"]];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push([rel, `dist/${rel.slice(0, -3)}.js`]);
    }
  };
  walk("src");
  walk("runtime");
  return out;
}

/** Sources newer than their `dist/` output (or without one). */
export function staleDist(): string[] {
  return librarySources()
    .filter(([src, out]) => !existsSync(join(ROOT, out)) || statSync(join(ROOT, out)).mtimeMs < statSync(join(ROOT, src)).mtimeMs)
    .map(([src]) => src);
}

let building: Promise<void> | null = null;

/**
 * Rebuilds `dist/` with `scripts/build.mjs` (tsc -p tsconfig.build.json) if any library source
 * is newer than its output. tsc emits despite type errors elsewhere (others
 * edit the repository concurrently): only a still-stale `dist/` is fatal,
 * type errors are printed as a warning.
 */
export function ensureDist(): Promise<void> {
  if (staleDist().length === 0) return Promise.resolve();
  building ??= (async () => {
    const build = Bun.spawn(["node", BUILD], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const [output] = await Promise.all([new Response(build.stdout).text(), new Response(build.stderr).text()]);
    await build.exited;
    const stale = staleDist();
    if (stale.length > 0) throw new Error(`tsc -p tsconfig.build.json left dist/ stale (${stale.join(", ")}):\n${output}`);
    if (build.exitCode !== 0) console.warn(`tsc -p tsconfig.build.json reported errors (dist/ was still written):\n${output}`);
  })().finally(() => (building = null));
  return building;
}

/**
 * Builds `dist/` if stale and transpiles `script` (and the non-library
 * `.ts` modules it imports) for Node; returns the `.mjs` path to run.
 */
export async function nodeScript(script: string): Promise<string> {
  await ensureDist();
  return transpileForNode(resolve(script), new Set());
}

function isLibrary(file: string): boolean {
  return LIBRARY.some((l) => (l.endsWith(sep) ? file.startsWith(l) : file === l));
}

function cachePath(file: string): string {
  const rel = relative(ROOT, file);
  if (rel.startsWith("..")) throw new Error(`${file} is outside the repository`);
  return join(NODE_CACHE, rel.replace(/\.ts$/, ".mjs"));
}

function transpileForNode(file: string, seen: Set<string>): string {
  const out = cachePath(file);
  if (seen.has(file)) return out;
  seen.add(file);
  const deps: string[] = [];
  const rewrite = (specifier: string): string => {
    if (!specifier.startsWith("./") && !specifier.startsWith("../")) return specifier;
    const target = resolve(dirname(file), specifier);
    if (isLibrary(target)) {
      const rel = relative(ROOT, target).replace(/\.ts$/, ".js");
      return pathToFileURL(join(ROOT, "dist", rel)).href;
    }
    if (target.endsWith(".ts")) {
      deps.push(target);
      return pathToFileURL(cachePath(target)).href;
    }
    return pathToFileURL(target).href;
  };
  const transformer: ts.TransformerFactory<ts.SourceFile> = (context) => {
    const f = context.factory;
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        return f.updateImportDeclaration(node, node.modifiers, node.importClause, f.createStringLiteral(rewrite(node.moduleSpecifier.text)), node.attributes);
      }
      if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        return f.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, f.createStringLiteral(rewrite(node.moduleSpecifier.text)), node.attributes);
      }
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0]!)) {
        const [first, ...rest] = node.arguments;
        return f.updateCallExpression(node, node.expression, node.typeArguments, [f.createStringLiteral(rewrite((first as ts.StringLiteral).text)), ...rest]);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (source) => ts.visitNode(source, visit) as ts.SourceFile;
  };
  const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    fileName: file,
    transformers: { before: [transformer] },
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, outputText);
  for (const dep of deps) transpileForNode(dep, seen);
  return out;
}

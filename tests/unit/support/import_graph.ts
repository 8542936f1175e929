/**
 * The import graph of the library and its tools, and the rules it must keep
 * (checked by `tests/unit/import_graph.test.ts`):
 *
 * - no import cycles anywhere;
 * - `src/` (the runtime-free library) imports neither `runtime/` nor `cli/`;
 * - `runtime/` (the adapters) never imports `cli/`;
 * - `cli/` (the tools) reaches the library only through its public entry
 *   points: `mod.ts` and the runtime subpath modules;
 * - inside `src/`, no module imports one of a higher layer (see `LAYERS`).
 *
 * Only real `import`/`export … from` statements and `import("…")` calls with
 * a literal specifier count; JSDoc examples inside comments do not.
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** Layers of `src/`, lowest first: a module may import its own layer and those below. */
export const LAYERS: ReadonlyArray<readonly string[]> = [
  // Vocabulary every layer uses.
  ["src/errors.ts", "src/errors_auth.ts", "src/logger.ts", "src/backoff.ts", "src/version.ts", "src/socket.ts", "src/password.ts"],
  // The wire protocol and its record codecs.
  ["src/protocol/", "src/codecs/", "src/security/"],
  // Records, cluster metadata, connections, and the extension points users plug in.
  ["src/serde.ts", "src/extensions.ts", "src/metadata.ts", "src/metadata_partitions.ts", "src/network/", "src/transport.ts", "src/platform.ts", "src/portable_codecs.ts", "src/typescript_codecs.ts"],
  // The engine and its configuration.
  ["src/config.ts", "src/config_keys.ts", "src/config_", "src/producer/"],
  // The public producer.
  ["src/producer.ts"],
];

/** The modules `cli/` may import from outside itself. */
export const PUBLIC_ENTRY_POINTS: readonly string[] = [
  "mod.ts",
  "runtime/node.ts",
  "runtime/bun.ts",
  "runtime/deno.ts",
  "runtime/auto.ts",
];

/** Module path (relative to the root, "/"-separated) → the modules it imports. */
export type ImportGraph = Map<string, string[]>;

/** Removes comments (block and line) so JSDoc examples are not read as imports; keeps strings. */
export function stripComments(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? source.length : end;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every specifier a module's source imports (static, re-exports, literal dynamic imports). */
export function allImportSpecifiers(source: string): string[] {
  const code = stripComments(source);
  const specs: string[] = [];
  const patterns = [
    // Static imports and re-exports start a line (not text inside a string, such as an error message's example).
    /^\s*(?:import|export)\s[^'";]*?\sfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) specs.push(m[1]!);
  return specs;
}

/** The relative specifiers a module's source imports (see {@linkcode allImportSpecifiers}). */
export function importSpecifiers(source: string): string[] {
  return allImportSpecifiers(source).filter((s) => s.startsWith("."));
}

/** Builds the graph from sources given as path → text (paths relative to the root). */
export function buildGraph(files: ReadonlyMap<string, string>): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const [path, source] of files) {
    const targets = importSpecifiers(source).map((s) => normalize(join(dirname(path), s)).replaceAll("\\", "/"));
    graph.set(path, [...new Set(targets)]);
  }
  return graph;
}

/** Reads every `.ts` file of `dirs` (and single files) under `root`. */
export function readSources(root: string, entries: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string): void => {
    const abs = join(root, rel);
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs)) walk(join(rel, name));
    } else if (rel.endsWith(".ts")) {
      files.set(relative(root, abs).replaceAll("\\", "/"), readFileSync(abs, "utf8"));
    }
  };
  for (const e of entries) walk(e);
  return files;
}

/** Every cycle's path, e.g. `a.ts → b.ts → a.ts` (each cycle once). */
export function findCycles(graph: ImportGraph): string[] {
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].join(" → "));
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** The layer of a `src/` module, or -1 when `LAYERS` does not place it. */
export function layerOf(path: string): number {
  let best = -1;
  let bestLength = 0;
  LAYERS.forEach((entries, layer) => {
    for (const e of entries) {
      const match = e.endsWith("/") || e.endsWith("_") ? path.startsWith(e) : path === e;
      if (match && e.length > bestLength) {
        best = layer;
        bestLength = e.length;
      }
    }
  });
  return best;
}

/** Every import that breaks a folder or layer rule, as `from → to: why`. */
export function findViolations(graph: ImportGraph): string[] {
  const problems: string[] = [];
  for (const [from, targets] of graph) {
    if (from.startsWith("src/") && layerOf(from) < 0) problems.push(`${from}: not placed in a layer of LAYERS`);
    for (const to of targets) {
      const bad = (why: string) => problems.push(`${from} → ${to}: ${why}`);
      if (from.startsWith("src/")) {
        if (to.startsWith("runtime/")) bad("the library imports a runtime adapter");
        else if (to.startsWith("cli/")) bad("the library imports the tools");
        else if (to === "mod.ts") bad("the library imports its public entry point");
        else if (to.startsWith("src/") && layerOf(to) > layerOf(from)) {
          bad(`layer ${layerOf(from)} imports layer ${layerOf(to)}`);
        }
      } else if (from.startsWith("runtime/")) {
        if (to.startsWith("cli/")) bad("a runtime adapter imports the tools");
      } else if (from.startsWith("cli/")) {
        if (!to.startsWith("cli/") && !PUBLIC_ENTRY_POINTS.includes(to)) {
          bad("the tools import a library internal instead of a public entry point");
        }
      }
    }
  }
  return problems;
}

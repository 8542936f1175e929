/**
 * The ```` ```ts ```` `@example` blocks of the library's JSDoc, as modules that
 * `tsc` can check and Bun can run (used by `tests/unit/doc_examples.test.ts`).
 *
 * - A ```` ```ts ```` block is type-checked and run.
 * - A ```` ```ts ignore ```` block (it needs a broker) is type-checked when it
 *   is a whole program (it imports what it uses), and never run. One that
 *   imports nothing is a fragment of an internal call site, shown as is.
 *
 * Each example becomes one file in a scratch folder: the code of the block at
 * the same line numbers as in its source file (so `tsc` errors and stack
 * traces name the real line), with its import specifiers rewritten: a
 * relative one to the same module seen from the scratch folder, the package's
 * own name (`@edgekafka/producer`, `@edgekafka/producer/node`, …) to the
 * module `deno.json`'s `exports` maps it to.
 *
 * Examples import what the package exports from the package, as its users
 * do (`import { Producer } from "@edgekafka/producer"`); only internals are
 * imported by a relative path ({@linkcode misplacedImports} finds the others).
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** One ```` ```ts ```` block of a JSDoc comment. */
export interface DocExample {
  /** The source file, relative to the root, "/"-separated. */
  readonly file: string;
  /** 1-based line of the block's first code line in `file`. */
  readonly line: number;
  /** Marked ```` ```ts ignore ````: not run. */
  readonly ignore: boolean;
  /** The code, comment prefixes (`" * "`) removed, one entry per line. */
  readonly lines: readonly string[];
  /** Per line, how many characters the removed prefix had (for error columns). */
  readonly prefixes: readonly number[];
}

/** The package's own name, as examples import it. */
export const PACKAGE_NAME = "@edgekafka/producer";

/** The `.ts` files under `paths` (files or folders relative to `root`), sorted. */
export function sourceFiles(root: string, paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = join(root, rel);
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs).sort()) walk(`${rel}/${name}`);
    } else if (rel.endsWith(".ts")) {
      out.push(rel);
    }
  };
  for (const p of paths) walk(p);
  return out.sort();
}

/** The ```` ```ts ```` blocks inside the JSDoc comments of `source`. */
export function extractExamples(file: string, source: string): DocExample[] {
  const examples: DocExample[] = [];
  const lines = source.split("\n");
  let inComment = false;
  let block: { line: number; ignore: boolean; lines: string[]; prefixes: number[] } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (!inComment) {
      if (/^\s*\/\*\*/.test(text) && !text.includes("*/")) inComment = true;
      continue;
    }
    if (/^\s*\*\//.test(text) || (block === null && text.includes("*/"))) {
      if (block !== null) throw new Error(`${file}:${block.line - 1}: a \`\`\`ts block is not closed before the comment ends`);
      inComment = false;
      continue;
    }
    const prefix = /^\s*\* ?/.exec(text)?.[0] ?? "";
    const content = text.slice(prefix.length);
    if (block === null) {
      const fence = /^```ts(?:\s+(\S+))?\s*$/.exec(content);
      if (fence) block = { line: i + 2, ignore: fence[1] === "ignore", lines: [], prefixes: [] };
    } else if (/^```\s*$/.test(content)) {
      examples.push({ file, ...block });
      block = null;
    } else {
      block.lines.push(content);
      block.prefixes.push(prefix.length);
    }
  }
  return examples;
}

/** Whether an `ignore` example is a whole program (it imports what it uses). */
export function isProgram(example: DocExample): boolean {
  return example.lines.some((l) => /^\s*import\b/.test(l));
}

/** Maps `@edgekafka/producer[/subpath]` to the root-relative module, from `deno.json`'s `exports`. */
export function packageExports(root: string): Map<string, string> {
  const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as { exports: Record<string, string> };
  const map = new Map<string, string>();
  for (const [key, target] of Object.entries(deno.exports)) {
    map.set(key === "." ? PACKAGE_NAME : `${PACKAGE_NAME}/${key.replace(/^\.\//, "")}`, target.replace(/^\.\//, ""));
  }
  return map;
}

/**
 * The example as a module in `dir`: its code at its source line numbers, its
 * specifiers rewritten (see the module doc), and `export {}` so it is a module.
 */
export function exampleModule(
  example: DocExample,
  options: { root: string; dir: string; exports: ReadonlyMap<string, string> },
): string {
  const { root, dir, exports } = options;
  const from = dirname(join(root, example.file));
  const rewrite = (spec: string): string => {
    let target: string;
    if (spec.startsWith("./") || spec.startsWith("../")) target = resolve(from, spec);
    else if (exports.has(spec)) target = join(root, exports.get(spec)!);
    else if (spec.startsWith(`${PACKAGE_NAME}/`) || spec === PACKAGE_NAME) {
      throw new Error(`${example.file}:${example.line}: "${spec}" is not an export of the package (see deno.json)`);
    } else return spec;
    const rel = relative(dir, target).split("\\").join("/");
    return rel.startsWith(".") ? rel : `./${rel}`;
  };
  const code = example.lines.map((l) =>
    l
      .replace(/(\bfrom\s+|\bimport\s+|\bimport\(\s*)(["'])([^"']+)\2/g, (_m, head: string, q: string, spec: string) => `${head}${q}${rewrite(spec)}${q}`)
  );
  return `${"\n".repeat(example.line - 1)}${code.join("\n")}\nexport {};\n`;
}

/** The scratch file name of an example: its source path and line, flattened. */
export function exampleFileName(example: DocExample): string {
  return `${example.file.replace(/[/.]/g, "_")}_L${example.line}.ts`;
}

/** Module (root-relative) → the names the package exports from it, or `"all"` for a subpath module. */
export type PublicNames = Map<string, Set<string> | "all">;

/**
 * What the package exports, module by module: the names `mod.ts` re-exports
 * (following one more `export … from` inside the module, as `config.ts` does
 * for `config_keys.ts`), and every export of the other `deno.json` entry points.
 */
export function publicNames(root: string): PublicNames {
  const names: PublicNames = new Map();
  const add = (module: string, list: string): void => {
    const set = names.get(module);
    const target = set instanceof Set ? set : new Set<string>();
    for (const n of list.split(",")) {
      const name = n.replace(/^\s*type\s+/, "").trim().split(/\s+as\s+/).pop()!;
      if (name) target.add(name);
    }
    names.set(module, target);
  };
  const reexports = (module: string): Array<[string, string]> =>
    [...readFileSync(join(root, module), "utf8").matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"(\.[^"]+)"/g)]
      .map((m) => [m[1]!, relative(root, resolve(dirname(join(root, module)), m[2]!)).split("\\").join("/")]);
  for (const [list, module] of reexports("mod.ts")) {
    add(module, list);
    for (const [inner, innerModule] of reexports(module)) add(innerModule, inner);
  }
  for (const target of packageExports(root).values()) if (target !== "mod.ts") names.set(target, "all");
  return names;
}

/** The example's relative imports of names the package exports: they should come from the package. */
export function misplacedImports(example: DocExample, root: string, names: PublicNames): string[] {
  const problems: string[] = [];
  example.lines.forEach((text, i) => {
    const m = /^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"(\.[^"]+)"/.exec(text);
    if (!m) return;
    const module = relative(root, resolve(dirname(join(root, example.file)), m[2]!)).split("\\").join("/");
    const known = names.get(module);
    if (known === undefined) return;
    const exported = m[1]!.split(",").map((n) => n.replace(/^\s*type\s+/, "").trim()).filter((n) => n !== "" && (known === "all" || known.has(n)));
    if (exported.length > 0) {
      problems.push(`${example.file}:${example.line + i}: import ${exported.join(", ")} from the package, not from "${m[2]}"`);
    }
  });
  return problems;
}

#!/usr/bin/env node
// Builds dist/ for Node and npm users: `tsc -p tsconfig.build.json` (extra arguments pass through,
// e.g. `--outDir x`, or `-p tsconfig.bench.json` for another project), then rewrites the sources' `npm:` specifiers in the emitted .js and .d.ts
// files to bare package names (`npm:fflate@^0.8.3` → `fflate`, `npm:hash-wasm@^4.13.0/dist/x.js`
// → `hash-wasm/dist/x.js`), which Node and bundlers resolve through package.json's dependencies.
// The sources keep `npm:` so Deno imports mod.ts from any folder or URL with no config file.
//
// `--clean` (used by `npm pack`'s prepack) empties the output folder first, so no file of a
// removed source is shipped. Exits with tsc's status; tsc writes its output despite type errors, and the rewrite runs
// regardless, so a caller that tolerates type errors elsewhere still gets a runnable dist/.
// Plain Node (no dependencies).

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const TSC = join(ROOT, "node_modules", ".bin", "tsc");

/** A quoted `npm:` specifier: name (scoped or not), version range, optional subpath. */
const NPM_SPECIFIER = /(["'])npm:((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)@[^/"']+(\/[^"']*)?\1/g;

/** `source` with every quoted `npm:` specifier replaced by its bare package name and subpath. */
export function rewriteNpmSpecifiers(source) {
  return source.replace(NPM_SPECIFIER, (_m, quote, name, subpath = "") => `${quote}${name}${subpath}${quote}`);
}

/** Rewrites the `.js` and `.d.ts` files under `dir`; returns how many changed. */
function rewriteTree(dir) {
  let changed = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "node_modules") changed += rewriteTree(path);
    } else if (name.endsWith(".js") || name.endsWith(".d.ts")) {
      const text = readFileSync(path, "utf8");
      const out = rewriteNpmSpecifiers(text);
      if (out !== text) {
        writeFileSync(path, out);
        changed++;
      }
    }
  }
  return changed;
}

/** The output folder the tsc arguments choose: `--outDir`, else the project's (`tsc --showConfig`). */
function outDirOf(args) {
  const i = args.indexOf("--outDir");
  if (i >= 0 && args[i + 1] !== undefined) return resolve(ROOT, args[i + 1]);
  const shown = spawnSync(TSC, [...args, "--showConfig"], { cwd: ROOT, encoding: "utf8" });
  const outDir = JSON.parse(shown.stdout || "{}").compilerOptions?.outDir;
  if (typeof outDir !== "string") throw new Error(`No outDir in the tsc project (${args.join(" ")}):\n${shown.stderr}`);
  return resolve(ROOT, outDir);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const clean = process.argv.includes("--clean");
  const given = process.argv.slice(2).filter((a) => a !== "--clean");
  // `-p tsconfig.bench.json` picks another project; tsconfig.build.json otherwise.
  const args = given.includes("-p") || given.includes("--project") ? given : ["-p", "tsconfig.build.json", ...given];
  const out = outDirOf(args);
  if (clean) rmSync(out, { recursive: true, force: true });
  const r = spawnSync(TSC, args, { cwd: ROOT, stdio: "inherit" });
  if (r.error) throw r.error;
  if (existsSync(out)) rewriteTree(out);
  process.exit(r.status ?? 1);
}

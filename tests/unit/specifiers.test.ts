/**
 * The packaging rule for imports (DESIGN.md, "Packaging"): the library's
 * sources (mod.ts, src/, runtime/) import relative files, Node built-ins by
 * `node:` specifier, runtime modules (`cloudflare:`), and npm packages by
 * `npm:name@range` only. A bare specifier ("fflate") resolves only through
 * this repository's config, so Deno importing mod.ts from another folder or
 * a URL would fail on it; `npm:` resolves everywhere (tsc and Bun through
 * tsconfig "paths", Deno natively) and scripts/build.mjs makes it bare in dist/.
 */

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
// @ts-expect-error: a plain-JavaScript build script without declarations
import { rewriteNpmSpecifiers } from "../../scripts/build.mjs";
import { allImportSpecifiers, readSources } from "./support/import_graph.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const rewrite = rewriteNpmSpecifiers as (source: string) => string;

/** A specifier that any runtime resolves with no config file. */
function portable(spec: string): boolean {
  return spec.startsWith("./") || spec.startsWith("../") || /^(node|cloudflare):/.test(spec) || /^npm:(@[\w.-]+\/)?[\w.-]+@[^/]+(\/.*)?$/.test(spec);
}

describe("import specifiers of mod.ts, src/ and runtime/", () => {
  const sources = readSources(ROOT, ["mod.ts", "src", "runtime"]);

  test("are relative, node:, cloudflare: or versioned npm: (no bare package names)", () => {
    const bad = [...sources].flatMap(([path, text]) => allImportSpecifiers(text).filter((s) => !portable(s)).map((s) => `${path}: "${s}"`));
    expect(bad).toEqual([]);
  });

  test("name each npm package at the range package.json depends on", () => {
    const deps = (JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { dependencies: Record<string, string> }).dependencies;
    const npm = [...sources.values()].flatMap((t) => allImportSpecifiers(t)).filter((s) => s.startsWith("npm:"));
    expect(npm.length).toBeGreaterThan(0);
    for (const spec of npm) {
      const m = /^npm:((?:@[\w.-]+\/)?[\w.-]+)@([^/]+)/.exec(spec)!;
      expect(`${m[1]}@${deps[m[1]!]}`).toBe(`${m[1]}@${m[2]}`);
    }
  });

  test("the checker refuses a bare specifier", () => {
    expect(allImportSpecifiers('import { gzipSync } from "fflate";').filter((s) => !portable(s))).toEqual(["fflate"]);
    expect(portable("npm:fflate")).toBe(false);
  });
});

describe("scripts/build.mjs's rewrite for dist/", () => {
  test("makes npm: specifiers bare, keeping subpaths and scopes", () => {
    expect(rewrite('import { a } from "npm:fflate@^0.8.3";')).toBe('import { a } from "fflate";');
    expect(rewrite("import m from 'npm:hash-wasm@^4.13.0/dist/crc32.umd.min.js';")).toBe("import m from 'hash-wasm/dist/crc32.umd.min.js';");
    expect(rewrite('export * from "npm:@scope/pkg@1.2.3/sub";')).toBe('export * from "@scope/pkg/sub";');
  });

  test("leaves other specifiers alone", () => {
    const src = 'import { x } from "./x.js";\nimport { y } from "node:net";';
    expect(rewrite(src)).toBe(src);
  });
});

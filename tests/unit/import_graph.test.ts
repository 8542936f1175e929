/**
 * The library's structure as a check: no import cycles, the runtime-free core
 * apart from the adapters and the tools, the tools on the public API only, and
 * no upward imports inside `src/` (rules in `support/import_graph.ts`).
 */

import { describe, expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { buildGraph, findCycles, findViolations, importSpecifiers, readSources } from "./support/import_graph.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const graph = buildGraph(readSources(ROOT, ["mod.ts", "src", "runtime", "cli"]));

describe("import graph of mod.ts, src/, runtime/ and cli/", () => {
  test("covers the whole library", () => {
    expect(graph.has("mod.ts")).toBe(true);
    expect(graph.has("src/producer.ts")).toBe(true);
    expect([...graph.keys()].filter((p) => p.startsWith("runtime/")).length).toBeGreaterThan(2);
  });

  test("has no import cycle", () => {
    expect(findCycles(graph)).toEqual([]);
  });

  test("keeps the folder and layer rules", () => {
    expect(findViolations(graph)).toEqual([]);
  });
});

describe("the checker itself", () => {
  const sources = (files: Record<string, string>) => buildGraph(new Map(Object.entries(files)));

  test("reads static, re-export and dynamic imports, not examples in comments", () => {
    const src = [
      'import { a } from "./a.ts";',
      'import type { B } from "../b.ts";',
      'export { c } from "./c.ts";',
      'import "./side.ts";',
      'const d = await import("./d.ts");',
      '/** @example\n * import { e } from "./e.ts";\n */',
      '// import { f } from "./f.ts";',
      'import { g } from "npm-package";',
    ].join("\n");
    expect(importSpecifiers(src).sort()).toEqual(["../b.ts", "./a.ts", "./c.ts", "./d.ts", "./side.ts"]);
  });

  test("finds a cycle and names its path", () => {
    const g = sources({
      "src/producer/a.ts": 'import { b } from "./b.ts";',
      "src/producer/b.ts": 'import type { A } from "./a.ts";',
    });
    expect(findCycles(g)).toEqual(["src/producer/a.ts → src/producer/b.ts → src/producer/a.ts"]);
  });

  test("finds forbidden imports between folders and layers", () => {
    const g = sources({
      "src/metadata.ts": 'import type { X } from "./producer/partitioner.ts";',
      "src/producer/partitioner.ts": "",
      "src/errors.ts": 'import { connect } from "../runtime/node.ts";',
      "runtime/node.ts": 'import { io } from "../cli/io.ts";',
      "cli/io.ts": 'import { Producer } from "../src/producer.ts";\nimport { P } from "../mod.ts";',
      "src/producer.ts": "",
      "mod.ts": "",
    });
    expect(findViolations(g).sort()).toEqual([
      "cli/io.ts → src/producer.ts: the tools import a library internal instead of a public entry point",
      "runtime/node.ts → cli/io.ts: a runtime adapter imports the tools",
      "src/errors.ts → runtime/node.ts: the library imports a runtime adapter",
      "src/metadata.ts → src/producer/partitioner.ts: layer 2 imports layer 3",
    ]);
  });
});

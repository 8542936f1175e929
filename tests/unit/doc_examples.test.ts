/**
 * Docs that run: every ```` ```ts ```` `@example` in the library's JSDoc
 * (mod.ts, src/, runtime/) is type-checked (one `tsc` run for all of them)
 * and run; ```` ```ts ignore ```` examples (they need a broker) are
 * type-checked only. And `deno doc --lint` reports no problem in mod.ts and the runtime entry points. The
 * rules are in `support/doc_examples.ts`; a failure names the example's file
 * and line.
 */

import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type DocExample,
  exampleFileName,
  exampleModule,
  extractExamples,
  isProgram,
  misplacedImports,
  packageExports,
  publicNames,
  sourceFiles,
} from "./support/doc_examples.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");

const examples: DocExample[] = sourceFiles(ROOT, ["mod.ts", "src", "runtime"]).flatMap((file) =>
  extractExamples(file, readFileSync(join(ROOT, file), "utf8"))
);
const checked = examples.filter((e) => !e.ignore || isProgram(e));

// A scratch folder inside the repository, so the examples' imports resolve
// against the repository's own modules and node_modules.
const dir = mkdtempSync(join(ROOT, ".doc-examples-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const exportsMap = packageExports(ROOT);
/** Scratch file name → the example it holds. */
const byFile = new Map<string, DocExample>();
for (const example of checked) {
  const name = exampleFileName(example);
  byFile.set(name, example);
  writeFileSync(join(dir, name), exampleModule(example, { root: ROOT, dir, exports: exportsMap }));
}

/** `text` with scratch file paths replaced by the example's source file. */
function sourcePaths(text: string): string {
  return text.replaceAll(/[^\s()'"]*\.doc-examples-[^/\\]+[/\\]([\w.-]+\.ts)/g, (m, name: string) => byFile.get(name)?.file ?? m);
}

describe("JSDoc examples", () => {
  test("there are examples, and runnable ones among them", () => {
    expect(examples.length).toBeGreaterThan(150);
    expect(examples.filter((e) => !e.ignore).length).toBeGreaterThan(100);
  });

  test("examples import what the package exports from the package, as its users do", () => {
    const names = publicNames(ROOT);
    expect(names.get("src/producer.ts")).toEqual(expect.any(Set));
    expect(names.get("runtime/node.ts")).toBe("all");
    expect(examples.flatMap((e) => misplacedImports(e, ROOT, names))).toEqual([]);
  });

  test("every example type-checks (one tsc run; ignore examples that are whole programs too)", () => {
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { noEmit: true }, include: ["*.ts", "../scripts/npm_specifiers.d.ts"] }),
    );
    const r = spawnSync(join(BIN, "tsc"), ["-p", join(dir, "tsconfig.json"), "--pretty", "false"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const problems = (r.stdout + r.stderr)
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => {
        // "<dir>/<name>.ts(line,col): error TS…": the line is the source line; the column lacks the " * " prefix.
        const m = /([\w.-]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(l);
        const example = m ? byFile.get(m[1]!) : undefined;
        if (!m || !example) return sourcePaths(l);
        const line = Number(m[2]);
        const col = Number(m[3]) + (example.prefixes[line - example.line] ?? 0);
        return `${example.file}:${line}:${col}: ${m[4]}`;
      });
    expect(problems).toEqual([]);
    expect(r.status).toBe(0);
  }, 120_000);

  for (const example of examples.filter((e) => !e.ignore)) {
    test(`${example.file}:${example.line} runs`, async () => {
      const output: string[] = [];
      const saved = { ...console };
      // console.assert only prints; in an example it is the check, so a false one fails the example.
      console.assert = (condition?: boolean, ...data: unknown[]) => {
        if (!condition) throw new Error(`console.assert failed${data.length ? `: ${data.map(String).join(" ")}` : ""}`);
      };
      const print = (...data: unknown[]) => void output.push(data.map(String).join(" "));
      console.log = console.info = console.warn = console.error = console.debug = print;
      try {
        await import(join(dir, exampleFileName(example)));
      } catch (error) {
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        const printed = output.length ? `\nit printed:\n${output.join("\n")}` : "";
        throw new Error(`the example at ${example.file}:${example.line} failed: ${sourcePaths(detail)}${printed}`);
      } finally {
        Object.assign(console, saved);
      }
    }, 10_000);
  }
});

describe("the extractor itself", () => {
  const source = [
    "/**",
    " * Doc.",
    " *",
    " * @example Runs",
    " * ```ts",
    ' * import { Producer } from "./producer.ts";',
    ' * import { backoffMs } from "../backoff.ts";',
    " * console.assert(true);",
    " * ```",
    " *",
    " * ```ts ignore",
    " * producer.flush();",
    " * ```",
    " */",
    "export const x = 1;",
    "/** ```ts",
    " * not an example: the fence is on the opening line */",
  ].join("\n");
  const found = extractExamples("src/thing.ts", source);

  test("finds ts blocks in JSDoc with their first code line and ignore flag", () => {
    expect(found.map((e) => [e.line, e.ignore, e.lines.length])).toEqual([[6, false, 3], [12, true, 1]]);
    expect(isProgram(found[0]!)).toBe(true);
    expect(isProgram(found[1]!)).toBe(false);
  });

  test("keeps source line numbers and rewrites specifiers", () => {
    const module = exampleModule(found[0]!, { root: "/r", dir: "/r/.doc-examples-x", exports: new Map([["@edgekafka/producer", "mod.ts"]]) });
    const lines = module.split("\n");
    expect(lines[5]).toBe('import { Producer } from "../src/producer.ts";');
    expect(lines[6]).toBe('import { backoffMs } from "../backoff.ts";');
    expect(lines.at(-2)).toBe("export {};");
  });

  test("names relative imports of public names", () => {
    const names = new Map([["src/producer.ts", new Set(["Producer"])]]);
    expect(misplacedImports(found[0]!, "/r", names)).toEqual([
      'src/thing.ts:6: import Producer from the package, not from "./producer.ts"',
    ]);
  });
});

test("deno doc --lint reports no problem in mod.ts and the runtime entry points", () => {
  const r = spawnSync(join(BIN, "deno"), ["doc", "--lint", "mod.ts", "runtime/deno.ts", "runtime/bun.ts", "runtime/node.ts"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const problems = (r.stdout + r.stderr).split("\n").filter((l) => /^(error|warning)\b/.test(l) || l.includes("-->"));
  expect(problems).toEqual([]);
  expect(r.status).toBe(0);
}, 60_000);

/**
 * The npm package as a user meets it: `npm pack` of a checkout with no
 * `dist/` (so `prepack` must build it), installed from the tarball into
 * fresh projects for Node (`npm install`: ESM `import`, and `require()` where
 * Node supports `require(esm)`) and Bun (`bun add`); a strict TypeScript
 * consumer type-checks against the shipped declarations; each runtime
 * produces to a real broker (tests/kafka/kafka.sh) and kcat reads the
 * records back.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cluster, createTopic, ROOT, uniqueTopic } from "../helpers/kafka.ts";
import { CONSUMER_TS, CONSUMER_TSCONFIG, expectProduced, must, producerScript } from "./consumer.ts";

const BIN = join(ROOT, "node_modules", ".bin");
const work = mkdtempSync(join(tmpdir(), "edgekafka-npm-"));
let tarball = "";
let unpacked = "";
let bootstrap = "";

/** A fresh consumer project folder with a package.json. */
function project(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `consumer-${name}`, private: true, type: "module" }));
  return dir;
}

/** Every file under `dir`, relative. */
function filesOf(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesOf(dir, join(rel, e.name)) : [join(rel, e.name)]
  );
}

beforeAll(() => {
  // The checkout's files (tracked and new, not ignored: no dist/) in a copy, with this node_modules.
  const checkout = join(work, "checkout");
  const list = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
  for (const file of list.stdout.split("\0").filter((f) => f !== "" && !f.startsWith("tests/"))) {
    mkdirSync(join(checkout, dirname(file)), { recursive: true });
    try {
      cpSync(join(ROOT, file), join(checkout, file));
    } catch {
      // Listed but deleted in the working tree: not part of the package.
    }
  }
  symlinkSync(join(ROOT, "node_modules"), join(checkout, "node_modules"));
  const packed = must("npm", ["pack", "--json", "--pack-destination", work], checkout, 300_000);
  tarball = join(work, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);
  unpacked = join(work, "unpacked");
  mkdirSync(unpacked);
  must("tar", ["-xzf", tarball, "-C", unpacked], work);
  bootstrap = cluster();
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm pack", () => {
  test("prepack built dist/: every export's types, import and default are in the tarball", () => {
    const pkg = JSON.parse(readFileSync(join(unpacked, "package", "package.json"), "utf8")) as {
      exports: Record<string, Record<string, string>>;
    };
    const files = new Set(filesOf(join(unpacked, "package")));
    for (const [name, conditions] of Object.entries(pkg.exports)) {
      expect(Object.keys(conditions), name).toEqual(["types", "import", "default"]);
      for (const target of Object.values(conditions)) expect(files.has(target.slice(2)), `${name}: ${target}`).toBe(true);
    }
    expect([...files].filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  test("ships source maps that carry their sources, and no npm: specifier", () => {
    const root = join(unpacked, "package");
    const files = filesOf(root);
    const maps = files.filter((f) => f.endsWith(".js.map"));
    expect(maps.length).toBeGreaterThan(50);
    for (const map of maps) {
      const m = JSON.parse(readFileSync(join(root, map), "utf8")) as { sources: string[]; sourcesContent?: unknown[] };
      expect(m.sourcesContent?.length, map).toBe(m.sources.length);
    }
    const withNpm = files.filter((f) => /\.(js|d\.ts)$/.test(f) && /["']npm:/.test(readFileSync(join(root, f), "utf8")));
    expect(withNpm).toEqual([]);
  });
});

describe("installed into a Node project (npm install <tarball>)", () => {
  let dir = "";
  beforeAll(() => {
    dir = project("node");
    must("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], dir, 300_000);
  }, 300_000);

  test("ESM import produces to the broker; kcat reads the records back", () => {
    const topic = createTopic(uniqueTopic("pkg-node"), 1);
    writeFileSync(join(dir, "produce.mjs"), producerScript("@edgekafka/producer"));
    expectProduced(must("node", ["produce.mjs", bootstrap, topic, "node"], dir).stdout, bootstrap, topic, "node");
  }, 120_000);

  test("require() loads every entry point where Node supports require(esm)", () => {
    const supported = spawnSync("node", ["-p", "process.features.require_module === true"], { encoding: "utf8" }).stdout.trim() === "true";
    if (!supported) {
      // Node before 20.19 (and 22.12) has no require(esm): the package is ESM only there.
      console.warn("skipped: this Node has no require(esm)");
      return;
    }
    const script = 'for (const s of ["", "/node", "/bun", "/deno"]) { const m = require("@edgekafka/producer" + s); ' +
      'if (s === "" ? typeof m.Producer !== "function" : typeof m.platform !== "object") throw new Error("bad export " + s); } console.log("ok")';
    expect(must("node", ["-e", script], dir).stdout.trim()).toBe("ok");
  });

  test("a strict TypeScript consumer type-checks (both key styles, ProducerOptions variables, await using)", () => {
    writeFileSync(join(dir, "consumer.ts"), CONSUMER_TS);
    writeFileSync(join(dir, "tsconfig.json"), CONSUMER_TSCONFIG);
    const r = spawnSync(join(BIN, "tsc"), ["-p", "tsconfig.json", "--pretty", "false"], { cwd: dir, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 120_000);
});

describe("installed into a Bun project (bun add <tarball>)", () => {
  test("produces to the broker; kcat reads the records back", () => {
    const dir = project("bun");
    must(join(BIN, "bun"), ["add", tarball], dir, 300_000);
    const topic = createTopic(uniqueTopic("pkg-bun"), 1);
    writeFileSync(join(dir, "produce.ts"), producerScript("@edgekafka/producer"));
    expectProduced(must(join(BIN, "bun"), ["produce.ts", bootstrap, topic, "bun"], dir).stdout, bootstrap, topic, "bun");
  }, 300_000);
});

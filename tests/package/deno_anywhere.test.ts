/**
 * Deno from anywhere: a script in a temporary folder with no deno.json,
 * package.json or import map imports mod.ts by absolute `file://` URL (as it
 * would by `https://` URL) and produces to a real broker; kcat reads the
 * records back. The library's npm packages come in by `npm:` specifier, so
 * nothing but the URL is needed.
 */

import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { cluster, createTopic, ROOT, uniqueTopic } from "../helpers/kafka.ts";
import { DENO } from "../helpers/runtimes.ts";
import { expectProduced, must, producerScript } from "./consumer.ts";

const dir = mkdtempSync(join(tmpdir(), "edgekafka-deno-anywhere-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Config files Deno would pick up from `from` or a folder above it. */
function configsAbove(from: string): string[] {
  const found: string[] = [];
  for (let d = from; ; d = dirname(d)) {
    for (const name of ["deno.json", "deno.jsonc", "package.json"]) if (existsSync(join(d, name))) found.push(join(d, name));
    if (dirname(d) === d) return found;
  }
}

test("a script with no config imports mod.ts by file:// URL and produces; kcat reads the records back", () => {
  expect(configsAbove(dir)).toEqual([]);
  const bootstrap = cluster();
  const topic = createTopic(uniqueTopic("pkg-deno"), 1);
  writeFileSync(join(dir, "produce.ts"), producerScript(pathToFileURL(join(ROOT, "mod.ts")).href));
  const r = must(DENO, ["run", "--no-lock", "--allow-net", "--allow-read", "--allow-env", "produce.ts", bootstrap, topic, "deno"], dir, 300_000);
  expectProduced(r.stdout, bootstrap, topic, "deno");
}, 300_000);

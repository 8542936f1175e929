/**
 * The core bundled for the browser (and edge runtimes without Node's
 * modules): `bun build mod.ts --target=browser --minify` builds (no server
 * adapter, so no `node:net`, is pulled in; the Workers adapter is, as Workers
 * bundles need it and it imports `cloudflare:sockets` only when it connects)
 * and stays within {@linkcode BUDGET}, the 60 KB min+gzip. It holds
 * no codec: gzip (fflate), snappy, lz4 and zstd come from
 * `@edgekafka/producer/codecs` where the platform has none, and a bundle
 * that imports them is measured too. The other targets are measured for the
 * README's table (printed, not asserted).
 */

import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT } from "../helpers/kafka.ts";

/** Bytes of the minified core bundle, gzipped at level 9 (the budget; README, under "Dependencies"). */
const BUDGET = 60_000;
/** Text only the codecs carry: fflate's inflate errors, the core's lz4, snappy and zstd decoders'. */
const CODEC_MARKERS = ["invalid length/literal", "LZ4 frame header checksum mismatch", "Malformed Snappy length", "Invalid zstd data"];
const out = mkdtempSync(join(tmpdir(), "edgekafka-bundle-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Bundles `entry` (mod.ts by default) for `target`; returns the minified text. */
function bundle(target: "browser" | "node" | "bun", entry = "mod.ts"): string {
  const file = join(out, `${target}-${entry.replace(/\W/g, "_")}.js`);
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "bun"), ["build", entry, `--target=${target}`, "--minify", "--outfile", file], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`bun build --target=${target} failed:\n${r.stdout}\n${r.stderr}`);
  return readFileSync(file, "utf8");
}

/** Kilobytes (1000 bytes), one decimal. */
const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;

describe("bun build mod.ts --minify", () => {
  test(`--target=browser builds, carries no server adapter, and is at most ${kb(BUDGET)} min+gzip`, () => {
    const code = bundle("browser");
    const gzipped = gzipSync(code, { level: 9 }).byteLength;
    console.log(`browser: ${kb(code.length)} minified, ${kb(gzipped)} min+gzip`);
    expect(code).not.toContain('from"node:net"');
    expect(code).not.toContain("createConnection");
    expect(code).not.toContain("Deno.connect");
    expect(code).not.toContain("Bun.connect");
    for (const marker of CODEC_MARKERS) expect(code).not.toContain(marker);
    expect(gzipped).toBeLessThanOrEqual(BUDGET);
  }, 60_000);

  test("--target=browser with the portable codecs imported (as on Workers): builds and carries them (size reported)", () => {
    const entry = join(out, "with_codecs.ts");
    writeFileSync(entry, `export { Producer } from "${join(ROOT, "mod.ts")}";\nexport { gzip, lz4, snappy, zstd } from "${join(ROOT, "src/portable_codecs.ts")}";\n`);
    const code = bundle("browser", entry);
    console.log(`browser + codecs: ${kb(code.length)} minified, ${kb(gzipSync(code, { level: 9 }).byteLength)} min+gzip`);
    for (const marker of CODEC_MARKERS) expect(code).toContain(marker);
  }, 60_000);

  for (const target of ["node", "bun"] as const) {
    test(`--target=${target} builds (size reported)`, () => {
      const code = bundle(target);
      console.log(`${target}: ${kb(code.length)} minified, ${kb(gzipSync(code, { level: 9 }).byteLength)} min+gzip`);
      expect(code.length).toBeGreaterThan(0);
    }, 60_000);
  }
});

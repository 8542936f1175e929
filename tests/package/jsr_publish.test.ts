/**
 * The JSR package: `deno publish --dry-run` (JSR itself is not reachable
 * from the test machine; the dry run checks what publishing checks) passes
 * without `--allow-slow-types`, so every export has the explicit types JSR
 * needs to serve declarations without type-checking the sources.
 */

import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { ROOT } from "../helpers/kafka.ts";
import { DENO } from "../helpers/runtimes.ts";

test("deno publish --dry-run passes without --allow-slow-types", () => {
  // --allow-dirty: the suite runs on working trees with uncommitted changes too.
  const r = spawnSync(DENO, ["publish", "--dry-run", "--allow-dirty"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    timeout: 300_000,
  });
  const output = r.stdout + r.stderr;
  expect(output.split("\n").filter((l) => /^error/.test(l))).toEqual([]);
  expect(output).toContain("Success Dry run complete");
  expect(r.status).toBe(0);
}, 300_000);

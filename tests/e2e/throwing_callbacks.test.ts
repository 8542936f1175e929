/**
 * Defect 2 (issue 9) per runtime: on Bun, Deno and Node (the built `dist/`),
 * with the runtime's own socket adapter, a send callback that throws on each
 * path where a record fails before it reaches a batch (metadata timeout, a
 * full queue, an abort, a closed producer), and interceptors that throw, is
 * caught: the process neither crashes (Node and Deno exit on an uncaught
 * exception or an unhandled rejection) nor hangs, every callback runs once
 * with its typed error, a later send still settles, and flush() and close()
 * return. The in-process variant of each path: tests/unit/defects_pipeline.test.ts.
 */

import { beforeAll, describe, expect, test } from "bun:test";
import { ensureDist, runScript, RUNTIMES } from "../helpers/runtimes.ts";
import type { ThrowingReport } from "./scenarios/throwing_callbacks.ts";

const SCENARIO = "tests/e2e/scenarios/throwing_callbacks.ts";

beforeAll(async () => {
  await ensureDist();
}, 240_000);

describe.each(RUNTIMES)("%s: callbacks and interceptors that throw (defect 2)", (runtime) => {
  test("every path: the process survives, each callback runs once with its error, later sends settle, flush() and close() return", async () => {
    const r = await runScript(runtime, SCENARIO, [], { timeoutMs: 60_000 });
    expect({ code: r.code, timedOut: r.timedOut, stderr: r.code === 0 ? "" : r.stderr.slice(-2000) }).toEqual({ code: 0, timedOut: false, stderr: "" });
    const report = r.json as ThrowingReport;
    const expected: Record<string, string[]> = {
      metadataTimeout: ["MetadataTimeoutError", "MetadataTimeoutError", "MetadataTimeoutError"],
      queueFull: ["BufferExhaustedError", "MetadataTimeoutError"], // refused at once, then the waiting one times out
      aborted: ["Error", "Error", "Error"], // the abort reason the caller gave
      closed: ["ClosedError", "ClosedError"],
      interceptors: ["MetadataTimeoutError", "MetadataTimeoutError"],
    };
    for (const [name, errors] of Object.entries(expected)) {
      const p = report.paths[name]!;
      expect({ name, errors: p.errors, flushed: p.flushed, closed: p.closed }).toEqual({ name, errors, flushed: true, closed: true });
      expect(p.after).toBe(name === "closed" ? "ClosedError" : "MetadataTimeoutError");
    }
    // Two sends and the later one: onSend and onSendError threw for each.
    expect(report.interceptorCalls).toMatchObject({ onSend: 3, onSendError: 3 });
  }, 120_000);
});

/**
 * Defect 2 (issue 9) on a real runtime: callbacks and interceptors that
 * throw on every path where a record fails before it reaches a batch, run
 * unchanged under Bun, Deno and Node (from `dist/`) by
 * `tests/e2e/throwing_callbacks.test.ts`:
 *
 * ```sh
 * bun tests/e2e/scenarios/throwing_callbacks.ts
 * ```
 *
 * The runtime's own socket adapter dials 127.0.0.1:1 (refused), so
 * metadata never comes. Paths, each with callbacks that throw:
 * - `metadataTimeout`: `max.block.ms` passes (a timer settles the records);
 * - `queueFull`: `max.queued.records` refuses a send at once;
 * - `aborted`: the sends' `AbortSignal` fires while they wait;
 * - `closed`: sends after `close()`;
 * - `interceptors`: `onSend`, `onSendError` and `onAcknowledgement` throw as well.
 * After each: a promise send still settles, `flush()` and `close()` return.
 * A throw that escaped would end the process (Node and Deno exit on an
 * uncaught exception or an unhandled rejection); the scenario prints its
 * JSON line ({@linkcode ThrowingReport}) only if it got to the end.
 *
 * @module
 */

import { Producer } from "../../../mod.ts";
import type { CamelCaseProducerOptions, ProducerInterceptor, ProducerOptions, SendCallback } from "../../../mod.ts";

/** One path: the callbacks that ran (each threw) with the error names they got, and what came after. */
export interface PathReport {
  callbacks: number;
  errors: string[];
  /** How a promise send made after the throwing callbacks settled (its error's name). */
  after: string;
  flushed: boolean;
  closed: boolean;
}

export interface ThrowingReport {
  paths: Record<string, PathReport>;
  /** Calls of each throwing interceptor method. */
  interceptorCalls: Record<string, number>;
}

const base = { bootstrapServers: "127.0.0.1:1", maxBlockMs: 150, reconnectBackoffMs: 20 } satisfies ProducerOptions;
const report: ThrowingReport = { paths: {}, interceptorCalls: { onSend: 0, onSendError: 0, onAcknowledgement: 0 } };

/**
 * Makes a producer with `options`, lets `act` send with a callback that
 * records its error and throws (`act` returns how many sends it made), waits
 * for every callback, then checks that the producer still works and closes.
 */
async function path(name: string, options: Partial<CamelCaseProducerOptions>, act: (p: Producer, callback: SendCallback) => Promise<number> | number): Promise<void> {
  const entry: PathReport = { callbacks: 0, errors: [], after: "", flushed: false, closed: false };
  report.paths[name] = entry;
  const producer = new Producer({ ...base, ...options });
  const callback: SendCallback = (error) => {
    entry.callbacks++;
    entry.errors.push(error?.name ?? "none");
    throw new Error(`a callback of ${name} throws`);
  };
  const sends = await act(producer, callback);
  const deadline = Date.now() + 5000;
  while (entry.callbacks < sends && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  entry.after = await producer.send({ topic: `after-${name}`, value: "after" }).then(() => "acknowledged", (e: Error) => e.name);
  await producer.flush().then(() => (entry.flushed = true), () => {});
  await producer.close({ timeoutMs: 2000 }).then(() => (entry.closed = true), () => {});
}

await path("metadataTimeout", {}, (p, cb) => {
  for (let i = 0; i < 3; i++) p.send({ topic: "no-metadata", value: `v${i}` }, cb);
  return 3;
});

await path("queueFull", { maxQueuedRecords: 1 }, (p, cb) => {
  p.send({ topic: "no-metadata", value: "waits" }, cb); // waits for metadata, then times out
  p.send({ topic: "no-metadata", value: "refused" }, cb); // the queue is full: refused at once
  return 2;
});

await path("aborted", {}, (p, cb) => {
  const controller = new AbortController();
  for (let i = 0; i < 3; i++) p.send({ topic: "no-metadata", value: `v${i}` }, cb, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("the caller gave up")), 20);
  return 3;
});

await path("closed", {}, async (p, cb) => {
  await p.close();
  p.send({ topic: "t", value: "after close" }, cb);
  p.send({ topic: "t", value: "after close, again" }, cb);
  return 2;
});

const throwing: ProducerInterceptor = {
  onSend: () => {
    report.interceptorCalls.onSend!++;
    throw new Error("onSend throws");
  },
  onSendError: () => {
    report.interceptorCalls.onSendError!++;
    throw new Error("onSendError throws");
  },
  onAcknowledgement: () => {
    report.interceptorCalls.onAcknowledgement!++;
    throw new Error("onAcknowledgement throws");
  },
};
await path("interceptors", { interceptors: [throwing] }, (p, cb) => {
  for (let i = 0; i < 2; i++) p.send({ topic: "no-metadata", value: `v${i}` }, cb);
  return 2;
});

console.log(JSON.stringify(report));

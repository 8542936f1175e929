/**
 * A thread for the core's TypeScript codecs (`./codec_worker.ts`), in the
 * Node and Bun adapters: their snappy, lz4 and (on Node 20) zstd get a
 * `compressAsync` that compresses a batch on that thread while the event
 * loop goes on appending records — the two cores of a small machine both
 * working, as `node:zlib`'s thread pool does for gzip.
 *
 * Only batches worth the hand-off go there (`compressAsyncMinBytes`, per
 * codec below: about 1 ms of compressing on the loop); smaller ones compress
 * at seal, which measured faster for snappy and lz4 at 64 KiB.
 *
 * One thread, started at the first batch and unreferenced while it has
 * nothing to do (it never keeps a process alive). Each batch's records are
 * copied to it (the slab stays in the pool) and the result comes back
 * transferred. Where the thread cannot start (a bundle without the worker
 * file, a runtime without `node:worker_threads`) or fails, `compressAsync`
 * rejects and the producer compresses the batch on the loop at seal.
 *
 * Not on Deno: its web `Worker` cannot be unreferenced (an idle one keeps
 * the process from exiting) and its `node:worker_threads` took 3 ms per
 * message against 0.02–0.04 ms on Bun and Node (1,000 × 64 KiB round trips).
 *
 * @module
 */

import { Worker } from "node:worker_threads";
import type { Codec } from "../src/platform.ts";
import type { CodecAnswer, CodecJob, ThreadCodec } from "./codec_worker.ts";

/** The worker entry next to this module (.ts from the sources, .js from dist/). */
const ENTRY = new URL(`./codec_worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/**
 * The codec thread: hands batches to the worker and their answers back.
 *
 * @example Usage
 * ```ts
 * import { CodecThread } from "./codec_thread.ts";
 * const thread = new CodecThread();
 * const packed = await thread.compress("lz4", 9, new Uint8Array(1000));
 * console.assert(packed.length < 100);
 * ```
 */
export class CodecThread {
  /** The worker, started by the first job; null before that and after it failed. */
  #worker: Worker | null = null;
  /** Set when the worker could not start or died: every job rejects from then on. */
  #failed: Error | null = null;
  #nextId = 0;
  /** Jobs sent and not answered, by id; while there are any, the worker is referenced. */
  readonly #pending = new Map<number, { resolve: (data: Uint8Array) => void; reject: (error: Error) => void }>();
  readonly #entry: URL;

  constructor(entry: URL = ENTRY) {
    this.#entry = entry;
  }

  /** Compresses `data` with `codec` on the thread (a copy of `data` goes there). */
  compress(codec: ThreadCodec, level: number, data: Uint8Array): Promise<Uint8Array> {
    const worker = this.#worker ?? this.#start();
    if (worker === null) return Promise.reject(this.#failed!);
    const id = this.#nextId++;
    const job: CodecJob = { id, codec, level, data: data.slice() };
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) worker.ref();
      this.#pending.set(id, { resolve, reject });
      worker.postMessage(job, [job.data.buffer as ArrayBuffer]);
    });
  }

  /** Stops the thread (jobs under way are rejected); the next job starts another. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    this.#failAll(new Error("The codec thread was closed"));
    await worker?.terminate();
  }

  #start(): Worker | null {
    if (this.#failed !== null) return null;
    try {
      const worker = new Worker(this.#entry);
      worker.unref();
      worker.on("message", (answer: CodecAnswer) => this.#answer(worker, answer));
      worker.on("error", (error: Error) => this.#die(worker, error));
      worker.on("exit", (code: number) => this.#die(worker, new Error(`The codec thread exited (code ${code})`)));
      this.#worker = worker;
      return worker;
    } catch (error) {
      this.#failed = error instanceof Error ? error : new Error(String(error));
      return null;
    }
  }

  #answer(worker: Worker, answer: CodecAnswer): void {
    const job = this.#pending.get(answer.id);
    if (job === undefined) return;
    this.#pending.delete(answer.id);
    if (this.#pending.size === 0) worker.unref();
    if ("data" in answer) job.resolve(answer.data);
    else job.reject(new Error(answer.error));
  }

  #die(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    this.#failed = error;
    this.#failAll(error);
  }

  #failAll(error: Error): void {
    for (const job of this.#pending.values()) job.reject(error);
    this.#pending.clear();
  }
}

/**
 * `codec` with a `compressAsync` that runs `name` on `thread`.
 *
 * @example Usage
 * ```ts
 * import { CodecThread, threaded } from "./codec_thread.ts";
 * import { lz4 } from "@edgekafka/producer/codecs";
 * const codec = threaded(lz4, "lz4", new CodecThread());
 * console.assert(lz4.decompress(await codec.compressAsync!(new Uint8Array(100), 9)).length === 100);
 * ```
 */
export function threaded(codec: Codec, name: ThreadCodec, thread: CodecThread): Codec {
  return Object.freeze({
    compress: codec.compress,
    decompress: codec.decompress,
    compressAsync: (data: Uint8Array, level: number) => thread.compress(name, level, data),
    compressAsyncMinBytes: THREAD_MIN_BYTES[name],
  });
}

/**
 * Per codec, the smallest batch sent to the thread: about 1 ms of
 * compressing on the loop. Below it the copy there and the messages cost
 * more than they save. Measured on 2 cores, workload (c) with 64 KiB
 * batches (records/s, threaded → on the loop): snappy Bun 861k → 912k,
 * Node 748k → 752k; lz4 Bun 776k → 835k, Node 638k → 717k; zstd (the
 * TypeScript one, ~90 MB/s) Node 547k → 540k with p99 26 → 110 ms, so
 * zstd always goes.
 */
const THREAD_MIN_BYTES: Readonly<Record<ThreadCodec, number>> = { snappy: 512 * 1024, lz4: 256 * 1024, zstd: 0 };

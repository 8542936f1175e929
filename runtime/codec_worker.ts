/**
 * The codec thread's entry (a `node:worker_threads` worker of the Node and
 * Bun adapters, started by `./codec_thread.ts`): compresses batches with
 * the core's TypeScript codecs — snappy, lz4, and zstd where `node:zlib`
 * has none — off the main thread, so the event loop goes on appending
 * records and a second core does the compressing.
 *
 * Each message is a {@linkcode CodecJob}; each answer a
 * {@linkcode CodecAnswer} with the same id, its bytes transferred.
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
import { lz4FrameCompress } from "../src/codecs/lz4_frame.ts";
import { xerialCompress } from "../src/codecs/snappy_xerial.ts";
import { zstdCompress } from "../src/codecs/zstd_compress.ts";

/** The codecs the thread runs. */
export type ThreadCodec = "snappy" | "lz4" | "zstd";

/** One batch's records section to compress (its buffer transferred to the thread). */
export interface CodecJob {
  readonly id: number;
  readonly codec: ThreadCodec;
  readonly level: number;
  readonly data: Uint8Array;
}

/** The compressed bytes of job `id`, or why it failed. */
export type CodecAnswer = { readonly id: number; readonly data: Uint8Array } | { readonly id: number; readonly error: string };

const compress: Record<ThreadCodec, (data: Uint8Array, level: number) => Uint8Array> = {
  snappy: (data) => xerialCompress(data),
  lz4: lz4FrameCompress,
  zstd: zstdCompress,
};

parentPort?.on("message", (job: CodecJob) => {
  let answer: CodecAnswer;
  try {
    // A copy of its own, so transferring it never detaches a buffer a codec reuses.
    answer = { id: job.id, data: compress[job.codec](job.data, job.level).slice() };
  } catch (error) {
    answer = { id: job.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(answer, "data" in answer ? [answer.data.buffer as ArrayBuffer] : []);
});

/**
 * The experiment's sender (issue 13: "measure a sender in a worker over
 * SharedArrayBuffer slabs against today's single thread"): the I/O half of
 * a producer, the same code on the event loop of the appending thread
 * (`--threads 1`) or alone in a worker (`--threads 2`, `./worker.ts`).
 *
 * What it does is what the Java producer's I/O thread does with a batch the
 * user thread filled: seal it (batch header, CRC-32C), take the head batch of
 * each partition into one Produce request (v9, acks=all, up to 1 MiB, up to
 * 5 requests in flight on one connection), write it, read the answer and
 * hand the batches back. What it leaves out, because both modes leave it
 * out alike: metadata (one broker leads every partition here), retries,
 * idempotence (issue 4 measured it free), compression.
 *
 * @module
 */

import { connect, type Socket } from "node:net";
import { encodeFrame, FrameReader } from "../../src/network/framing.ts";
import { readResponseHeader } from "../../src/protocol/header.ts";
import { Produce, type ProduceRequestPartition } from "../../src/protocol/produce.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { sealBatch, writeBatchHeader } from "../../src/protocol/record_batch.ts";
import { crc32c, crc32cReady } from "../../src/protocol/crc32c.ts";

/** Slab size (batch.size) and count (buffer.memory / batch.size). */
export const SLAB = 64 * 1024;
export const MAX_REQUEST = 1024 * 1024;
const MAX_IN_FLIGHT = 5;
const VERSION = 9;

/** A filled batch: its slab, partition, bytes used (header included), records, timestamps. */
export interface Filled {
  slab: number;
  partition: number;
  length: number;
  count: number;
  baseTs: number;
  maxTs: number;
}

/** Called with the slabs of every batch a response answered and how many of them failed. */
export type OnAcked = (slabs: number[], failed: number) => void;

/** The I/O half: seals, sends and reads answers; owns the connection. */
export class MiniSender {
  readonly #slabs: Uint8Array;
  readonly #topic: string;
  readonly #onAcked: OnAcked;
  readonly #socket: Socket;
  /** Batches handed over and not yet in a request, per partition in order. */
  readonly #queues: Filled[][] = [];
  /** Requests written and not answered: correlation id → their slabs. */
  readonly #inFlight = new Map<number, number[]>();
  #correlation = 0;
  #connected = false;

  private constructor(slabs: Uint8Array, host: string, port: number, topic: string, onAcked: OnAcked) {
    this.#slabs = slabs;
    this.#topic = topic;
    this.#onAcked = onAcked;
    const reader = new FrameReader({ onFrame: (f) => this.#answer(f), describe: () => `${host}:${port}` });
    this.#socket = connect({ host, port, noDelay: true });
    this.#socket.on("data", (chunk: Uint8Array) => reader.push(chunk));
    this.#socket.on("error", (e) => {
      console.error(`sender: ${e.message}`);
      process.exit(2);
    });
    this.#socket.on("connect", () => {
      this.#connected = true;
      this.#pump();
    });
  }

  /** A sender over `slabs` (a view of the shared slab memory), connecting to `host:port`. */
  static async open(slabs: Uint8Array, host: string, port: number, topic: string, onAcked: OnAcked): Promise<MiniSender> {
    await crc32cReady();
    return new MiniSender(slabs, host, port, topic, onAcked);
  }

  /** Takes filled batches (in their partitions' order). */
  submit(batches: readonly Filled[]): void {
    for (const b of batches) (this.#queues[b.partition] ??= []).push(b);
    this.#pump();
  }

  close(): void {
    this.#socket.destroy();
  }

  /** Writes requests while fewer than MAX_IN_FLIGHT are out and batches wait. */
  #pump(): void {
    if (!this.#connected) return;
    while (this.#inFlight.size < MAX_IN_FLIGHT) {
      const partitions: ProduceRequestPartition[] = [];
      const slabs: number[] = [];
      let bytes = 0;
      for (let p = 0; p < this.#queues.length; p++) {
        const q = this.#queues[p];
        const b = q?.[0];
        if (b === undefined || (bytes > 0 && bytes + b.length > MAX_REQUEST)) continue;
        q!.shift();
        const batch = this.#slabs.subarray(b.slab * SLAB, b.slab * SLAB + b.length);
        writeBatchHeader(batch, {
          attributes: 0, lastOffsetDelta: b.count - 1, baseTimestamp: b.baseTs, maxTimestamp: b.maxTs,
          producerId: -1n, producerEpoch: -1, baseSequence: -1, recordsCount: b.count,
        });
        sealBatch(batch, crc32c);
        partitions.push({ index: p, records: batch });
        slabs.push(b.slab);
        bytes += b.length;
      }
      if (partitions.length === 0) return;
      const correlationId = this.#correlation++;
      const frame = encodeFrame(Produce, { acks: -1, timeoutMs: 30_000, topics: [{ name: this.#topic, partitions }] }, {
        version: VERSION, correlationId, clientId: "worker-sender", sizeHint: bytes + 256,
      });
      this.#inFlight.set(correlationId, slabs);
      this.#socket.write(frame);
    }
  }

  #answer(frame: Uint8Array): void {
    const r = new Reader(frame);
    const id = readResponseHeader(r, Produce, VERSION);
    const response = Produce.decode(r, VERSION);
    let failed = 0;
    for (const t of response.topics) for (const p of t.partitions) if (p.errorCode !== 0) failed++;
    const slabs = this.#inFlight.get(id)!;
    this.#inFlight.delete(id);
    this.#onAcked(slabs, failed);
    this.#pump();
  }
}

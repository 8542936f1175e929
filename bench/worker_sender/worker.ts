/**
 * The experiment's I/O thread (`main.ts --threads 2`): a `MiniSender` over
 * the shared slabs. Batches arrive as messages of `Filled` descriptors (the
 * bytes are already in the shared memory); answered slabs go back the same
 * way.
 *
 * @module
 */

import { parentPort, workerData } from "node:worker_threads";
import { type Filled, MiniSender } from "./sender.ts";

const { memory, host, port, topic } = workerData as { memory: SharedArrayBuffer; host: string; port: number; topic: string };
const sender = await MiniSender.open(new Uint8Array(memory), host, port, topic, (slabs, failed) => parentPort!.postMessage({ slabs, failed }));
parentPort!.on("message", (m: { batches?: Filled[]; close?: true }) => {
  if (m.close) {
    sender.close();
    process.exit(0);
  }
  sender.submit(m.batches!);
});
parentPort!.postMessage({ ready: true });

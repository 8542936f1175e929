/**
 * Reads the record batches of a topic straight from the broker's log
 * segments with Kafka's own `DumpLogSegments` tool: what the broker stored
 * (compression codec, producer id, sequences, CRC validity), independently
 * of any client. Only for clusters `tests/kafka/kafka.sh` started (it needs
 * their data directories); returns null for another broker given by
 * `KAFKA_BOOTSTRAP`.
 */

import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { kafkaSh } from "./kafka.ts";

/** One batch line of `DumpLogSegments` output. */
export interface StoredBatch {
  partition: number;
  baseOffset: number;
  lastOffset: number;
  count: number;
  baseSequence: number;
  lastSequence: number;
  producerId: number;
  producerEpoch: number;
  isTransactional: boolean;
  /** "none", "gzip", … */
  compresscodec: string;
  isvalid: boolean;
  /** The batch's max timestamp. */
  createTime: number;
  /** Bytes of the stored batch (offset field included). */
  size: number;
  /** The segment file and the batch's byte position in it. */
  file: string;
  position: number;
}

/** The data directories of node `node` of a kafka.sh cluster (default `single`, node 1). */
function dataDir(cluster = "single", node = 1): string {
  const state = process.env.EDGEKAFKA_KAFKA_STATE ?? "/tmp/edgekafka-kafka";
  return join(state, cluster, `node${node}`, "data");
}

/** Whether `bootstrap` is the kafka.sh "single" cluster of this machine. */
function isLocalSingle(bootstrap: string): boolean {
  const env = join(process.env.EDGEKAFKA_KAFKA_STATE ?? "/tmp/edgekafka-kafka", "single", "cluster.env");
  if (!existsSync(env)) return false;
  const port = /^PORT_1=(\d+)$/m.exec(readFileSync(env, "utf8"))?.[1];
  return port !== undefined && bootstrap.split(",").some((b) => b.trim() === `127.0.0.1:${port}`);
}

/**
 * Every stored batch of `topic` (all partitions on that node), in partition
 * then offset order; null when the topic's log directories are not on this
 * machine (an external broker).
 */
export function dumpBatches(topic: string, o: { cluster?: string; node?: number } = {}): StoredBatch[] | null {
  const dir = dataDir(o.cluster, o.node);
  if (!existsSync(dir)) return null;
  if (process.env.KAFKA_BOOTSTRAP && !o.cluster && !isLocalSingle(process.env.KAFKA_BOOTSTRAP)) return null;
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    const m = /^(.*)-(\d+)$/.exec(entry);
    if (!m || m[1] !== topic) continue;
    for (const f of readdirSync(join(dir, entry))) if (f.endsWith(".log")) files.push(join(dir, entry, f));
  }
  if (files.length === 0) return null;
  const out = kafkaSh(["java", "org.apache.kafka.tools.DumpLogSegments", "--files", files.join(",")]);
  const batches: StoredBatch[] = [];
  let partition = -1;
  let file = "";
  for (const line of out.split("\n")) {
    const dumping = /^Dumping (.*-(\d+)\/\d+\.log)$/.exec(line);
    if (dumping) {
      file = dumping[1]!;
      partition = Number(dumping[2]);
      continue;
    }
    if (!line.startsWith("baseOffset:")) continue;
    const field = (name: string) => {
      const m = new RegExp(`(?:^| )${name}: (\\S+)`).exec(line);
      if (!m) throw new Error(`DumpLogSegments line without "${name}": ${line}`);
      return m[1]!;
    };
    batches.push({
      partition,
      baseOffset: Number(field("baseOffset")),
      lastOffset: Number(field("lastOffset")),
      count: Number(field("count")),
      baseSequence: Number(field("baseSequence")),
      lastSequence: Number(field("lastSequence")),
      producerId: Number(field("producerId")),
      producerEpoch: Number(field("producerEpoch")),
      isTransactional: field("isTransactional") === "true",
      compresscodec: field("compresscodec").toLowerCase(),
      isvalid: field("isvalid") === "true",
      createTime: Number(field("CreateTime")),
      size: Number(field("size")),
      file,
      position: Number(field("position")),
    });
  }
  return batches.sort((a, b) => a.partition - b.partition || a.baseOffset - b.baseOffset);
}

/** The bytes of a stored batch, as the broker keeps them on disk (the wire format). */
export function readStoredBatch(b: StoredBatch): Uint8Array {
  const out = new Uint8Array(b.size);
  const fd = openSync(b.file, "r");
  try {
    let at = 0;
    while (at < b.size) {
      const n = readSync(fd, out, at, b.size - at, b.position + at);
      if (n === 0) throw new Error(`${b.file} ends before byte ${b.position + b.size}`);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

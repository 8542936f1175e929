// The workloads and the clients of `npm run bench`, and how each client is started for a workload.
import { join } from "node:path";

/** Settings every workload shares (Java names). buffer.memory is the Java default, 32 MiB. */
export const COMMON = {
  acks: "all",
  lingerMs: 5,
  bufferMemory: 33554432,
  partitions: 6,
  replicationFactor: 1,
  throughput: -1,
};

/**
 * The workloads. `edgekafkaOnly` ones are the issue-3 (batch.size) and issue-4 (idempotence)
 * variants of (a). `quickRecords` is the count with --quick.
 */
export const WORKLOADS = [
  { id: "a", title: "(a) 1M × 100 B", records: 1_000_000, quickRecords: 100_000, recordSize: 100, batchSize: 65536, idempotence: true, compression: "none" },
  { id: "b", title: "(b) 200k × 1 KiB", records: 200_000, quickRecords: 20_000, recordSize: 1024, batchSize: 65536, idempotence: true, compression: "none" },
  { id: "c", title: "(c) 1M × 100 B, gzip", records: 1_000_000, quickRecords: 100_000, recordSize: 100, batchSize: 65536, idempotence: true, compression: "gzip" },
  { id: "a-16k", title: "(a) with batch.size 16 KiB", records: 1_000_000, quickRecords: 100_000, recordSize: 100, batchSize: 16384, idempotence: true, compression: "none", edgekafkaOnly: true },
  { id: "a-noidem", title: "(a) with idempotence off", records: 1_000_000, quickRecords: 100_000, recordSize: 100, batchSize: 65536, idempotence: false, compression: "none", edgekafkaOnly: true },
  // Issue 10: (a) against the secure cluster's SASL_SSL listener as alice (SCRAM-SHA-512; librdkafka: PLAIN, see SECURE).
  { id: "a-sasl", title: "(a) over SASL_SSL (SCRAM-SHA-512)", records: 1_000_000, quickRecords: 100_000, recordSize: 100, batchSize: 65536, idempotence: true, compression: "none", secure: true },
  // Issue 11: (c) with each of the other codecs, against the Java producer and librdkafka (KafkaJS has only gzip built in).
  { id: "c-snappy", title: "(c) 1M × 100 B, snappy", records: 1_000_000, quickRecords: 100_000, recordSize: 100, batchSize: 65536, idempotence: true, compression: "snappy", codecPeers: true },
  { id: "c-lz4", title: "(c) 1M × 100 B, lz4", records: 1_000_000, quickRecords: 100_000, recordSize: 100, batchSize: 65536, idempotence: true, compression: "lz4", codecPeers: true },
  { id: "c-zstd", title: "(c) 1M × 100 B, zstd", records: 1_000_000, quickRecords: 100_000, recordSize: 100, batchSize: 65536, idempotence: true, compression: "zstd", codecPeers: true },
  // Issue 13: latency at moderate load, every client paced to 100,000 records/s (Java's --throughput).
  { id: "a-100k", title: "(a) at 100,000 records/s", records: 1_000_000, quickRecords: 200_000, recordSize: 100, batchSize: 65536, idempotence: true, compression: "none", throughput: 100_000, codecPeers: true },
  // Issue 13: (d) 10M records through the backpressure API (the perf tool awaits producer.ready() while bufferFull);
  // (d′) the naive loop of send() calls, no backpressure (bench/naive_loop.mjs). Memory is the point of both.
  { id: "d", title: "(d) 10M × 100 B, backpressure API", records: 10_000_000, quickRecords: 1_000_000, recordSize: 100, batchSize: 65536, idempotence: true, compression: "none", edgekafkaOnly: true },
  { id: "d-naive", title: "(d′) 3M × 100 B, naive send() loop", records: 3_000_000, quickRecords: 300_000, recordSize: 100, batchSize: 65536, idempotence: true, compression: "none", edgekafkaOnly: true, naive: true },
];

/**
 * The credentials of the secure workloads: alice, who may write topics named "alice-…". Debian's
 * librdkafka 2.0.2 fails SCRAM against Kafka 4.4 ("invalid credentials", where edgekafka and the Java
 * client succeed with the same ones), so librdkafka authenticates with PLAIN on the same SASL_SSL
 * listener; after the handshake the two mechanisms cost the same (TLS carries every byte either way).
 */
export const SECURE = {
  topicPrefix: "alice-",
  javaProps: (ca) => [
    "security.protocol=SASL_SSL",
    "sasl.mechanism=SCRAM-SHA-512",
    'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";',
    "ssl.truststore.type=PEM",
    `ssl.truststore.location=${ca}`,
  ],
  rdkafkaProps: (ca) => ["security.protocol=sasl_ssl", "sasl.mechanisms=PLAIN", "sasl.username=alice", "sasl.password=alice-secret", `ssl.ca.location=${ca}`],
};

/** The bootstrap list a workload runs against. */
const bootstrapOf = (ctx, w) => (w.secure ? ctx.secure.bootstrap : ctx.bootstrap);

/** kafka-producer-perf-test.sh's JVM: KAFKA_HEAP_OPTS and kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS. */
export const JAVA_OPTS =
  "-Xmx512M -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 " +
  "-XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15";

/** Java producer properties of a workload (edgekafka's perf tool and ProducerPerformance). */
function javaProps(ctx, w) {
  return [
    `bootstrap.servers=${bootstrapOf(ctx, w)}`,
    `acks=${COMMON.acks}`,
    `enable.idempotence=${w.idempotence}`,
    `linger.ms=${COMMON.lingerMs}`,
    `batch.size=${w.batchSize}`,
    `buffer.memory=${COMMON.bufferMemory}`,
    `compression.type=${w.compression}`,
  ];
}

/** librdkafka properties of a workload (rdkafka_perf and kcat). */
function rdkafkaProps(ctx, w) {
  return [
    ...(w.secure ? SECURE.rdkafkaProps(ctx.secure.ca) : []),
    `acks=${COMMON.acks}`,
    `enable.idempotence=${w.idempotence}`,
    `linger.ms=${COMMON.lingerMs}`,
    `batch.size=${w.batchSize}`,
    `compression.codec=${w.compression}`,
    // buffer.memory's equivalent: the queue is bounded by bytes only, 32 MiB (the defaults are 1 GiB and 100k messages)
    `queue.buffering.max.kbytes=${COMMON.bufferMemory / 1024}`,
    "queue.buffering.max.messages=0",
  ];
}

function perfToolArgs(ctx, w, topic, records) {
  return [
    "--topic", topic, "--num-records", String(records), "--record-size", String(w.recordSize),
    "--throughput", String(w.throughput ?? COMMON.throughput),
    // The security settings in a properties file (ctx.secure.propsFile, SECURE.javaProps): a JAAS text has "=" in it,
    // which --command-property refuses, in ProducerPerformance as in ours.
    ...(w.secure ? ["--command-config", ctx.secure.propsFile] : []),
    "--command-property", ...javaProps(ctx, w),
  ];
}

/** bench/naive_loop.mjs and its arguments: the perf tool's settings as properties. */
function naiveArgs(ctx, w, topic, records) {
  return [
    "bench/naive_loop.mjs", "--bootstrap-server", ctx.bootstrap, "--topic", topic, "--num-records", String(records),
    "--record-size", String(w.recordSize), "--props", ...javaProps(ctx, w).filter((p) => !p.startsWith("bootstrap.servers=")),
  ];
}

function driverArgs(ctx, w, topic, records) {
  return [
    "--bootstrap-server", ctx.bootstrap, "--topic", topic, "--num-records", String(records),
    "--record-size", String(w.recordSize), "--idempotence", String(w.idempotence), "--compression", w.compression,
    "--batch-size", String(w.batchSize), "--buffer-memory", String(COMMON.bufferMemory),
    "--partitions", String(COMMON.partitions),
  ];
}

/**
 * The clients. `command(ctx, workload, topic, records)` → { cmd, args, env?, stdinFile? }.
 * `family` groups edgekafka's runtimes; `latency` is false where the tool reports none (kcat).
 */
export const CLIENTS = [
  {
    id: "bun", label: "edgekafka · Bun", family: "edgekafka", runtime: "bun", latency: true,
    command: (ctx, w, topic, n) => ({ cmd: ctx.paths.bun, args: w.naive ? naiveArgs(ctx, w, topic, n) : ["cli/producer_perf.ts", ...perfToolArgs(ctx, w, topic, n)] }),
  },
  {
    id: "deno", label: "edgekafka · Deno", family: "edgekafka", runtime: "deno", latency: true,
    command: (ctx, w, topic, n) => ({
      cmd: ctx.paths.deno,
      args: ["run", "--no-lock", "--allow-net", "--allow-read", ...(w.naive ? ["--allow-env", ...naiveArgs(ctx, w, topic, n)] : ["cli/producer_perf.ts", ...perfToolArgs(ctx, w, topic, n)])],
    }),
  },
  {
    id: "node", label: "edgekafka · Node", family: "edgekafka", runtime: "node", latency: true,
    command: (ctx, w, topic, n) => ({
      cmd: ctx.paths.node,
      args: w.naive ? [...naiveArgs(ctx, w, topic, n), "--root", join(ctx.outDir, "dist")] : [join(ctx.outDir, "dist/cli/producer_perf.js"), ...perfToolArgs(ctx, w, topic, n)],
    }),
  },
  {
    id: "java", label: "Java producer", family: "java", latency: true,
    command: (ctx, w, topic, n) => ({
      cmd: "bash",
      args: ["tests/kafka/kafka.sh", "java", "org.apache.kafka.tools.ProducerPerformance", ...perfToolArgs(ctx, w, topic, n)],
      env: { EDGEKAFKA_JAVA_OPTS: JAVA_OPTS },
    }),
  },
  {
    id: "librdkafka", label: "librdkafka (C)", family: "librdkafka", latency: true,
    command: (ctx, w, topic, n) => ({
      cmd: join(ctx.outDir, "rdkafka_perf"),
      args: [
        "--bootstrap-server", bootstrapOf(ctx, w), "--topic", topic, "--num-records", String(n),
        "--record-size", String(w.recordSize), ...(w.throughput ? ["--throughput", String(w.throughput)] : []),
        ...rdkafkaProps(ctx, w).flatMap((p) => ["-X", p]),
      ],
    }),
  },
  {
    id: "kcat", label: "kcat -P", family: "librdkafka", latency: false,
    command: (ctx, w, topic, n) => ({
      cmd: "kcat",
      args: ["-P", "-b", ctx.bootstrap, "-t", topic, ...rdkafkaProps(ctx, w).flatMap((p) => ["-X", p])],
      stdinFile: ctx.payloadFile(w.recordSize, n),
    }),
  },
  {
    id: "kafkajs", label: "KafkaJS · Node", family: "kafkajs", latency: true,
    command: (ctx, w, topic, n) => ({ cmd: ctx.paths.node, args: ["bench/peers/kafkajs_perf.mjs", ...driverArgs(ctx, w, topic, n)] }),
  },
  {
    id: "platformatic", label: "@platformatic/kafka · Bun", family: "platformatic", latency: true,
    command: (ctx, w, topic, n) => ({ cmd: ctx.paths.bun, args: ["bench/peers/platformatic_perf.mjs", ...driverArgs(ctx, w, topic, n)] }),
  },
];

/** A workload's title with the record count it ran with (--quick runs fewer). */
export function workloadTitle(results, w) {
  const n = results.settings?.workloads?.find((x) => x.id === w.id)?.records ?? w.records;
  if (n === w.records) return w.title;
  const count = n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n);
  return w.title.replace(/^\((\S+)\) \S+/, `($1) ${count}`);
}

/** Which clients run a workload (the secure one and the other codecs': edgekafka, Java and librdkafka's perf driver). */
export function clientsFor(w, clients) {
  if (w.secure || w.codecPeers) return clients.filter((c) => c.family === "edgekafka" || c.id === "java" || c.id === "librdkafka");
  return clients.filter((c) => !w.edgekafkaOnly || c.family === "edgekafka");
}

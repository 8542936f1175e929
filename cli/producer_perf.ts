#!/usr/bin/env node
/**
 * `edgekafka-producer-perf-test`: measures producer throughput and latency
 * with the options and output of Kafka's `kafka-producer-perf-test`
 * (`ProducerPerformance`). The tool is `cli/tools/producer_perf.ts`; this file
 * only binds it to the runtime.
 *
 * @example Running it
 * ```sh
 * bun cli/producer_perf.ts --topic t --num-records 1000000 --record-size 100 --throughput -1 \
 *   --producer-props bootstrap.servers=127.0.0.1:9092 acks=all linger.ms=5 batch.size=65536
 * deno run --no-lock --allow-net --allow-read cli/producer_perf.ts --topic t --num-records 1000 --record-size 100 --throughput -1 --bootstrap-server 127.0.0.1:9092
 * node dist/cli/producer_perf.js --topic t --num-records 1000 --record-size 100 --throughput -1 --bootstrap-server 127.0.0.1:9092
 * ```
 *
 * @module
 */

import "../mod.ts"; // registers the runtime's defaults (socket adapter, native codecs)
import { autoConnect } from "../runtime/auto.ts";
import { exitProcess, runtimeIo } from "./tools/runtime_io.ts";
import { runPerfTest } from "./tools/producer_perf.ts";

const io = await runtimeIo();
let code: number;
try {
  code = await runPerfTest({ io, producerOptions: { connect: autoConnect } });
} catch (error) {
  io.stderr(`edgekafka-producer-perf-test: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  code = 1;
}
await io.flush();
exitProcess(code);

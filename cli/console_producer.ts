#!/usr/bin/env node
/**
 * `edgekafka-console-producer`: reads lines from standard input and sends
 * each as a record, like Kafka's `kafka-console-producer`. The tool is
 * `cli/tools/console_producer.ts`; this file only binds it to the runtime.
 *
 * @example Running it
 * ```sh
 * printf 'k1\tv1\nk2\tv2\n' | bun cli/console_producer.ts --bootstrap-server 127.0.0.1:9092 --topic t --property parse.key=true
 * printf 'hello\n' | deno run --no-lock --allow-net --allow-read cli/console_producer.ts --bootstrap-server 127.0.0.1:9092 --topic t
 * printf 'hello\n' | node dist/cli/console_producer.js --bootstrap-server 127.0.0.1:9092 --topic t
 * ```
 *
 * @module
 */

import "../mod.ts"; // registers the runtime's defaults (socket adapter, native codecs)
import { autoConnect } from "../runtime/auto.ts";
import { exitProcess, runtimeIo } from "./tools/runtime_io.ts";
import { runConsoleProducer } from "./tools/console_producer.ts";

const io = await runtimeIo();
let code: number;
try {
  code = await runConsoleProducer({ io, producerOptions: { connect: autoConnect } });
} catch (error) {
  io.stderr(`edgekafka-console-producer: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  code = 1;
}
await io.flush();
exitProcess(code);

/**
 * What the packaging tests run as a user of the package would: a producer
 * script (plain JavaScript, so Node 20 runs it as it is) importing the
 * library by `specifier`, and a strict TypeScript consumer for tsc.
 */

import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { expect } from "bun:test";
import { kcatRead, text } from "../helpers/kafka.ts";

/** Records each producer script sends. */
export const RECORDS = 20;

/**
 * A script that imports `Producer` from `specifier`, sends {@linkcode RECORDS}
 * records (Java-named and camelCase options mixed) to the topic in its
 * arguments (bootstrap, topic, label) and prints each one's metadata as JSON.
 */
export function producerScript(specifier: string): string {
  return `import { Producer } from ${JSON.stringify(specifier)};
const [bootstrap, topic, label] = globalThis.Deno?.args ?? process.argv.slice(2);
const producer = new Producer({ "bootstrap.servers": bootstrap, lingerMs: 5, "compression.type": "gzip", maxBlockMs: 20000 });
try {
  const sent = await Promise.all(Array.from({ length: ${RECORDS} }, (_, i) =>
    producer.send({ topic, key: label + "-" + i, value: "value-" + i + "-" + "x".repeat(200) })));
  console.log(JSON.stringify(sent.map((m) => [m.partition, Number(m.offset)])));
} finally {
  await producer.close();
}
`;
}

/** A strict consumer: both key styles, `ProducerOptions` variables, `await using`, a refused key. */
export const CONSUMER_TS = `import { Producer, type ProducerOptions, type RecordMetadata } from "@edgekafka/producer";
import { platform } from "@edgekafka/producer/node";

const camel: ProducerOptions = { bootstrapServers: ["127.0.0.1:9092"], lingerMs: 5, acks: "all" };
const java: ProducerOptions = { "bootstrap.servers": "127.0.0.1:9092", "linger.ms": "5", "enable.idempotence": true };
const mixed: ProducerOptions = { "bootstrap.servers": "127.0.0.1:9092", compressionType: "gzip", platform };
// @ts-expect-error: an unknown key is refused by the types as by the run time
const wrong: ProducerOptions = { bootstrapServers: "127.0.0.1:9092", "linger.msx": 5 };

export async function main(): Promise<RecordMetadata> {
  await using producer = new Producer(camel);
  await using second = new Producer(java);
  await using typed = new Producer({ ...mixed, valueSerializer: (v: { n: number }) => JSON.stringify(v) });
  void [second, wrong];
  await typed.send({ topic: "t", value: { n: 1 } });
  return producer.send({ topic: "t", key: "k", value: "v" });
}
`;

/** The consumer's tsconfig: strict and stricter, declarations of the package checked too. */
export const CONSUMER_TSCONFIG = JSON.stringify({
  compilerOptions: {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2023", "DOM", "ESNext.Disposable"],
    types: [],
    noEmit: true,
    skipLibCheck: false,
  },
  files: ["consumer.ts"],
});

/** Runs a command, failing the test with its output if it fails. */
export function must(cmd: string, args: string[], cwd: string, timeout = 180_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, NO_COLOR: "1" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Checks a producer script's output against what kcat reads from its topic. */
export function expectProduced(stdout: string, bootstrap: string, topic: string, label: string): void {
  const sent = JSON.parse(stdout.trim().split("\n").at(-1)!) as Array<[number, number]>;
  expect(sent.map(([, offset]) => offset).sort((a, b) => a - b)).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
  const read = kcatRead(bootstrap, topic);
  expect(read.map((r) => [r.partition, r.offset, text(r.key), text(r.value)])).toEqual(
    sent.map(([p, o], i) => [p, o, `${label}-${i}`, `value-${i}-${"x".repeat(200)}`]).sort((a, b) => (a[1] as number) - (b[1] as number)),
  );
}

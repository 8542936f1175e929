// Cold start of a peer client, for bench/cold_start.ts: `--runs` times, a new producer (idempotent,
// acks=all, as edgekafka's defaults) sends one record and is closed; prints one JSON line with the ms
// from constructing the client to the first acknowledgement of each run.
//
//   node bench/peers/cold_start.mjs --client kafkajs --bootstrap B --topic T --runs 5
//   bun  bench/peers/cold_start.mjs --client platformatic --bootstrap B --topic T --runs 5
//
// KafkaJS: new Kafka() → producer({ idempotent }) → connect() → send() (connect() is part of the clock:
// a KafkaJS producer cannot send before it). @platformatic/kafka: new Producer() → send() (it connects
// on demand); it needs Node >= 22.22, so, as in `npm run bench`, it runs on Bun.
const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= args.length) throw new Error(`Missing --${name}`);
  return args[i + 1];
};
const client = arg("client");
const bootstrap = arg("bootstrap");
const topic = arg("topic");
const runs = Number(arg("runs"));

let start;
if (client === "kafkajs") {
  const { Kafka, logLevel } = await import("kafkajs");
  start = async (run) => {
    const kafka = new Kafka({ clientId: "cold-start", brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: `run ${run}` }] });
    return () => producer.disconnect();
  };
} else if (client === "platformatic") {
  const { Producer } = await import("@platformatic/kafka");
  start = async (run) => {
    const producer = new Producer({ clientId: "cold-start", bootstrapBrokers: [bootstrap], idempotent: true, acks: -1, autocreateTopics: false });
    await producer.send({ messages: [{ topic, value: Buffer.from(`run ${run}`) }] });
    return () => producer.close();
  };
} else {
  throw new Error(`Unknown --client ${client} (kafkajs, platformatic)`);
}

const elapsedMs = [];
for (let run = 0; run < runs; run++) {
  const t0 = performance.now();
  const close = await start(run);
  elapsedMs.push(Math.round(performance.now() - t0));
  await close();
}
console.log(JSON.stringify({ elapsedMs }));

// @platformatic/kafka under ProducerPerformance's workload (see perf_driver.mjs for how it is driven
// and measured). It needs Node >= 22.22 (engines); the machine has Node 20, so the bench runs it on Bun:
//
//   bun bench/peers/platformatic_perf.mjs --bootstrap-server B --topic T --num-records N --record-size S
//     [--idempotence true|false] [--compression none|gzip] [--batch-size 65536] [--buffer-memory 33554432]
//
// @platformatic/kafka has no linger.ms, batch.size or buffer.memory: one producer.send({ messages })
// becomes one Produce request per broker, holding one batch per partition. Settings used: acks=-1 (all),
// `idempotent` (which makes the client force maxInflights=1 per connection, acks=all, retries=MAX),
// otherwise maxInflights left at its default (5), compression "gzip" (zlib, asynchronous) or "none",
// autocreateTopics false, the default (round-robin for keyless records) partitioner, Buffer values with
// the default (pass-through) serializers.
import { Producer } from "@platformatic/kafka";
import { runDriver } from "./perf_driver.mjs";

const client = {
  name: "platformatic-kafka",
  async open(o) {
    const producer = new Producer({
      clientId: "platformatic-perf",
      bootstrapBrokers: [o.bootstrap],
      idempotent: o.idempotence,
      acks: -1,
      compression: o.compression === "gzip" ? "gzip" : "none",
      autocreateTopics: false,
    });
    // Connect and fetch metadata before the clock starts (KafkaJS does the same in connect()).
    await producer.metadata({ topics: [o.topic] });
    return {
      send: (values) => producer.send({ messages: values.map((value) => ({ topic: o.topic, value })) }),
      close: () => producer.close(),
    };
  },
};

process.exitCode = await runDriver(client, process.argv.slice(2));

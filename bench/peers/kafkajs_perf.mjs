// KafkaJS under ProducerPerformance's workload (see perf_driver.mjs for how it is driven and measured).
//
//   node bench/peers/kafkajs_perf.mjs --bootstrap-server B --topic T --num-records N --record-size S
//     [--idempotence true|false] [--compression none|gzip] [--batch-size 65536] [--buffer-memory 33554432]
//
// KafkaJS has no linger.ms, batch.size or buffer.memory: one producer.send({ topic, acks, compression,
// messages }) becomes one Produce request per broker, holding one batch per partition. Settings used:
// acks=-1 (all), `idempotent` (KafkaJS marks it experimental; it allows one in-flight Produce per broker),
// retries left at KafkaJS's default for each mode, maxInFlightRequests left unlimited (the default),
// compression CompressionTypes.GZIP (Node's zlib, asynchronous) or None, allowAutoTopicCreation false,
// logging off. The default partitioner spreads keyless records round-robin over the partitions.
import { CompressionTypes, Kafka, logLevel } from "kafkajs";
import { runDriver } from "./perf_driver.mjs";

const client = {
  name: "kafkajs",
  async open(o) {
    const kafka = new Kafka({ clientId: "kafkajs-perf", brokers: [o.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: o.idempotence, allowAutoTopicCreation: false });
    await producer.connect();
    const compression = o.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
    return {
      send: (values) =>
        producer.send({ topic: o.topic, acks: -1, compression, messages: values.map((value) => ({ value })) }),
      close: () => producer.disconnect(),
    };
  },
};

process.exitCode = await runDriver(client, process.argv.slice(2));

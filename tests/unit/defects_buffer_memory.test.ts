/**
 * Hardening, defect 3, as a property: after any mix of aborts, failures and
 * expiries, `buffer-available-bytes` returns to `buffer.memory`. Each seed
 * builds a producer with little memory over the in-memory cluster
 * (`support/fake_cluster.ts`) and a random script: sends of random sizes in
 * bursts, some with an `AbortSignal` that fires while they wait; Produce
 * requests answered with success, retriable and fatal errors,
 * MESSAGE_TOO_LARGE (a split), in request order per connection as a broker
 * does, some late (past `request.timeout.ms`: the connection closes) or
 * never; `max.block.ms` and `delivery.timeout.ms`
 * small enough to expire; a `flush()` now and then; transactions (on a
 * third of the seeds) ended by an abort or a commit while records still wait
 * for memory, AddPartitionsToTxn failing now and then; and a graceful or a
 * forced close. Every send must settle exactly once, and the pool must be
 * whole once everything settled and again after close.
 *
 * The seeds run side by side (each producer has its own cluster).
 * `EDGEKAFKA_PROPERTY_SEED=N` runs only seed N, to replay a failure.
 */
import { describe, expect, test } from "bun:test";
import { Producer } from "../../mod.ts";
import { FakeCluster, type ProduceAnswer, type ProduceRequestSeen, success } from "./support/fake_cluster.ts";
import { seededRandom } from "./support/producer.ts";

const SEEDS = process.env.EDGEKAFKA_PROPERTY_SEED !== undefined
  ? [Number(process.env.EDGEKAFKA_PROPERTY_SEED)]
  : Array.from({ length: 24 }, (_, i) => 1 + i * 7);
const MEMORY = 32 * 1024;
const BATCH = 4 * 1024;
const PARTITIONS = 3;
const TOPIC = "defect-3";
/** Broker error codes a Produce answer may carry: retriable ones, fatal ones, and MESSAGE_TOO_LARGE (split). */
const RETRIABLE = [2, 6, 7, 19];
const FATAL = [29, 87];
const MESSAGE_TOO_LARGE = 10;
/** AddPartitionsToTxn errors: TOPIC_AUTHORIZATION_FAILED (the transaction must abort), CONCURRENT_TRANSACTIONS (retried). */
const ADD_PARTITIONS_ERRORS = [29, 51];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What one seed came to: the problems found (none is a pass). */
async function runSeed(seed: number): Promise<string[]> {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const problems: string[] = [];
  const requestTimeoutMs = 60 + int(60);
  const lingerMs = int(6);
  const cluster = new FakeCluster({ topics: { [TOPIC]: Array.from({ length: PARTITIONS }, () => ({ leader: 1 + int(2) })) }, brokers: 2 });
  const late: Array<ReturnType<typeof setTimeout>> = [];
  /** When each connection's last answer goes out (Infinity: never): a broker answers in request order. */
  const lastAnswer = new Map<object, number>();
  cluster.onProduce = (request: ProduceRequestSeen): ProduceAnswer | undefined => {
    const roll = random();
    const each = (code: number): ProduceAnswer => ({
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ index: p.index, errorCode: code })) })),
    });
    const answer = roll < 0.5
      ? success(request)
      : roll < 0.62
      ? each(RETRIABLE[int(RETRIABLE.length)]!)
      : roll < 0.68
      ? each(FATAL[int(FATAL.length)]!)
      : roll < 0.74
      ? each(MESSAGE_TOO_LARGE)
      : success(request);
    // Late answers come now and then after the request timed out (its connection is closed by then);
    // a request never answered times out.
    const delay = roll < 0.74 ? 0 : roll < 0.9 ? int(requestTimeoutMs * 2) : Infinity;
    // Connections to a broker follow one another: the newest is the one this request came on.
    const port = cluster.addresses.get(request.node)!.port;
    const socket = cluster.sockets.filter((s) => s.port === port).at(-1)!.socket;
    const now = Date.now();
    const due = Math.max(lastAnswer.get(socket) ?? 0, now + delay);
    lastAnswer.set(socket, due);
    if (due === now) return answer;
    if (due !== Infinity) late.push(setTimeout(() => request.respond(answer), due - now));
    return undefined;
  };
  // A third of the seeds are transactional: their rounds end with an abort or a commit.
  const transactional = random() < 0.35;
  cluster.onAddPartitions = () => (random() < 0.1 ? ADD_PARTITIONS_ERRORS[int(ADD_PARTITIONS_ERRORS.length)]! : 0);
  const producer = new Producer({
    bootstrapServers: cluster.bootstrap,
    connect: cluster.connect,
    bufferMemory: MEMORY,
    batchSize: BATCH,
    lingerMs,
    ...(transactional
      ? { transactionalId: `defect-3-${seed}` }
      : random() < 0.5
      ? { enableIdempotence: true }
      : { enableIdempotence: false, acks: random() < 0.5 ? 1 : -1 }),
    maxBlockMs: 20 + int(80),
    requestTimeoutMs,
    deliveryTimeoutMs: lingerMs + requestTimeoutMs + int(200),
    transactionTimeoutMs: 60_000,
    retryBackoffMs: 2,
    retryBackoffMaxMs: 20,
    reconnectBackoffMs: 2,
    reconnectBackoffMaxMs: 20,
  });
  const bound = 5000;
  /** Waits for `p` at most `bound` ms; a problem if it does not settle by then. */
  const bounded = async (p: Promise<unknown>, what: string): Promise<void> => {
    const settledInTime = await Promise.race([p.then(() => true, () => true), sleep(bound).then(() => false)]);
    if (!settledInTime) problems.push(`${what} did not return within ${bound} ms`);
  };
  if (transactional) {
    // A transactional producer waits for its producer id within max.block.ms: retry until it has one.
    let ready = false;
    for (let i = 0; i < 50 && !ready; i++) ready = await producer.initTransactions().then(() => true, () => false);
    if (!ready) return [`seed ${seed}: initTransactions never succeeded`];
  }
  // Most seeds start with the topic's metadata at hand; the others' first sends wait for it.
  if (random() < 0.8) await producer.partitionsFor(TOPIC).catch(() => {});
  let sends = 0;
  let settled = 0;
  let twice = 0;
  const all: Promise<void>[] = [];
  const value = new Uint8Array(3000).fill(0x76);
  const rounds = transactional ? 2 + int(3) : 1;
  for (let round = 0; round < rounds; round++) {
    if (transactional) producer.beginTransaction();
    const count = (transactional ? 60 : 150) + int(150);
    for (let i = 0; i < count; i++) {
      sends++;
      const controller = random() < 0.15 ? new AbortController() : null;
      let times = 0;
      all.push(new Promise<void>((resolve) => {
        const settle = () => {
          if (++times > 1) return void twice++;
          settled++;
          resolve();
        };
        const record = { topic: TOPIC, partition: random() < 0.3 ? int(PARTITIONS) : undefined, value: value.subarray(0, 50 + int(2950)) };
        producer.send(record, { signal: controller?.signal }).then(settle, settle);
      }));
      if (controller !== null) setTimeout(() => controller.abort(new Error("the caller gave up")), int(100));
      if (random() < 0.1) await sleep(int(20));
      if (random() < 0.02) void producer.flush();
    }
    if (!transactional) break;
    // Ended while records still wait for memory (or soon after): the abort of defect 3.
    await sleep(int(60));
    if (random() < 0.6) await bounded(producer.abortTransaction(), `abortTransaction (round ${round})`);
    else {
      let committed = false;
      await bounded(producer.commitTransaction().then(() => void (committed = true)), `commitTransaction (round ${round})`);
      if (!committed) await bounded(producer.abortTransaction(), `abortTransaction after a failed commit (round ${round})`);
    }
  }
  const forced = random() < 0.3;
  if (forced) await sleep(int(100));
  else {
    const done = await Promise.race([Promise.all(all).then(() => true), sleep(bound).then(() => false)]);
    if (!done) problems.push(`${sends - settled} of ${sends} sends did not settle within ${bound} ms`);
    // Expired in-flight batches keep their slab until their answer or the connection's close.
    for (let i = 0; i < 100 && producer.metrics()["buffer-available-bytes"] !== MEMORY; i++) await sleep(10);
    const available = producer.metrics()["buffer-available-bytes"];
    if (available !== MEMORY) problems.push(`buffer-available-bytes ${available} of ${MEMORY} once every send settled`);
  }
  await Promise.race([producer.close(forced ? { timeoutMs: 0 } : {}), sleep(bound)]);
  const done = await Promise.race([Promise.all(all).then(() => true), sleep(bound).then(() => false)]);
  if (!done) problems.push(`${sends - settled} of ${sends} sends did not settle after close`);
  if (twice > 0) problems.push(`${twice} sends settled twice`);
  const after = producer.metrics()["buffer-available-bytes"];
  if (after !== MEMORY) problems.push(`buffer-available-bytes ${after} of ${MEMORY} after ${forced ? "a forced" : "a"} close`);
  for (const t of late) clearTimeout(t);
  return problems.map((p) => `seed ${seed}: ${p}`);
}

describe("defect 3: buffer memory after any mix of aborts, failures and expiries", () => {
  test(`buffer-available-bytes returns to buffer.memory (seeds ${SEEDS.join(", ")})`, async () => {
    const problems = (await Promise.all(SEEDS.map(runSeed))).flat();
    expect(problems).toEqual([]);
  }, 60_000);
});

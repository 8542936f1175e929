// Workload (d′) of issue 13: the plain loop every Kafka tutorial shows, on the public API, with no
// backpressure —
//
//   for (let i = 0; i < n; i++) producer.send({ topic, value: payloads[i % 1000] }, callback);
//
// — so records that find no room in buffer.memory wait in the producer's queue. What that costs in
// memory is the point (npm run bench reports the process's peak RSS); it prints the perf tool's final
// line so the bench reads it like the others. Payloads: 1000 × record-size random uppercase letters
// (the perf tool's generator).
// Latency is sampled (every 100th record gets its own callback; the rest share one).
//
//   bun  bench/naive_loop.mjs --bootstrap-server H:P --topic T --num-records N --record-size S [--props k=v ...]
//   deno run --no-lock --allow-net --allow-read --allow-env bench/naive_loop.mjs ...
//   node bench/naive_loop.mjs --root bench/out/dist ...      (a tsc build of the library: ROOT/mod.js)
const isNode = typeof globalThis.Deno === "undefined" && typeof globalThis.Bun === "undefined";
const argv = globalThis.Deno ? Deno.args : process.argv.slice(2);
const opt = { root: new URL("..", import.meta.url).pathname, props: {} };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--props") {
    while (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
      const p = argv[++i];
      const eq = p.indexOf("=");
      opt.props[p.slice(0, eq)] = p.slice(eq + 1);
    }
  } else opt[a.replace(/^--/, "")] = argv[++i];
}
const { Producer } = await import(`${opt.root}/mod.${isNode ? "js" : "ts"}`);
const n = Number(opt["num-records"]);
const size = Number(opt["record-size"]);
const topic = opt.topic;

// The letters of Java's perf tool (SplittableRandom(0)), as the other clients' payloads.
const { JavaSplittableRandom } = await import(`${opt.root}/cli/tools/random.${isNode ? "js" : "ts"}`);
const random = new JavaSplittableRandom();
const payloads = Array.from({ length: 1000 }, () => {
  const p = new Uint8Array(size);
  random.fillLetters(p);
  return p;
});

const producer = Producer.fromProperties({ "bootstrap.servers": opt["bootstrap-server"], ...opt.props });
let acked = 0;
let failed = 0;
let firstError = null;
const callback = (error) => {
  if (error === null) acked++;
  else {
    failed++;
    firstError ??= error;
  }
};
const latencies = [];
const sampled = (start) => (error) => {
  callback(error);
  if (error === null) latencies.push(Date.now() - start);
};

const start = Date.now();
for (let i = 0; i < n; i++) {
  if (i % 100 === 0) producer.send({ topic, value: payloads[i % 1000] }, sampled(Date.now()));
  else producer.send({ topic, value: payloads[i % 1000] }, callback);
}
await producer.close();
const elapsed = (Date.now() - start) / 1000;
if (failed > 0) console.error(`naive_loop: ${failed} of ${n} records failed; the first: ${firstError?.message}`);
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
const avg = latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length);
const rate = acked / elapsed;
console.log(
  `${acked} records sent, ${rate.toFixed(1)} records/sec (${((rate * size) / 1024 / 1024).toFixed(2)} MB/sec), ` +
    `${avg.toFixed(2)} ms avg latency, ${(latencies.at(-1) ?? 0).toFixed(1)} ms max latency, ` +
    `${at(0.5)} ms 50th, ${at(0.95)} ms 95th, ${at(0.99)} ms 99th, ${at(0.999)} ms 99.9th.`,
);
(globalThis.Deno ? Deno : process).exit(failed > 0 ? 1 : 0);

// The RSS baseline for issue 3: a runtime with edgekafka loaded and a producer connected but idle.
//
//   bun  bench/idle_producer.mjs BOOTSTRAP TOPIC [key=value ...]
//   deno run --no-lock --allow-net --allow-read bench/idle_producer.mjs BOOTSTRAP TOPIC [key=value ...]
//   node bench/idle_producer.mjs BOOTSTRAP TOPIC [key=value ...]      (uses the build in bench/out/dist)
//
// Builds the producer the way the perf tool does (Producer.fromProperties with the same properties and
// the runtime's socket adapter), sends one record and waits for its acknowledgement (so the bootstrap
// and leader connections, metadata and the idempotent producer id are all set up), then stays idle for
// 3 s and prints one JSON line with its own RSS. The bench reads the peak RSS of the whole process
// from /usr/bin/time, the same way as for the benchmark runs.
const isNode = typeof globalThis.Deno === "undefined" && typeof globalThis.Bun === "undefined";
const base = isNode ? "./out/dist/" : "../";
const ext = isNode ? ".js" : ".ts";
const { Producer } = await import(`${base}mod${ext}`);
const { autoConnect } = await import(`${base}runtime/auto${ext}`);

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const [bootstrap, topic, ...props] = args;
const properties = { "bootstrap.servers": bootstrap };
for (const kv of props) {
  const at = kv.indexOf("=");
  properties[kv.slice(0, at)] = kv.slice(at + 1);
}
const producer = Producer.fromProperties(properties, { connect: autoConnect });
await producer.send({ topic, value: "idle-baseline" });
await new Promise((resolve) => setTimeout(resolve, 3000));
const rss = globalThis.Deno ? Deno.memoryUsage().rss : process.memoryUsage().rss;
console.log(JSON.stringify({ rssBytes: rss }));
await producer.close();

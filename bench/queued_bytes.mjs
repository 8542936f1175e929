// What a record waiting in the send queue costs: sends N records (100-byte values, one shared
// payload and one shared callback, as the naive loop in issue 13) to a producer whose broker never
// answers, so every record waits for metadata, and prints the heap + array-buffer growth per record.
//
//   bun  bench/queued_bytes.mjs [N] [ROOT]
//   deno run --no-lock --allow-read --allow-env --v8-flags=--expose-gc bench/queued_bytes.mjs [N] [ROOT]
//   node --expose-gc bench/queued_bytes.mjs [N] [ROOT]      (ROOT holds a tsc build: ROOT/mod.js)
// ROOT (default: this repository) lets the same script measure another checkout.
const isNode = typeof globalThis.Deno === "undefined" && typeof globalThis.Bun === "undefined";
const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const n = Number(args[0] ?? 1_000_000);
const root = args[1] ?? new URL("..", import.meta.url).pathname;
const { Producer } = await import(`${root}/mod.${isNode ? "js" : "ts"}`);

const gc = async () => {
  // Twice, around a turn of the event loop: garbage of the loop (and of the columns' growth) goes.
  for (let i = 0; i < 2; i++) {
    if (globalThis.Bun) globalThis.Bun.gc(true);
    else globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const used = () => {
  const m = globalThis.Deno ? Deno.memoryUsage() : process.memoryUsage();
  // V8 (Node, Deno) keeps array-buffer bytes outside heapUsed, in external; Bun's heapUsed includes them.
  return globalThis.Bun ? m.heapUsed : m.heapUsed + m.external;
};

// A broker that never completes its connection: metadata never comes, every record waits.
const connect = () => new Promise(() => {});
const producer = new Producer({ bootstrapServers: ["127.0.0.1:1"], connect, maxBlockMs: 3_600_000 });
const payload = new Uint8Array(100).fill(7);
const record = { topic: "queued-bytes", value: payload };
let settled = 0;
const callback = () => void settled++;
for (let i = 0; i < 1000; i++) producer.send(record, callback); // warm up the paths and the queue
await gc();
const before = used();
for (let i = 0; i < n; i++) producer.send({ topic: "queued-bytes", value: payload }, callback);
await gc();
const after = used();
const perRecord = (after - before) / n;
console.log(JSON.stringify({
  runtime: globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node",
  records: n,
  bytesPerRecord: Math.round(perRecord),
  beyondValueBytes: Math.round(perRecord - payload.length),
  queued: producer.metrics()["record-send-total"] ?? null,
}));
await producer.close({ timeoutMs: 0 });
console.log(JSON.stringify({ settledAfterClose: settled }));
(globalThis.Deno ? Deno : process).exit(0);

// Where a perf-tool run's memory goes: runs edgekafka's perf tool in-process (same arguments as
// cli/producer_perf.ts) while sampling the runtime's memory every 20 ms, then prints, on stderr, the
// sample with the highest RSS and the highest value of each field (MiB).
//
//   bun  bench/mem_probe.mjs --topic T --num-records N --record-size S --throughput -1 --command-property ...
//   deno run --no-lock --allow-net --allow-read bench/mem_probe.mjs ...
//   node bench/mem_probe.mjs ...            (uses the build in bench/out/dist)
const isNode = typeof globalThis.Deno === "undefined" && typeof globalThis.Bun === "undefined";
const base = isNode ? "./out/dist/" : "../";
const ext = isNode ? ".js" : ".ts";
const { autoConnect } = await import(`${base}runtime/auto${ext}`);
const { runtimeIo } = await import(`${base}cli/tools/runtime_io${ext}`);
const { runPerfTest } = await import(`${base}cli/tools/producer_perf${ext}`);

const usage = () => {
  const m = globalThis.Deno ? Deno.memoryUsage() : process.memoryUsage();
  return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers ?? null };
};
const mib = (x) => (x === null || x === undefined ? null : Math.round((x / 1048576) * 10) / 10);
let atPeakRss = usage();
const max = { ...atPeakRss };
const timer = setInterval(() => {
  const u = usage();
  if (u.rss > atPeakRss.rss) atPeakRss = u;
  for (const k of Object.keys(u)) if (u[k] !== null && u[k] > (max[k] ?? 0)) max[k] = u[k];
}, 20);
const io = await runtimeIo();
const code = await runPerfTest({ io, producerOptions: { connect: autoConnect } });
clearInterval(timer);
await io.flush();
const show = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, mib(v)]));
console.error(JSON.stringify({ atPeakRssMiB: show(atPeakRss), maxMiB: show(max) }));
(globalThis.Deno ? Deno : process).exit(code);

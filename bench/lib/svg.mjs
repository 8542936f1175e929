// A hand-written SVG bar chart of a benchmark result: one panel per workload, one horizontal bar per
// client (median records/s, with a thin line from the slowest to the fastest run), and a panel for
// edgekafka's issue-3/issue-4 variants of workload (a). No chart library.
import { CLIENTS, WORKLOADS, workloadTitle } from "./clients.mjs";

const COLORS = {
  bun: "#1e40af", deno: "#2563eb", node: "#60a5fa",
  java: "#ea580c", librdkafka: "#15803d", kcat: "#86c99a", kafkajs: "#9333ea", platformatic: "#6b7280",
};

const WIDTH = 960;
const LABEL_X = 16;
const BAR_X = 250;
const BAR_W = 600;
const ROW = 22;
const BAR_H = 15;

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const rate = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${Math.round(x / 1e3)} k` : `${Math.round(x)}`);

/** A "nice" axis step (1, 2 or 5 × 10^n) giving about 5 gridlines up to `max`. */
function niceStep(max) {
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function panel(title, rows, y0) {
  // rows: [{ label, color, value, min, max, note }]
  const parts = [];
  const max = Math.max(1, ...rows.map((r) => Math.max(r.value ?? 0, r.max ?? 0)));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const scale = (v) => (v / top) * BAR_W;
  parts.push(`<text x="${LABEL_X}" y="${y0 + 16}" class="title">${esc(title)}</text>`);
  const gy = y0 + 26;
  const height = rows.length * ROW + 6;
  for (let v = 0; v <= top + 1e-9; v += step) {
    const x = BAR_X + scale(v);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${gy}" x2="${x.toFixed(1)}" y2="${gy + height}" class="grid"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${gy + height + 12}" class="tick" text-anchor="middle">${rate(v)}</text>`);
  }
  rows.forEach((r, i) => {
    const y = gy + 4 + i * ROW;
    parts.push(`<text x="${BAR_X - 8}" y="${y + BAR_H - 3}" class="label" text-anchor="end">${esc(r.label)}</text>`);
    if (r.value === null || r.value === undefined) {
      parts.push(`<text x="${BAR_X + 4}" y="${y + BAR_H - 3}" class="value">${esc(r.note ?? "failed")}</text>`);
      return;
    }
    const w = Math.max(1, scale(r.value));
    parts.push(`<rect x="${BAR_X}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${r.color}"><title>${esc(`${r.label}: ${Math.round(r.value).toLocaleString("en")} records/s`)}</title></rect>`);
    if (r.min !== null && r.max !== null && r.max > r.min) {
      const cy = y + BAR_H / 2;
      parts.push(`<line x1="${(BAR_X + scale(r.min)).toFixed(1)}" y1="${cy}" x2="${(BAR_X + scale(r.max)).toFixed(1)}" y2="${cy}" class="range"/>`);
    }
    const textX = BAR_X + Math.max(w, r.max ? scale(r.max) : 0) + 6;
    parts.push(`<text x="${textX.toFixed(1)}" y="${y + BAR_H - 3}" class="value">${rate(r.value)}${r.note ? ` · ${esc(r.note)}` : ""}</text>`);
  });
  return { svg: parts.join("\n"), height: 26 + height + 24 };
}

/** The chart of `results` (with its summary) as an SVG document. */
export function svgChart(results) {
  const med = results.summary.medians;
  const panels = [];
  for (const w of WORKLOADS.filter((x) => !x.edgekafkaOnly)) {
    if (!med[w.id]) continue;
    const rows = CLIENTS.filter((c) => med[w.id][c.id]).map((c) => {
      const m = med[w.id][c.id];
      return { label: c.label, color: COLORS[c.id], value: m.recordsPerSec, min: m.recordsPerSecMin, max: m.recordsPerSecMax, note: c.latency ? null : "no latency" };
    });
    panels.push([`${workloadTitle(results, w)} — records/s`, rows]);
  }
  const variants = [];
  for (const rt of ["bun", "deno", "node"]) {
    const c = CLIENTS.find((x) => x.id === rt);
    for (const [wid, what] of [["a", "batch 64 KiB, idempotent"], ["a-16k", "batch 16 KiB, idempotent"], ["a-noidem", "batch 64 KiB, not idempotent"]]) {
      const m = med[wid]?.[rt];
      if (!m || !(med["a-16k"]?.[rt] || med["a-noidem"]?.[rt])) continue;
      variants.push({ label: `${c.runtime[0].toUpperCase()}${c.runtime.slice(1)} · ${what}`, color: COLORS[rt], value: m.recordsPerSec, min: m.recordsPerSecMin, max: m.recordsPerSecMax });
    }
  }
  if (variants.length) panels.push(["edgekafka on (a): batch.size and idempotence (issues 3, 4) — records/s", variants]);

  const m = results.machine;
  const header = `edgekafka producer benchmark ${results.date}: median records/s of ${results.runsPerPair} run(s), line = slowest–fastest run`;
  const sub = `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB · Kafka ${results.versions.kafkaBroker} single node on the same machine · acks=all, linger 5 ms, batch 64 KiB, idempotence on, 6 partitions`;
  let y = 50;
  const body = [];
  for (const [title, rows] of panels) {
    const p = panel(title, rows, y);
    body.push(p.svg);
    y += p.height + 8;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="Helvetica, Arial, sans-serif">`,
    "<style>.title{font-size:14px;font-weight:bold;fill:#111}.label{font-size:12px;fill:#222}.value{font-size:11px;fill:#333}" +
      ".tick{font-size:10px;fill:#666}.grid{stroke:#e5e7eb;stroke-width:1}.range{stroke:#111;stroke-width:1.5}" +
      ".head{font-size:15px;font-weight:bold;fill:#111}.sub{font-size:11px;fill:#555}</style>",
    `<rect width="${WIDTH}" height="${y}" fill="#fff"/>`,
    `<text x="${LABEL_X}" y="20" class="head">${esc(header)}</text>`,
    `<text x="${LABEL_X}" y="38" class="sub">${esc(sub)}</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

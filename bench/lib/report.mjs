// The printed table and bench/RESULTS.md, from the aggregated figures.
import { CONFIGS } from "./configs.mjs";
import { scenarioKey, scenarioLabel } from "./modes.mjs";

const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "–");
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "–");
const signed = (x, digits = 1) =>
  Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${x.toFixed(digits)}` : "–";

function statusText(row) {
  if (row.status === "broken") return `BROKEN: no ${row.unit} for handled requests`;
  if (row.status === "lossy")
    return `lossy: ${fmt(row.perCall * 100, 0)}% of calls have ${row.unit}`;
  if (row.status === "failed")
    return `failed: ${String(row.error ?? "")
      .split("\n")[0]
      .slice(0, 80)}`;
  if (row.status === "missing") return row.error;
  return "ok";
}

function serverRows(rows) {
  return Object.values(rows).map((r) => [
    CONFIGS[r.config].label,
    int(r.callsPerSec),
    r.config === "none" ? "0" : signed(r.added),
    r.config === "none" ? "" : signed(r.overBare),
    fmt(r.p50),
    fmt(r.p99),
    r.config === "none" ? "–" : `${fmt(r.perCall, 2)} ${r.unit}`,
    statusText(r),
  ]);
}

const SERVER_HEAD = [
  "configuration",
  "calls/s",
  "added µs/call",
  "vs floor µs",
  "p50 µs",
  "p99 µs",
  "per call",
  "status",
];

function textTable(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function mdTable(head, rows) {
  const esc = (c) => String(c).replaceAll("|", "\\|");
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

function memoryRows(memory) {
  return memory.map((m) => [
    CONFIGS[m.config].label,
    int(m.calls),
    m.status === "ok" ? `${fmt(m.startMb)} → ${fmt(m.endMb)}` : "–",
    m.status === "ok" ? m.heapMb.map((x) => fmt(x)).join(", ") : "–",
    signed(m.slopeMbPer100k, 2),
    m.status === "ok" ? (m.trend ? "GROWS" : "flat") : `failed: ${String(m.error).slice(0, 60)}`,
  ]);
}
const MEMORY_HEAD = [
  "configuration",
  "calls",
  "heap after GC, MB (start → end)",
  "at each checkpoint, MB",
  "MB per 100k calls",
  "trend",
];

const EXPORT_LABEL = {
  "mcpcat-exporter": "MCPCatExporter (BatchSpanProcessor, defaults)",
  mcpcat: "mcpcat's own event queue (track)",
  otlp: "OTLPTraceExporter, HTTP/JSON (BatchSpanProcessor, defaults)",
};
function exportRows(exp) {
  return exp.map((e) => [
    EXPORT_LABEL[e.target],
    e.error ? "–" : e.source,
    int(e.burst),
    e.error ? "–" : int(e.delivered),
    e.error ? "–" : `${fmt(e.share * 100, 1)}%`,
    e.error ? "–" : int(e.perSec),
    e.error ? "–" : `${fmt(e.producedMs / 1000, 2)} / ${fmt(e.doneMs / 1000, 2)}`,
    e.error ? "–" : `${fmt(e.rssBeforeMb, 0)} → ${fmt(e.peakRssMb, 0)}`,
    e.error
      ? `failed: ${String(e.error).split("\n")[0].slice(0, 80)}`
      : e.invalid
        ? `${e.invalid} invalid`
        : "ok",
  ]);
}
const EXPORT_HEAD = [
  "export path",
  "spans from",
  "burst",
  "delivered",
  "share",
  "per second",
  "burst made / all delivered, s",
  "RSS MB (before → peak)",
  "status",
];

/** The table printed at the end of `npm run bench`. */
export function printTables(res) {
  const parts = [];
  for (const s of res.scenarios) {
    parts.push(
      `\n${scenarioLabel(s)}\n${textTable(SERVER_HEAD, serverRows(res.server[scenarioKey(s)]))}`,
    );
  }
  if (res.memory.length) parts.push(`\nMemory\n${textTable(MEMORY_HEAD, memoryRows(res.memory))}`);
  if (res.export.length) parts.push(`\nExport\n${textTable(EXPORT_HEAD, exportRows(res.export))}`);
  if (res.targets.length) {
    parts.push(
      `\nTargets\n${res.targets.map((t) => `  [${t.met ? "met" : "MISSED"}] ${t.name}: ${t.result}`).join("\n")}`,
    );
  }
  return parts.join("\n");
}

/** bench/RESULTS.md */
export function resultsMarkdown(res, { chartFile, analysis = "" }) {
  const m = res.meta;
  const out = [
    "# Benchmark results",
    "",
    `Measured ${m.date} with \`npm run bench\`${m.mode === "full" ? "" : ` (${m.mode} mode)`}: Node ${m.node}, ${m.cpus}, load average ${m.loadavg} at the start (the machine is shared). ${m.rounds} rounds; ${m.elapsedMin} minutes.`,
    "",
    "Every configuration runs in its own Node process. Each round runs the uninstrumented server twice (first and halfway) and every other configuration once, in a new order. A figure is the median over rounds; *added µs/call* is `1e6/calls_per_s − 1e6/baseline_calls_per_s` against the same round's uninstrumented runs, so it counts everything the instrumentation costs, deferred work included (after each call the caller yields one `setImmediate` turn, outside the latency timer but inside the elapsed time). *vs floor* is the same difference against the bare span made by hand. Latencies are per call, over all calls of a run. The clients speak raw JSON-RPC, so only the server is instrumented.",
    "",
    `![Added microseconds per call](${chartFile})`,
    "",
    "## Targets",
    "",
    mdTable(
      ["target", "result", "verdict"],
      res.targets.map((t) => [t.name, t.result, t.met ? "met" : "**MISSED**"]),
    ),
    "",
  ];
  if (analysis) out.push(analysis.trim(), "");
  out.push("## Server cost", "");
  for (const s of res.scenarios) {
    out.push(
      `### ${scenarioLabel(s)}`,
      "",
      mdTable(SERVER_HEAD, serverRows(res.server[scenarioKey(s)])),
      "",
    );
  }
  if (res.memory.length) {
    out.push(
      "## Memory",
      "",
      "Heap used after two forced GCs, at the start (after 5,000 warm-up calls) and every checkpoint of a run of sequential in-memory calls. *MB per 100k calls* is the least-squares slope over the checkpoints; a trend is a slope that would add more than 2 MB over 1,000,000 calls.",
      "",
      mdTable(MEMORY_HEAD, memoryRows(res.memory)),
      "",
    );
  }
  if (res.export.length) {
    out.push(
      "## Export",
      "",
      `A burst of ${int(res.export[0]?.burst)} tools/call requests through an in-memory server (one \`setImmediate\` turn after each), each producing one span or event, to a loopback stand-in in another process that decodes and checks every body. Every setting is the default. *Per second* is delivered ÷ (last delivery − burst start): delivery runs while the burst is produced, as in a server. The real MCPCat API answers in tens of milliseconds, not in a loopback's fraction of one; the figures are the exporters' own cost and limits, not the network's.`,
      "",
      mdTable(EXPORT_HEAD, exportRows(res.export)),
      "",
    );
  }
  out.push("## Configurations", "");
  for (const [name, c] of Object.entries(CONFIGS)) {
    if (!res.configs.includes(name)) continue;
    out.push(`- **${c.label}**${c.note ? `: ${c.note}` : ""}`);
  }
  out.push("", `Raw figures: \`bench/results/results.json\`.`, "");
  return out.join("\n");
}
